"""One ticket event to every consumer, each at most once per event id (the stream consumer's service).

The stream delivers a record at least once (a retry after a failure, a replayed batch); each
consumer's delivery is claimed in the counters table first (`desk.events.claims`), so a replay
skips what finished and a failed consumer runs again. The ticket is read once, as it is now, for
every consumer. Consumers run one after the other; one failing does not keep the other from its
delivery, but the event as a whole fails (`ConsumerFailed`) so that the stream retries it.
"""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.desk import notifications, webhooks
from chalicelib.desk.events import claims
from chalicelib.desk.events.ticket_event import TicketEvent
from chalicelib.models import Ticket
from chalicelib.observability import logger

# The consumers' names are part of their claims' keys: renaming one replays nothing, but would
# deliver an event twice if a record were replayed across the rename.
CONSUMERS: tuple[str, ...] = ("notifications", "webhooks")


class ConsumerFailed(Exception):
    """A consumer raised (or another invocation still holds its claim); the others finished.
    The record fails and comes again."""


def _consumer(name: str) -> Callable[[TicketEvent, Ticket], None]:
    """Looked up at each call: the package's `on_event` as it is now."""
    module = {"notifications": notifications, "webhooks": webhooks}[name]
    consumer: Callable[[TicketEvent, Ticket], None] = module.on_event
    return consumer


def fan_out(event: TicketEvent, now: float | None = None) -> dict[str, str]:
    """Deliver `event` to each consumer once; returns what happened per consumer."""
    try:
        ticket = Ticket.get(event.ticket_number)
    except Ticket.DoesNotExist:
        logger.warning("event of a ticket that does not exist", extra={"event_id": event.id})
        return dict.fromkeys(CONSUMERS, "no ticket")
    outcome: dict[str, str] = {}
    failed: list[str] = []
    for name in CONSUMERS:
        key = claims.claim_key(event.id, name)
        try:
            if not claims.claim(key, now):
                outcome[name] = "delivered before"
                continue
        except claims.InProgress:
            outcome[name] = "in progress elsewhere"
            failed.append(name)
            continue
        try:
            _consumer(name)(event, ticket)
        except Exception:
            logger.exception("event consumer failed", extra={"event_id": event.id, "consumer": name})
            claims.release(key)
            outcome[name] = "failed"
            failed.append(name)
            continue
        claims.finish(key, now)
        outcome[name] = "delivered"
    if failed:
        raise ConsumerFailed(f"{event.id}: {', '.join(failed)} failed")
    return outcome
