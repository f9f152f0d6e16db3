"""Ticket numbers: #1, #2 … per deployment, from one atomic counter."""

from __future__ import annotations

from chalicelib.models import Ledger

TICKET_COUNTER = "ticket-number"


def next_ticket_number() -> int:
    """An atomic ADD: concurrent mails never share a number (a failed write may leave a gap)."""
    counter = Ledger(key=TICKET_COUNTER)
    counter.update(actions=[Ledger.value.add(1)], add_version_condition=False)
    return int(counter.value)
