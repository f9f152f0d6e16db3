"""Keeping each ticket's SLA clock: apply a transition, store it with the ticket, arm the timers.

Services call `step(ticket, transition)` while building their write, put `touch(ticket, at, step)`
(the clock's changes, `updated_at` and the queue order key) in the same transaction, and call `arm`
once it committed. Timers of an older `sla_version` find the
version moved and end quietly, so arming never has to cancel anything.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from chalicelib.aws import client
from chalicelib.config import settings
from chalicelib.desk.ticket.queue_keys import NO_SLA_DUE, queue_order
from chalicelib.models import Ticket
from chalicelib.sla import clock
from chalicelib.sla.clock import SlaState
from chalicelib.sla.policy import Metric, SlaPolicy, default_policy, policy_for, policy_from_config
from chalicelib.sla.timer import TimerInput, execution_input, execution_name

Transition = Callable[[SlaState, SlaPolicy], SlaState]


@functools.cache
def policies() -> tuple[SlaPolicy, ...]:
    raw = settings().sla_policies
    return tuple(policy_from_config(item) for item in json.loads(raw)) if raw else (default_policy(),)


def team_policy(team: str, mailbox: str) -> SlaPolicy:
    return policy_for(policies(), team, mailbox)


def policy(ticket: Ticket) -> SlaPolicy:
    return team_policy(ticket.team, ticket.mailbox)


def state_of(ticket: Ticket) -> SlaState:
    return SlaState.from_dict(ticket.sla.as_dict()) if ticket.sla else SlaState()


@dataclass(frozen=True)
class SlaStep:
    state: SlaState
    actions: list[Any]  # the clock's writes: whenever what is stored changed
    due_at: datetime  # the earliest running due time after the step (NO_SLA_DUE when none runs)
    moved: bool  # a timer's time moved: a new sla_version, whose timers `arm` starts after the commit


def start(ticket: Ticket, at: datetime) -> SlaState:
    """The clock of a new ticket, set on the unsaved item (spam starts paused)."""
    rules = policy(ticket)
    state = clock.on_ticket_created(rules, ticket.priority, at)
    if ticket.status != "new":
        state = clock.on_status_change(state, rules, ticket.priority, "new", ticket.status, at=at)
    ticket.sla = state.to_dict()
    ticket.sla_version = state.version
    ticket.sla_due_at = clock.next_due(state, rules, ticket.priority) or NO_SLA_DUE
    ticket.sla_sort = queue_order(ticket.sla_due_at, ticket.updated_at)
    return state


def step(
    ticket: Ticket,
    *transitions: Transition,
    at: datetime | None = None,
    priority: str | None = None,
    team: str | None = None,
) -> SlaStep:
    """Apply transitions in order under the ticket's policy and priority, then move the clock to the
    targets a new `priority` or `team` selects (the time `at` is needed then).

    The clock is written whenever it changed (a met response on a paused ticket moves no timer but
    must be kept); the version moves, and timers are armed, only when a timer's time moved.
    """
    rules, before = policy(ticket), state_of(ticket)
    state = before
    for transition in transitions:
        state = transition(state, rules)
    new_priority = priority or ticket.priority
    new_rules = team_policy(team or ticket.team, ticket.mailbox)
    if (new_rules, new_priority) != (rules, ticket.priority):
        if at is None:
            raise ValueError("a new priority or team needs the time it changed (at)")
        state = clock.on_policy_change(state, rules, ticket.priority, new_rules, new_priority, at=at)
    due = clock.next_due(state, new_rules, new_priority) or NO_SLA_DUE
    moved = state.version != before.version
    actions = [
        *([Ticket.sla.set(state.to_dict())] if state != before else ()),
        *([Ticket.sla_version.set(state.version)] if moved else ()),
        *([Ticket.sla_due_at.set(due)] if due != (ticket.sla_due_at or NO_SLA_DUE) else ()),
    ]
    return SlaStep(state, actions, due, moved)


def touch(ticket: Ticket, at: datetime, sla_step: SlaStep | None = None) -> list[Any]:
    """The actions every ticket change carries: the clock's (if it changed), `updated_at`, and the
    queue order key both make, so no writer can leave a ticket in the wrong place of its queue."""
    due = sla_step.due_at if sla_step else ticket.sla_due_at or NO_SLA_DUE
    return [
        *(sla_step.actions if sla_step else ()),
        Ticket.updated_at.set(at),
        Ticket.sla_sort.set(queue_order(due, at)),
    ]


def arm(ticket: Ticket, state: SlaState) -> None:
    """Start one timer execution per running metric of this sla_version (a retry finds it running)."""
    if not settings().sla_state_machine_arn:
        return
    sfn = client("stepfunctions")
    for name, payload in timers(ticket, state):
        try:
            sfn.start_execution(
                stateMachineArn=settings().sla_state_machine_arn, name=name, input=json.dumps(payload)
            )
        except sfn.exceptions.ExecutionAlreadyExists:
            continue


def timers(ticket: Ticket, state: SlaState) -> list[tuple[str, TimerInput]]:
    """The executions this sla_version needs, by name: one per running metric not breached this cycle.

    The clock knows what was announced once the event was handled; the timer's own record
    (`sla_warned_*` / `sla_breached_*` at this version) covers the moments before that, so arming
    again after a restart carries on where the timer was instead of announcing twice.
    """
    needed = []
    for metric, due in clock.timer_times(state, policy(ticket), ticket.priority).items():
        if getattr(ticket, f"sla_breached_{metric}") == state.version:
            continue
        warned = getattr(ticket, f"sla_warned_{metric}") == state.version
        assert due.due_at is not None  # timer_times keeps only metrics that have a due time
        payload = execution_input(
            ticket.number,
            metric,
            state.version,
            warn_at=None if warned else due.warn_at,
            due_at=due.due_at,
            table=Ticket.Meta.table_name,
            queue_url=settings().sla_queue_url,
        )
        needed.append((execution_name(ticket.number, metric, state.version), payload))
    return needed


def summary(ticket: Ticket, now: datetime) -> dict[str, Any]:
    """The `sla` object of the API: overall state, and per metric its state and due times."""
    state, rules = state_of(ticket), policy(ticket)
    statuses = clock.status_of(state, rules, ticket.priority, now)
    due = clock.due_times(state, rules, ticket.priority)
    return {
        "policy": rules.name,
        "state": clock.overall_status(statuses),
        "due_at": _iso(clock.next_due(state, rules, ticket.priority)),
        "metrics": {
            metric: {
                "state": status,
                "warn_at": _iso(due[metric].warn_at),
                "due_at": _iso(due[metric].due_at),
            }
            for metric, status in statuses.items()
        },
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def customer_wrote(ticket: Ticket, at: datetime) -> Transition:
    return lambda state, rules: clock.on_customer_message(state, rules, ticket.priority, at)


def agent_replied(ticket: Ticket, at: datetime) -> Transition:
    return lambda state, rules: clock.on_agent_reply(state, rules, ticket.priority, at)


def status_changed(ticket: Ticket, old: str, new: str, at: datetime) -> Transition:
    return lambda state, rules: clock.on_status_change(state, rules, ticket.priority, old, new, at=at)


def alerted(metric: Metric, kind: Literal["warning", "breach"]) -> Transition:
    return lambda state, rules: clock.on_alert(state, metric, kind)
