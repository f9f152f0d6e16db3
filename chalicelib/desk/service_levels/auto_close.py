"""Closing solved tickets nobody came back to (scheduled, like the digest in `digest`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.exceptions import TransactWriteError

from chalicelib.config import settings
from chalicelib.desk.base.transactions import is_race
from chalicelib.desk.mail_out import notices
from chalicelib.desk.ticket import transition
from chalicelib.models import Ticket, write_transaction
from chalicelib.observability import logger


def close_solved(now: datetime) -> list[int]:
    """Close tickets solved more than `auto_close_days` ago and tell each customer; returns them."""
    cutoff = now - timedelta(days=settings().auto_close_days)
    closed = []
    for ticket in Ticket.status_index.query("solved", Ticket.updated_at < cutoff):
        if _close(ticket, now):
            closed.append(ticket.number)
    return closed


def _close(ticket: Ticket, at: datetime) -> bool:
    """Close one ticket, then mail the customer; False when it left `solved` meanwhile."""
    closing = transition.change(ticket, at, None, status="closed")
    try:
        with write_transaction() as transaction:
            transaction.update(ticket, actions=closing.actions, condition=Ticket.status == "solved")
            for event in closing.events:
                transaction.save(event)
    except TransactWriteError as error:
        if not is_race(error):
            raise
        logger.info("auto-close skipped: the ticket changed", extra={"ticket": ticket.number})
        return False
    notices.closed(ticket)
    return True
