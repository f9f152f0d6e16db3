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
from decimal import Decimal
from typing import Literal, NotRequired, TypedDict, TypeGuard

from chalicelib.sla.calendar import add_business_minutes, business_minutes_between, utc
from chalicelib.sla.policy import METRICS, Metric, SlaPolicy

Phase = Literal["idle", "running", "paused", "done"]
PHASES: tuple[Phase, ...] = ("idle", "running", "paused", "done")
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


class StoredClock(TypedDict):
    """A MetricClock as `SlaState.to_dict` writes it (instants as ISO 8601 strings)."""

    phase: Phase
    consumed: float
    breached: bool
    warned: bool
    since: NotRequired[str]
    done_at: NotRequired[str]


class StoredState(TypedDict):
    """The ticket's `sla` map attribute."""

    version: int
    first_response: StoredClock
    next_response: StoredClock
    resolution: StoredClock


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

    def clock(self, metric: Metric) -> MetricClock:
        return self._clocks()[metric]

    def _clocks(self) -> dict[Metric, MetricClock]:
        return {
            "first_response": self.first_response,
            "next_response": self.next_response,
            "resolution": self.resolution,
        }

    def with_clocks(self, changes: Mapping[Metric, MetricClock]) -> SlaState:
        """This state with the given metrics' clocks replaced (the version unchanged)."""
        clocks = self._clocks() | dict(changes)
        return replace(
            self,
            first_response=clocks["first_response"],
            next_response=clocks["next_response"],
            resolution=clocks["resolution"],
        )

    def to_dict(self) -> StoredState:
        """JSON types only (None left out), for a DynamoDB map attribute."""
        return {
            "version": self.version,
            "first_response": _clock_to_dict(self.first_response),
            "next_response": _clock_to_dict(self.next_response),
            "resolution": _clock_to_dict(self.resolution),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> SlaState:
        """Accepts what `to_dict` wrote, also with DynamoDB's Decimal numbers."""
        clocks = {m: _clock_from_dict(data[m]) for m in METRICS}
        return cls(version=int(_number(data["version"], "version"))).with_clocks(clocks)


def _clock_to_dict(clock: MetricClock) -> StoredClock:
    data: StoredClock = {
        "phase": clock.phase,
        "consumed": clock.consumed,
        "breached": clock.breached,
        "warned": clock.warned,
    }
    if clock.since is not None:
        data["since"] = _iso(clock.since)
    if clock.done_at is not None:
        data["done_at"] = _iso(clock.done_at)
    return data


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _number(value: object, name: str) -> int | float | Decimal:
    """A stored number: DynamoDB gives Decimal, `to_dict` wrote int or float (a bool is no number)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError(f"SLA clock {name}: {value!r} is not a number")
    return value


def _is_phase(value: object) -> TypeGuard[Phase]:
    return value in PHASES


def _clock_from_dict(data: object) -> MetricClock:
    if not isinstance(data, Mapping):
        raise ValueError(f"SLA clock: {data!r} is not a map")

    def instant(name: str) -> datetime | None:
        value = data.get(name)
        return utc(datetime.fromisoformat(value), name) if value else None

    phase = data["phase"]
    if not _is_phase(phase):
        raise ValueError(f"unknown SLA phase {phase!r}")
    return MetricClock(
        phase=phase,
        consumed=float(_number(data["consumed"], "consumed")),
        since=instant("since"),
        done_at=instant("done_at"),
        breached=bool(data["breached"]),
        warned=bool(data.get("warned", False)),  # absent on clocks stored before it existed
    )


def _whole_second(value: datetime) -> datetime:
    """`value` rounded up to the second: the one rounding of a due time (see `_due`)."""
    return value + timedelta(microseconds=-value.microsecond % 1_000_000)


def _deadlines(clock: MetricClock, policy: SlaPolicy, target: int) -> tuple[datetime, datetime] | None:
    """When a running metric reaches the warning point and its target (the restart, if already past);
    None unless it runs.

    Both are rounded up to the whole second here, once: the stored `sla_due_at`, the queue's sort
    key, the API and pages, the status verdict and the Step Functions timer (whose timestamps have
    no fraction) then all hold the same instant, and a timer never fires before it.
    """
    if clock.phase != "running" or clock.since is None:
        return None
    calendar, since, used = policy.calendar, clock.since, clock.consumed
    return (
        _whole_second(add_business_minutes(calendar, since, max(target * policy.warn_at - used, 0))),
        _whole_second(add_business_minutes(calendar, since, max(target - used, 0))),
    )


def _due(clock: MetricClock, policy: SlaPolicy, target: int) -> DueTime:
    deadlines = _deadlines(clock, policy, target)
    return DueTime(*deadlines) if deadlines else DueTime(None, None)


def _status(clock: MetricClock, policy: SlaPolicy, target: int, now: datetime) -> Status:
    if clock.breached:
        return "breached"
    if clock.phase == "done":
        return "met"
    deadlines = _deadlines(clock, policy, target)
    if deadlines is None:  # paused (an idle metric has no status: `status_of` leaves it out)
        return "breached" if clock.consumed >= target else "paused"
    warn_at, due_at = deadlines
    if now >= due_at:
        return "breached"
    return "at_risk" if now >= warn_at else "ok"


def _targets(policy: SlaPolicy, priority: str) -> dict[Metric, int]:
    return {m: t for m in METRICS if (t := policy.target(priority, m)) is not None}


def due_times(state: SlaState, policy: SlaPolicy, priority: str) -> dict[Metric, DueTime]:
    """Warning and due instants of every metric with a target (None unless it is running)."""
    return {m: _due(state.clock(m), policy, t) for m, t in _targets(policy, priority).items()}


def timer_times(state: SlaState, policy: SlaPolicy, priority: str) -> dict[Metric, DueTime]:
    """What the timers of this version wait for: each running metric not yet breached this cycle,
    without its warning once that was announced. The version moves exactly when this changes."""
    return {
        m: replace(due, warn_at=None) if state.clock(m).warned else due
        for m, due in due_times(state, policy, priority).items()
        if due.due_at is not None and not state.clock(m).breached
    }


def status_of(state: SlaState, policy: SlaPolicy, priority: str, now: datetime) -> dict[Metric, Status]:
    """The status of every metric with a target that is owed or done (idle metrics are left out)."""
    now = utc(now, "now")
    return {
        m: _status(state.clock(m), policy, t, now)
        for m, t in _targets(policy, priority).items()
        if state.clock(m).phase != "idle"
    }


def overall_status(statuses: Mapping[Metric, Status]) -> Status | None:
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
    changes: Mapping[Metric, MetricClock],
    policy: SlaPolicy,
    priority: str,
    *,
    to: tuple[SlaPolicy, str] | None = None,
) -> SlaState:
    """The new state (under the policy and priority `to`, if they change); its version moves on
    when a timer's time moved, so older timers go stale."""
    after = state.with_clocks(changes)
    new_policy, new_priority = to or (policy, priority)
    if timer_times(after, new_policy, new_priority) != timer_times(state, policy, priority):
        after = replace(after, version=state.version + 1)
    return after


def on_ticket_created(policy: SlaPolicy, priority: str, at: datetime) -> SlaState:
    """First response and resolution start running; next response waits for a first answer."""
    at = utc(at, "at")
    running = MetricClock(phase="running", since=at)
    changes: dict[Metric, MetricClock] = {"first_response": running, "resolution": running}
    return _advance(SlaState(), changes, policy, priority)


def on_agent_reply(state: SlaState, policy: SlaPolicy, priority: str, at: datetime) -> SlaState:
    """An agent's answer satisfies the first and the next response; the customer starts the next."""
    at = utc(at, "at")
    answered: tuple[Metric, ...] = ("first_response", "next_response")
    changes = {m: _finish(state.clock(m), policy, policy.target(priority, m), at) for m in answered}
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
    changes: dict[Metric, MetricClock] = {}
    if new_policy.calendar != old_policy.calendar:
        changes = {
            m: _resume(_pause(state.clock(m), old_policy, at), at)
            for m in METRICS
            if state.clock(m).phase == "running"
        }
    return _advance(state, changes, old_policy, old_priority, to=(new_policy, new_priority))


def on_alert(state: SlaState, metric: Metric, kind: Literal["warning", "breach"]) -> SlaState:
    """The timer's warning or breach was announced: it is not announced again this cycle.

    The version stays: the timer that announced it already went past that point (after a warning it
    goes on waiting for the due time), so a new version would only start a twin.
    """
    clock = state.clock(metric)
    announced = replace(clock, warned=True, breached=clock.breached or kind == "breach")
    return state.with_clocks({metric: announced})


def waiting_since(state: SlaState) -> datetime | None:
    """When the customer's unanswered message started (or resumed) the response they are owed."""
    return min(
        (c.since for c in (state.first_response, state.next_response) if c.phase == "running" and c.since),
        default=None,
    )
