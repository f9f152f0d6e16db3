"""Snoozing a ticket: pending until a time, then open again and its assignee told.

`snooze` sets pending, `snoozed_until` and a new `snooze_version` in one version-checked write
and starts that version's timer. Any later status change ends the snooze
(chalicelib.desk.ticket.transition: a customer's message reopens the ticket and clears it), so
`wake`, run by the timer's event, changes something only while the ticket is still pending and
snoozed at the timer's own version: a re-snoozed or woken ticket keeps only its latest timer.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.exceptions import TransactWriteError

from chalicelib.desk.base.errors import Conflict, InvalidRequest
from chalicelib.desk.base.times import parse_local, sortable_time, zone
from chalicelib.desk.base.transactions import is_race
from chalicelib.desk.follow_up import telling, timers
from chalicelib.desk.follow_up.times import QUICK_PICKS, quick_pick, whole_seconds
from chalicelib.desk.setup.agents import AgentProfile
from chalicelib.desk.ticket import sla, transition
from chalicelib.desk.ticket.records import event_message, utcnow
from chalicelib.desk.ticket.tickets import get_ticket
from chalicelib.models import Ticket, write_transaction

# A Standard execution runs at most a year; a snooze stays well inside it.
MAX_SNOOZE = timedelta(days=365)
UNSNOOZABLE = frozenset({"closed", "spam"})


def until_of(agent: AgentProfile, pick: object, until: object, now: datetime) -> datetime:
    """The time a request asks for: a quick pick ("tomorrow", "next_monday": 9:00 in the agent's
    zone) or `until` (a local "YYYY-MM-DDTHH:MM" in that zone, or an ISO instant with an offset)."""
    tz = zone(agent.time_zone)
    if pick not in (None, ""):
        if pick not in QUICK_PICKS:
            raise InvalidRequest(f"pick must be one of {', '.join(QUICK_PICKS)}", field="pick")
        return quick_pick(pick, now, tz)
    if not isinstance(until, str) or not until.strip():
        raise InvalidRequest("give pick or until (a date and time)", field="until")
    try:
        return parse_local(until, tz)
    except ValueError:
        raise InvalidRequest("until must be a date and time, e.g. 2026-12-24T09:00", field="until") from None


def snooze(agent: AgentProfile, number: int, until: datetime, now: datetime | None = None) -> Ticket:
    """Pending until `until` (rounded up to the second); InvalidRequest (field `until`) for a time
    past or more than a year ahead, or a closed or spam ticket."""
    ticket = get_ticket(agent, number)
    at = now or utcnow()
    until = whole_seconds(until)
    if ticket.status in UNSNOOZABLE:
        raise InvalidRequest(f"a {ticket.status} ticket cannot be snoozed", field="status")
    if until <= at:
        raise InvalidRequest("snooze until a time in the future", field="until")
    if until - at > MAX_SNOOZE:
        raise InvalidRequest("a ticket can be snoozed for at most a year", field="until")
    changed = transition.change(ticket, at, agent, status="pending")
    version = ticket.snooze_version + 1
    was = sortable_time(ticket.snoozed_until) if ticket.snoozed_until else ""
    event = {"type": "snoozed", "from": was, "to": sortable_time(until)}
    actions = [*changed.actions, Ticket.snoozed_until.set(until), Ticket.snooze_version.set(version)]
    try:
        with write_transaction() as transaction:
            transaction.update(ticket, actions=actions)
            # Just after the status change it comes with, so the thread reads in that order.
            later = at + timedelta(microseconds=1)
            for item in (*changed.events, event_message(number, agent, later, event)):
                transaction.save(item)
    except TransactWriteError as error:
        if not is_race(error):
            raise
        raise Conflict(f"ticket #{number} was changed by someone else; reload it and try again") from None
    updated = Ticket.get(number)
    if changed.sla_step.moved:
        sla.arm(updated, changed.sla_step.state)
    timers.start(number, "wake", version, until)
    return updated


def wake(number: int, version: int) -> str:
    """The timer of `version` fell due: open the ticket and tell its assignee, unless it moved on.
    Returns what happened (for the log); a concurrent change raises, so the event is redelivered."""
    try:
        ticket = Ticket.get(number)
    except Ticket.DoesNotExist:
        return "ticket gone"
    if ticket.snooze_version != version or ticket.snoozed_until is None or ticket.status != "pending":
        return "stale: the snooze was replaced or ended"
    # The snooze ends at its time: a timer firing a moment early (moto's Wait does, by milliseconds)
    # records that time, so the history never calls the timer's own wake-up early.
    at = max(utcnow(), ticket.snoozed_until)
    changed = transition.change(ticket, at, None, status="open")
    with write_transaction() as transaction:
        transaction.update(ticket, actions=changed.actions, condition=Ticket.snooze_version == version)
        for item in changed.events:
            transaction.save(item)
    updated = Ticket.get(number)
    if changed.sla_step.moved:
        sla.arm(updated, changed.sla_step.state)
    told = telling.tell(updated, "Wake-up", f"Ticket #{number} was snoozed until now and is open again.")
    return f"woke, {len(told)} told"
