"""The in-app notifications of one agent: what the bell counts and the list shows.

One partition per agent in the notifications table: `n#<sortable time>#<event id>` per
notification and the `unread` item, an exact counter kept in the same transaction as every change
of a notification's read state, so the bell is one GetItem instead of a count over the list.
Writing a notification is conditional on its key, so an event told twice (a replayed stream
record past its claim) counts once.
"""

from __future__ import annotations

import time

from pynamodb.exceptions import TransactWriteError

from chalicelib.desk.base.errors import NotFound
from chalicelib.desk.base.times import sortable_time
from chalicelib.desk.base.transactions import condition_failed
from chalicelib.desk.events import TicketEvent
from chalicelib.desk.ticket import queues
from chalicelib.models import Notification, write_transaction

UNREAD = "unread"
PREFIX = "n#"
KEEP_SECONDS = 90 * 24 * 3600  # notifications older than this go (TTL); the ticket keeps its history
TEXT_LIMIT = 300  # what the list shows of the new text; the ticket has all of it
_IS_UNREAD = Notification.read == False  # noqa: E712 (a DynamoDB condition, not a comparison)
CHUNK = 50  # notifications marked read per transaction (with the counter: 51 of 100 items)


def notification_key(event: TicketEvent) -> str:
    return f"{PREFIX}{sortable_time(event.at)}#{event.id}"


def add(email: str, event: TicketEvent, subject: str, reason: str, line: str) -> bool:
    """The notification of `event` for the agent, unread; False when it was there already."""
    item = Notification(
        agent=email,
        key=notification_key(event),
        ticket_number=event.ticket_number,
        subject=subject,
        event_type=event.type,
        reason=reason,
        text=line[:TEXT_LIMIT],
        actor_name=event.actor_name,
        created_at=event.at,
        read=False,
        expires_at=int(event.at.timestamp()) + KEEP_SECONDS,
    )
    try:
        with write_transaction() as transaction:
            transaction.save(item, condition=Notification.key.does_not_exist())
            transaction.update(Notification(agent=email, key=UNREAD), actions=[Notification.tally.add(1)])
    except TransactWriteError as error:
        if condition_failed(error, 0):
            return False
        raise
    return True


def unread_count(email: str) -> int:
    """The bell's number: one GetItem."""
    try:
        return max(0, Notification.get(email, UNREAD).tally or 0)
    except Notification.DoesNotExist:
        return 0


def recent(email: str, limit: int = 50) -> list[Notification]:
    """The agent's newest notifications first (one Query)."""
    return list(
        Notification.query(email, Notification.key.startswith(PREFIX), scan_index_forward=False, limit=limit)
    )


def mark_read(email: str, key: str) -> Notification:
    """Mark one notification read (nothing when it was); returns it (its ticket is where to go)."""
    if not key.startswith(PREFIX):
        raise NotFound("no such notification")
    try:
        item = Notification.get(email, key)
    except Notification.DoesNotExist:
        raise NotFound("no such notification") from None
    if not item.read:
        _mark([item], email)
    return item


def mark_all_read(email: str) -> int:
    """Every unread notification read; returns how many were."""
    unread = list(Notification.query(email, Notification.key.startswith(PREFIX), filter_condition=_IS_UNREAD))
    for start in range(0, len(unread), CHUNK):
        _mark(unread[start : start + CHUNK], email)
    return len(unread)


def _mark(items: list[Notification], email: str) -> None:
    """Read state and counter in one transaction; if another tab marked one meanwhile, each alone."""
    try:
        with write_transaction() as transaction:
            for item in items:
                transaction.update(
                    item,
                    actions=[Notification.read.set(True)],
                    condition=_IS_UNREAD,
                )
            transaction.update(
                Notification(agent=email, key=UNREAD), actions=[Notification.tally.add(-len(items))]
            )
    except TransactWriteError as error:
        if len(items) == 1 or not condition_failed(error):
            if condition_failed(error):
                return  # marked read by someone else just now
            raise
        for item in items:
            _mark([item], email)


# The bell on every page: kept per container as long as the sidebar's counts are
# (desk.ticket.queues.COUNT_TTL_SECONDS), so a warm page costs no request for it; the agent's own
# changes (a form sent) drop it at once.
_unread: dict[str, tuple[float, int]] = {}


def cached_unread(email: str) -> int:
    kept = _unread.get(email)
    if kept and time.monotonic() - kept[0] < queues.COUNT_TTL_SECONDS:
        return kept[1]
    count = unread_count(email)
    _unread[email] = (time.monotonic(), count)
    return count


def forget_unread(email: str | None = None) -> None:
    if email is None:
        _unread.clear()
    else:
        _unread.pop(email, None)
