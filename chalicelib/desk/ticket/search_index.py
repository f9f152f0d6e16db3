"""Writing the search table: a ticket's subject words, saved in the transaction that creates it.
The read side (`desk.search`) queries them."""

from __future__ import annotations

from chalicelib.desk.base.words import words
from chalicelib.models import SearchTerm

MAX_WORDS_PER_TICKET = 12


def index_items(number: int, subject: str) -> list[SearchTerm]:
    """The search items of a new ticket, capped so the creating transaction stays small."""
    return [SearchTerm(word=word, number=number) for word in words(subject)[:MAX_WORDS_PER_TICKET]]
