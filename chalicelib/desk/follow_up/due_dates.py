"""Due dates: set or clear one, list what is due today or overdue, remind on the morning it is due.

A due date is a calendar date (Planio's), read in the zone of whoever looks: "today" for an agent
in Sydney is not today in New York. The sparse due index holds the tickets that have one and still
need work (`queue_keys.due_scope`, kept by every status change), sorted by date: "due today" is one
key condition (`= today`), "overdue" another (`< today`), each a bounded Query, never a Scan.

The reminder is a timer for 9:00 on the due date in the assignee's zone (the setter's when nobody
is assigned), started when the date is set; a date whose morning has passed gets none. Each set or
clear bumps `due_version`, so only the latest date's timer reminds, once (a guard in counters).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pynamodb.exceptions import TransactWriteError

from chalicelib.desk.base.cursor import decode_cursor
from chalicelib.desk.base.errors import Conflict, InvalidRequest
from chalicelib.desk.base.times import zone
from chalicelib.desk.base.transactions import condition_failed, is_race
from chalicelib.desk.follow_up import telling, timers
from chalicelib.desk.follow_up.times import local_day, parse_date, reminder_at
from chalicelib.desk.setup import directory
from chalicelib.desk.setup.agents import AgentProfile
from chalicelib.desk.ticket import sla
from chalicelib.desk.ticket.queue_keys import due_scope
from chalicelib.desk.ticket.queues import Batch, Page, fill_page, visibility
from chalicelib.desk.ticket.records import event_message, utcnow
from chalicelib.desk.ticket.tickets import get_ticket
from chalicelib.models import Ledger, Ticket, write_transaction

DueFilter = Literal["today", "overdue"]
DUE_FILTERS: tuple[DueFilter, ...] = ("today", "overdue")
_KEYS = frozenset({"number", "due_scope", "due_date"})


def due_of(value: object) -> date | None:
    """A request's `due_date`: "YYYY-MM-DD", or null / "" to clear it."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, str):
            return parse_date(value)
    except ValueError:
        pass
    raise InvalidRequest("due_date must be a date (YYYY-MM-DD) or null", field="due_date")


def set_due_date(agent: AgentProfile, number: int, due: date | None, now: datetime | None = None) -> Ticket:
    """Set (or with None clear) the ticket's due date, recorded as an event; arms the reminder."""
    ticket = get_ticket(agent, number)
    new = due.isoformat() if due else None
    if new == ticket.due_date:
        return ticket
    if ticket.status == "closed":
        raise InvalidRequest(f"ticket #{number} is closed", field="due_date")
    at = now or utcnow()
    version = ticket.due_version + 1
    scope = due_scope(ticket.status, new)
    actions: list[Any] = [
        Ticket.due_date.set(new) if new else Ticket.due_date.remove(),
        Ticket.due_version.set(version),
        Ticket.due_scope.set(scope) if scope else Ticket.due_scope.remove(),
        *sla.touch(ticket, at),
    ]
    event = {"type": "due_date", "from": ticket.due_date or "", "to": new or ""}
    try:
        with write_transaction() as transaction:
            transaction.update(ticket, actions=actions)
            transaction.save(event_message(number, agent, at, event))
    except TransactWriteError as error:
        if not is_race(error):
            raise
        raise Conflict(f"ticket #{number} was changed by someone else; reload it and try again") from None
    if due and scope:
        remind = reminder_at(due, zone(_zone_of(ticket.assignee, agent)))
        if remind > at:
            timers.start(number, "due", version, remind)
    return Ticket.get(number)


def _zone_of(assignee: str | None, agent: AgentProfile) -> str:
    found = next((a for a in directory.agents() if assignee and a.email == assignee), None)
    return (found or agent).time_zone


def list_due(
    agent: AgentProfile,
    which: DueFilter,
    now: datetime | None = None,
    cursor: str | None = None,
    limit: int = 25,
) -> Page:
    """The agent's tickets due today (in the agent's zone) or overdue, earliest due first."""
    if which not in DUE_FILTERS:
        raise InvalidRequest(f"due must be one of {', '.join(DUE_FILTERS)}", field="due")
    today = local_day(now or utcnow(), zone(agent.time_zone)).isoformat()
    condition = Ticket.due_date == today if which == "today" else Ticket.due_date < today
    hidden = visibility(agent)

    def read(start: dict[str, Any] | None, size: int) -> Batch:
        page = Ticket._get_connection().query(
            "due",
            range_key_condition=condition,
            filter_condition=hidden,
            index_name=Ticket.due_index.Meta.index_name,
            scan_index_forward=True,
            exclusive_start_key=start,
            limit=size,
        )
        found = [(Ticket.from_raw_data(item), {k: item[k] for k in _KEYS}) for item in page["Items"]]
        return found, page.get("LastEvaluatedKey")

    return fill_page(read, decode_cursor(cursor, _KEYS), limit)


def remind(number: int, version: int) -> str:
    """The reminder timer of `version` fell due: record it once and tell the assignee."""
    try:
        ticket = Ticket.get(number)
    except Ticket.DoesNotExist:
        return "ticket gone"
    if ticket.due_version != version or ticket.due_scope is None or not ticket.due_date:
        return "stale: the due date changed or the ticket is done"
    guard = Ledger(key=f"due#{number}#v{version}")
    event = event_message(number, None, utcnow(), {"type": "due_reminder", "to": ticket.due_date})
    try:
        with write_transaction() as transaction:
            transaction.save(guard, condition=Ledger.key.does_not_exist())
            transaction.condition_check(Ticket, number, condition=Ticket.due_version == version)
            transaction.save(event)
    except TransactWriteError as error:
        # PynamoDB sends condition checks before saves: 0 is the version, 1 the guard.
        if condition_failed(error, 0):
            return "stale: the due date changed meanwhile"
        if condition_failed(error, 1):
            return "duplicate: already reminded"
        raise
    told = telling.tell(ticket, "Due-date reminder", f"Ticket #{number} is due today ({ticket.due_date}).")
    return f"reminded, {len(told)} told"
