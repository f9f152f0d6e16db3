"""The SLA clock of one ticket: pure transitions over what the ticket stores.

Each metric keeps the business minutes it consumed while running and when it last (re)started, so
due times follow from the policy at any moment: nothing about a priority is stored, and a priority
change is a recomputation. A metric is `idle` (not owed: next response until the customer writes
after an agent's answer), `running`, `paused` (ticket pending, on hold, spam, or solved for the
response metrics) or `done` (satisfied or stopped; its verdict is frozen then so that later policy
edits do not rewrite history).

A metric's cycle runs from when it starts to when it is done (next response: each customer message
an agent has not answered yet; resolution: the ticket's whole life, across reopening). A warning or
breach is announced once per cycle: the metric keeps `warned` / `breached`, and the timers skip
what it already announced, so a pause, a resume or a tighter target after a breach (an escalation
raising the priority) never announces the same cycle again.

Status rules: new/open run; pending/on_hold/spam pause; solved stops resolution and pauses the
response metrics (nobody owes an answer on a solved ticket); closed stops everything; leaving
solved/closed resumes resolution with its minutes kept. Any transition that moves a timer's time
bumps `version` (the ticket's `sla_version`), which turns every timer started for an older version
stale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from chalicelib.sla.calendar import add_business_minutes, business_minutes_between, utc
from chalicelib.sla.policy import METRICS, SlaPolicy

Phase = Literal["idle", "running", "paused", "done"]
Status = Literal["ok", "at_risk", "breached", "met", "paused"]
# Worst first: the overall status of a ticket is the first of these any metric has.
STATUS_ORDER: tuple[Status, ...] = ("breached", "at_risk", "ok", "paused", "met")
RUNNING_STATUSES = frozenset({"new", "open"})
PAUSING_STATUSES = frozenset({"pending", "on_hold", "spam"})
FINISHED_STATUSES = frozenset({"solved", "closed"})
_LIVE = frozenset({"running", "paused"})


@dataclass(frozen=True)
class MetricClock:
    phase: Phase = "idle"
    consumed: float = 0.0  # business minutes used before `since` (the total once paused or done)
    since: datetime | None = None  # when it last started running; None unless running
    done_at: datetime | None = None
    breached: bool = False  # announced this cycle, or the verdict frozen when the metric is done
    warned: bool = False  # the warning was announced this cycle


@dataclass(frozen=True)
class DueTime:
    warn_at: datetime | None
    due_at: datetime | None


@dataclass(frozen=True)
class SlaState:
    first_response: MetricClock = MetricClock()
    next_response: MetricClock = MetricClock()
    resolution: MetricClock = MetricClock()
    version: int = 0

    def clock(self, metric: str) -> MetricClock:
        return getattr(self, metric)

    def to_dict(self) -> dict[str, Any]:
        """JSON types only (None left out), for a DynamoDB map attribute."""
        return {"version": self.version} | {m: _clock_to_dict(self.clock(m)) for m in METRICS}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SlaState:
        """Accepts what `to_dict` wrote, also with DynamoDB's Decimal numbers."""
        return cls(version=int(data["version"]), **{m: _clock_from_dict(data[m]) for m in METRICS})


def _clock_to_dict(clock: MetricClock) -> dict[str, Any]:
    data = {
        "phase": clock.phase,
        "consumed": clock.consumed,
        "breached": clock.breached,
        "warned": clock.warned,
    }
    for name in ("since", "done_at"):
        if (value := getattr(clock, name)) is not None:
            data[name] = value.isoformat().replace("+00:00", "Z")
    return data


def _clock_from_dict(data: Mapping[str, Any]) -> MetricClock:
    def instant(name: str) -> datetime | None:
        return utc(datetime.fromisoformat(data[name]), name) if data.get(name) else None

    if data["phase"] not in ("idle", "running", "paused", "done"):
        raise ValueError(f"unknown SLA phase {data['phase']!r}")
    return MetricClock(
        phase=data["phase"],
        consumed=float(data["consumed"]),
        since=instant("since"),
        done_at=instant("done_at"),
        breached=bool(data["breached"]),
        warned=bool(data.get("warned", False)),  # absent on clocks stored before it existed
    )


def _whole_second(value: datetime) -> datetime:
    """`value` rounded up to the second: the one rounding of a due time (see `_due`)."""
    return value + timedelta(microseconds=-value.microsecond % 1_000_000)


def _due(clock: MetricClock, policy: SlaPolicy, target: int) -> DueTime:
    """When a running metric reaches the warning point and its target (the restart, if already past).

    Both are rounded up to the whole second here, once: the stored `sla_due_at`, the queue's sort
    key, the API and pages, the status verdict and the Step Functions timer (whose timestamps have
    no fraction) then all hold the same instant, and a timer never fires before it.
    """
    if clock.phase != "running" or clock.since is None:
        return DueTime(None, None)
    calendar, since, used = policy.calendar, clock.since, clock.consumed
    return DueTime(
        warn_at=_whole_second(add_business_minutes(calendar, since, max(target * policy.warn_at - used, 0))),
        due_at=_whole_second(add_business_minutes(calendar, since, max(target - used, 0))),
    )


def _status(clock: MetricClock, policy: SlaPolicy, target: int, now: datetime) -> Status:
    if clock.breached:
        return "breached"
    if clock.phase == "done":
        return "met"
    if clock.phase == "paused":
        return "breached" if clock.consumed >= target else "paused"
    due = _due(clock, policy, target)
    if now >= due.due_at:
        return "breached"
    return "at_risk" if now >= due.warn_at else "ok"


def _targets(policy: SlaPolicy, priority: str) -> dict[str, int]:
    return {m: t for m in METRICS if (t := policy.target(priority, m)) is not None}


def due_times(state: SlaState, policy: SlaPolicy, priority: str) -> dict[str, DueTime]:
    """Warning and due instants of every metric with a target (None unless it is running)."""
    return {m: _due(state.clock(m), policy, t) for m, t in _targets(policy, priority).items()}


def timer_times(state: SlaState, policy: SlaPolicy, priority: str) -> dict[str, DueTime]:
    """What the timers of this version wait for: each running metric not yet breached this cycle,
    without its warning once that was announced. The version moves exactly when this changes."""
    return {
        m: replace(due, warn_at=None) if state.clock(m).warned else due
        for m, due in due_times(state, policy, priority).items()
        if due.due_at is not None and not state.clock(m).breached
    }


def status_of(state: SlaState, policy: SlaPolicy, priority: str, now: datetime) -> dict[str, Status]:
    """The status of every metric with a target that is owed or done (idle metrics are left out)."""
    now = utc(now, "now")
    return {
        m: _status(state.clock(m), policy, t, now)
        for m, t in _targets(policy, priority).items()
        if state.clock(m).phase != "idle"
    }


def overall_status(statuses: Mapping[str, Status]) -> Status | None:
    """The worst status of the metrics; None when no metric applies."""
    return next((s for s in STATUS_ORDER if s in statuses.values()), None)


def next_due(state: SlaState, policy: SlaPolicy, priority: str) -> datetime | None:
    """The earliest due instant of a running metric: the queue's sort key."""
    return min((d.due_at for d in due_times(state, policy, priority).values() if d.due_at), default=None)


def _consumed(clock: MetricClock, policy: SlaPolicy, at: datetime) -> float:
    if clock.phase != "running" or clock.since is None:
        return clock.consumed
    return clock.consumed + business_minutes_between(policy.calendar, clock.since, at)


def _pause(clock: MetricClock, policy: SlaPolicy, at: datetime) -> MetricClock:
    if clock.phase != "running":
        return clock
    return replace(clock, phase="paused", consumed=_consumed(clock, policy, at), since=None)


def _resume(clock: MetricClock, at: datetime) -> MetricClock:
    return replace(clock, phase="running", since=at) if clock.phase == "paused" else clock


def _finish(clock: MetricClock, policy: SlaPolicy, target: int | None, at: datetime) -> MetricClock:
    if clock.phase not in _LIVE:
        return clock
    breached = target is not None and _status(clock, policy, target, at) == "breached"
    return replace(
        clock, phase="done", consumed=_consumed(clock, policy, at), since=None, done_at=at, breached=breached
    )


def _advance(
    state: SlaState,
    changes: Mapping[str, MetricClock],
    policy: SlaPolicy,
    priority: str,
    *,
    to: tuple[SlaPolicy, str] | None = None,
) -> SlaState:
    """The new state (under the policy and priority `to`, if they change); its version moves on
    when a timer's time moved, so older timers go stale."""
    after = replace(state, **changes)
    new_policy, new_priority = to or (policy, priority)
    if timer_times(after, new_policy, new_priority) != timer_times(state, policy, priority):
        after = replace(after, version=state.version + 1)
    return after


def on_ticket_created(policy: SlaPolicy, priority: str, at: datetime) -> SlaState:
    """First response and resolution start running; next response waits for a first answer."""
    at = utc(at, "at")
    running = MetricClock(phase="running", since=at)
    return _advance(SlaState(), {"first_response": running, "resolution": running}, policy, priority)


def on_agent_reply(state: SlaState, policy: SlaPolicy, priority: str, at: datetime) -> SlaState:
    """An agent's answer satisfies the first and the next response; the customer starts the next."""
    at = utc(at, "at")
    changes = {
        m: _finish(state.clock(m), policy, policy.target(priority, m), at)
        for m in ("first_response", "next_response")
    }
    return _advance(state, changes, policy, priority)


def on_customer_message(state: SlaState, policy: SlaPolicy, priority: str, at: datetime) -> SlaState:
    """Resumes paused metrics and, once the first response is given, starts a next-response cycle.

    A next response already owed keeps running from the customer's first unanswered message.
    """
    at = utc(at, "at")
    changes = {m: _resume(state.clock(m), at) for m in METRICS}
    if state.first_response.phase == "done" and state.next_response.phase in ("idle", "done"):
        changes["next_response"] = MetricClock(phase="running", since=at)
    return _advance(state, changes, policy, priority)


def on_status_change(
    state: SlaState, policy: SlaPolicy, priority: str, old_status: str, new_status: str, *, at: datetime
) -> SlaState:
    at = utc(at, "at")
    known = RUNNING_STATUSES | PAUSING_STATUSES | FINISHED_STATUSES
    if new_status not in known or old_status not in known:
        raise ValueError(f"unknown ticket status {old_status!r} → {new_status!r}")
    clocks = {m: state.clock(m) for m in METRICS}
    resolution = clocks["resolution"]
    if old_status in FINISHED_STATUSES and new_status not in FINISHED_STATUSES and resolution.phase == "done":
        clocks["resolution"] = replace(resolution, phase="paused", done_at=None)  # reopened: same cycle
    if new_status == "closed":
        clocks = {m: _finish(c, policy, policy.target(priority, m), at) for m, c in clocks.items()}
    elif new_status == "solved":
        target = policy.target(priority, "resolution")
        clocks = {
            m: _finish(c, policy, target, at) if m == "resolution" else _pause(c, policy, at)
            for m, c in clocks.items()
        }
    elif new_status in PAUSING_STATUSES:
        clocks = {m: _pause(c, policy, at) for m, c in clocks.items()}
    else:
        clocks = {m: _resume(c, at) for m, c in clocks.items()}
    return _advance(state, clocks, policy, priority)


def on_policy_change(
    state: SlaState,
    old_policy: SlaPolicy,
    old_priority: str,
    new_policy: SlaPolicy,
    new_priority: str,
    *,
    at: datetime,
) -> SlaState:
    """A new priority or team: the due times follow the targets they select by themselves (nothing
    stored depends on them); on another calendar, running metrics restart at `at` with the minutes
    they used counted in the calendar they ran in. Done metrics keep their verdict, and a cycle
    keeps what it announced."""
    at = utc(at, "at")
    changes = {}
    if new_policy.calendar != old_policy.calendar:
        changes = {
            m: _resume(_pause(state.clock(m), old_policy, at), at)
            for m in METRICS
            if state.clock(m).phase == "running"
        }
    return _advance(state, changes, old_policy, old_priority, to=(new_policy, new_priority))


def on_alert(state: SlaState, metric: str, kind: Literal["warning", "breach"]) -> SlaState:
    """The timer's warning or breach was announced: it is not announced again this cycle.

    The version stays: the timer that announced it already went past that point (after a warning it
    goes on waiting for the due time), so a new version would only start a twin.
    """
    clock = state.clock(metric)
    announced = replace(clock, warned=True, breached=clock.breached or kind == "breach")
    return replace(state, **{metric: announced})


def waiting_since(state: SlaState) -> datetime | None:
    """When the customer's unanswered message started (or resumed) the response they are owed."""
    return min(
        (c.since for c in (state.first_response, state.next_response) if c.phase == "running" and c.since),
        default=None,
    )
