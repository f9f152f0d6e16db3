"""A ticket's move to a new status, team, assignee or priority, built in one place (no I/O).

Every writer that changes one of those four fields takes its update from `change`: the fields'
actions, the queue view keys of the new (status, team, assignee) whenever one of them moves, the
SLA clock's step (a status change pauses, resumes or stops it; a priority or team moves its
targets), the touch every ticket change carries (`updated_at` and the queue order key, see
`sla.touch`) and the history events. So no writer can leave a ticket in a view it no longer
belongs to, or out of order in its queue: a writer adds its own actions (references, people,
`merged_into`) and its own condition, never its own version of these.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from chalicelib.desk.base.times import sortable_time
from chalicelib.desk.setup.agents import AgentProfile
from chalicelib.desk.ticket import sla
from chalicelib.desk.ticket.queue_keys import due_scope, view_key_actions
from chalicelib.desk.ticket.records import event_message
from chalicelib.models import Message, Ticket


class _Keep(Enum):
    KEEP = "keep"


# `assignee=KEEP` leaves the assignee as it is; None unassigns.
KEEP = _Keep.KEEP


@dataclass(frozen=True)
class Transition:
    """What one change of a ticket writes: `actions` for its UpdateItem (complete: the fields, the
    view keys, the clock, the touch), `events` to save in the same transaction, and the SLA step
    (`sla.arm(ticket, sla_step.state)` once committed, when `sla_step.moved`)."""

    actions: list[Any]
    events: list[Message]
    sla_step: sla.SlaStep
    changed: bool  # a field (status, team, assignee, priority) takes a new value


def change(
    ticket: Ticket,
    at: datetime,
    actor: AgentProfile | None,
    *,
    status: str | None = None,
    team: str | None = None,
    assignee: str | _Keep | None = KEEP,
    priority: str | None = None,
    before: Sequence[sla.Transition] = (),
    after: Sequence[sla.Transition] = (),
    status_event: str | None = "status",
    by_rule: Mapping[str, str] | None = None,
) -> Transition:
    """The ticket moved to the given values at `at` by `actor` (None: the help desk or the
    customer). None (KEEP for `assignee`) leaves a field as it is, and so does its current value.

    `before` and `after` are what else happened to the SLA clock, applied before and after the
    status change (an agent's reply comes before the status it sets; a customer's message after
    the reopening it causes). `status_event` is the history event's type for a status change
    ("customer_solved" from the status page), None when the caller records it its own way (a merge).
    `by_rule` names the rule that set a field (event type → rule name): its event says so.
    """
    new_status = status or ticket.status
    new_team = team or ticket.team
    new_assignee = ticket.assignee if assignee is KEEP else assignee
    new_priority = priority or ticket.priority
    actions: list[Any] = []
    events: list[dict[str, str]] = []
    for attribute, kind, old, new in (
        (Ticket.status, status_event, ticket.status, new_status),
        (Ticket.priority, "priority", ticket.priority, new_priority),
        (Ticket.team, "team", ticket.team, new_team),
        (Ticket.assignee, "assignee", ticket.assignee, new_assignee),
    ):
        if new != old:
            actions.append(attribute.set(new) if new is not None else attribute.remove())
            if kind is not None:
                event = {"type": kind, "from": old or "", "to": new or ""}
                if by_rule and kind in by_rule:
                    event["rule"] = by_rule[kind]
                events.append(event)
    changed = bool(actions)
    if new_status != ticket.status:
        actions += _follow_up_actions(ticket, new_status, at, events)
    if (new_status, new_team, new_assignee) != (ticket.status, ticket.team, ticket.assignee):
        actions += view_key_actions(ticket, new_status, new_team, new_assignee)
    status_changes = (
        [sla.status_changed(ticket, ticket.status, new_status, at)] if new_status != ticket.status else []
    )
    sla_step = sla.step(ticket, *before, *status_changes, *after, at=at, priority=new_priority, team=new_team)
    actions += sla.touch(ticket, at, sla_step)
    # A change a rule made is the rule's, not the agent's whose change ran it.
    messages = [event_message(ticket.number, None if "rule" in e else actor, at, e) for e in events]
    return Transition(actions, messages, sla_step, changed)


def _follow_up_actions(
    ticket: Ticket, new_status: str, at: datetime, events: list[dict[str, str]]
) -> list[Any]:
    """A new status moves the ticket in or out of the due index, and ends a snooze unless it stays
    pending: whatever woke it (the customer, an agent, the timer), the snooze's timer then finds
    nothing to do (chalicelib.desk.follow_up)."""
    actions: list[Any] = []
    scope = due_scope(new_status, ticket.due_date)
    if scope != due_scope(ticket.status, ticket.due_date):
        actions.append(Ticket.due_scope.set(scope) if scope else Ticket.due_scope.remove())
    if ticket.snoozed_until is not None and new_status != "pending":
        actions.append(Ticket.snoozed_until.remove())
        early = "1" if at < ticket.snoozed_until else ""
        events.append({"type": "woke", "until": sortable_time(ticket.snoozed_until), "early": early})
    return actions
