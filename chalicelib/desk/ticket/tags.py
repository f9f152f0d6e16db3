"""The tag index: one item per (tag, ticket), kept in step with the ticket's tags in one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from chalicelib.models import TagLink


def tag_links(transaction: Any, number: int, old: Iterable[str], new: Iterable[str]) -> None:
    """Add to `transaction` the tag-index writes that turn tags `old` into `new` on ticket `number`."""
    before, after = set(old), set(new)
    for tag in sorted(after - before):
        transaction.save(TagLink(tag=tag, number=number))
    for tag in sorted(before - after):
        transaction.delete(TagLink(tag=tag, number=number))
