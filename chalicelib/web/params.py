"""Path and form values parsed into the typed values services take, once, at the web edge."""

from __future__ import annotations

from chalicelib.desk.base.errors import NotFound

MAX_TICKET_DIGITS = 12


def ticket_number(number: str) -> int:
    """A ticket number from a URL segment; anything else is a ticket that does not exist (404)."""
    if not number.isdigit() or len(number) > MAX_TICKET_DIGITS:
        raise NotFound(f"ticket #{number} does not exist")
    return int(number)
