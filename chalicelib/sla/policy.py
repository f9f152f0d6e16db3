"""SLA policies: per-priority targets in business minutes, a warning point, a calendar, escalation.

The defaults double from one priority to the next and assume an 8-hour business day: urgent gets a
first answer within the hour and a fix within the day; low may wait two days for an answer and
twelve for a fix. A team can live with that on day one and tighten it once it knows its volume.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeGuard, get_args

from chalicelib.sla.calendar import BusinessCalendar, calendar_from_config, default_calendar

Priority = Literal["low", "normal", "high", "urgent"]
Metric = Literal["first_response", "next_response", "resolution"]
PRIORITIES: tuple[Priority, ...] = get_args(Priority)
METRICS: tuple[Metric, ...] = get_args(Metric)


def is_priority(value: str) -> TypeGuard[Priority]:
    return value in PRIORITIES


@dataclass(frozen=True)
class Targets:
    """Business minutes allowed per metric; None means the metric has no target."""

    first_response: int | None = None
    next_response: int | None = None
    resolution: int | None = None

    def __post_init__(self) -> None:
        for metric in METRICS:
            _minutes(metric, self.minutes(metric))

    def minutes(self, metric: Metric) -> int | None:
        return {
            "first_response": self.first_response,
            "next_response": self.next_response,
            "resolution": self.resolution,
        }[metric]


def _minutes(metric: Metric, value: object) -> int | None:
    """A target as configured: a positive whole number of minutes (not a bool), or None for none."""
    if value is None or (type(value) is int and value > 0):
        return value
    raise ValueError(f"{metric} must be a positive whole number of minutes, got {value!r}")


DEFAULT_TARGETS: Mapping[Priority, Targets] = {
    "urgent": Targets(60, 120, 480),
    "high": Targets(240, 480, 1440),
    "normal": Targets(480, 960, 2880),
    "low": Targets(960, 1920, 5760),
}


@dataclass(frozen=True)
class Escalation:
    """What the breach handler does besides recording the breach."""

    notify_team_leads: bool = True
    raise_priority: bool = False
    escalation_team: str | None = None

    def __post_init__(self) -> None:
        if type(self.notify_team_leads) is not bool or type(self.raise_priority) is not bool:
            raise ValueError("escalation: notify_team_leads and raise_priority must be true or false")
        if self.escalation_team is not None and (
            not isinstance(self.escalation_team, str) or not self.escalation_team
        ):
            raise ValueError("escalation: escalation_team must be a team name or null")


@dataclass(frozen=True)
class SlaPolicy:
    """Targets per priority; applies to the listed teams and mailboxes (none listed: a catch-all)."""

    name: str
    targets: Mapping[Priority, Targets] = field(default_factory=lambda: dict(DEFAULT_TARGETS))
    warn_at: float = 0.75
    calendar: BusinessCalendar = field(default_factory=default_calendar)
    escalation: Escalation = field(default_factory=Escalation)
    teams: frozenset[str] = frozenset()
    mailboxes: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if set(self.targets) != set(PRIORITIES):
            raise ValueError(f"targets must name exactly the priorities {', '.join(PRIORITIES)}")
        if not 0 < self.warn_at <= 1:
            raise ValueError(f"warn_at must be a fraction in (0, 1], got {self.warn_at!r}")

    def target(self, priority: str, metric: Metric) -> int | None:
        """The minutes allowed; a priority the ticket holds is a stored string, checked here."""
        if not is_priority(priority) or priority not in self.targets:
            raise ValueError(f"unknown priority {priority!r}")
        return self.targets[priority].minutes(metric)


def default_policy() -> SlaPolicy:
    return SlaPolicy(name="default")


def policy_for(policies: Sequence[SlaPolicy], team: str, mailbox: str) -> SlaPolicy:
    """The first policy for the mailbox, else for the team, else the first catch-all, else the default."""
    mailbox = mailbox.lower()
    preferences: tuple[Callable[[SlaPolicy], bool], ...] = (
        lambda p: mailbox in p.mailboxes,
        lambda p: team in p.teams,
        lambda p: not p.teams and not p.mailboxes,
    )
    for matches in preferences:
        if chosen := next((p for p in policies if matches(p)), None):
            return chosen
    return default_policy()


def _targets_from_config(priority: Priority, data: object) -> Targets:
    """Metrics left out keep the default; an explicit null removes the target."""
    if not isinstance(data, Mapping) or set(data) - set(METRICS):
        raise ValueError(f"targets.{priority} must be an object with {', '.join(METRICS)}")
    defaults = DEFAULT_TARGETS[priority]
    try:
        return Targets(**{m: _minutes(m, data.get(m, defaults.minutes(m))) for m in METRICS})
    except ValueError as error:
        raise ValueError(f"targets.{priority}.{error}") from None


def _names(data: Mapping[str, object], key: str) -> frozenset[str]:
    values = data.get(key, [])
    if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
        raise ValueError(f"{key} must be a list of names")
    return frozenset(values)


def policy_from_config(data: Mapping[str, object]) -> SlaPolicy:
    """Read a policy; only `name` is required, everything else falls back to the defaults.

    `{"name", "teams": [...], "mailboxes": [...], "warn_at": 0.75,
      "targets": {"urgent": {"first_response": 60, ...}, ...}, "calendar": {...},
      "escalation": {"notify_team_leads": true, "raise_priority": false, "escalation_team": null}}`
    """
    known = {"name", "teams", "mailboxes", "warn_at", "targets", "calendar", "escalation"}
    if unknown := sorted(set(data) - known):
        raise ValueError(f"policy: unknown field {', '.join(unknown)}")
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError("policy: name is required")
    targets = data.get("targets", {})
    if not isinstance(targets, Mapping) or set(targets) - set(PRIORITIES):
        raise ValueError(f"policy {name}: targets must be an object keyed by {', '.join(PRIORITIES)}")
    escalation = data.get("escalation", {})
    if not isinstance(escalation, Mapping) or set(escalation) - set(Escalation.__dataclass_fields__):
        raise ValueError(
            f"policy {name}: escalation takes notify_team_leads, raise_priority, escalation_team"
        )
    warn_at = data.get("warn_at", 0.75)
    if isinstance(warn_at, bool) or not isinstance(warn_at, int | float):
        raise ValueError(f"policy {name}: warn_at must be a number")
    try:
        return SlaPolicy(
            name=name,
            targets={p: _targets_from_config(p, targets.get(p, {})) for p in PRIORITIES},
            warn_at=float(warn_at),
            calendar=calendar_from_config(data.get("calendar", {})),
            escalation=Escalation(**escalation),
            teams=_names(data, "teams"),
            mailboxes=frozenset(m.lower() for m in _names(data, "mailboxes")),
        )
    except ValueError as error:
        raise ValueError(f"policy {name}: {error}") from None
