"""Counting AWS requests with a botocore event hook, per operation."""

from __future__ import annotations

import collections
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class RequestCounter:
    """A `before-call` hook: one count per AWS API request, by service and operation."""

    def __init__(self) -> None:
        self.counts: collections.Counter[str] = collections.Counter()

    def __call__(self, model: Any, **_: Any) -> None:
        self.counts[f"{model.service_model.service_name}:{model.name}"] += 1

    @contextmanager
    def measure(self) -> Iterator[collections.Counter[str]]:
        """The requests made inside the block."""
        before = self.counts.copy()
        delta: collections.Counter[str] = collections.Counter()
        yield delta
        delta.update(self.counts - before)


def install() -> RequestCounter:
    """Register on every botocore session created from now on (boto3's and PynamoDB's alike)."""
    from botocore.handlers import BUILTIN_HANDLERS

    counter = RequestCounter()
    BUILTIN_HANDLERS.append(("before-call", counter))
    return counter
