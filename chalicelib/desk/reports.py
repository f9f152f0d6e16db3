"""Reports: first-response and resolution times, SLA attainment per target and satisfaction for a period.

The rows are the tickets created in the period, read from the all-tickets index (keyed by
`updated_at`: a ticket created in the period was updated in it too) with one paged Query, filtered
to the period and the agent's teams; no Scan. A small team's month is a few hundred items; past
MAX_TICKETS the report says it counted only the newest. The figures are pure functions of the rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, get_args

from chalicelib.desk.base.errors import Forbidden, InvalidRequest
from chalicelib.desk.setup.agents import AgentProfile
from chalicelib.desk.ticket import sla
from chalicelib.desk.ticket.queues import both, visibility
from chalicelib.desk.ticket.records import utcnow
from chalicelib.models import Ticket
from chalicelib.sla.policy import Metric

Period = Literal[7, 30, 90]  # days
PERIODS: tuple[Period, ...] = get_args(Period)
MAX_TICKETS = 5000
# Every target a policy sets. A ticket's clock keeps only its latest next-response cycle, so next
# response is judged per ticket: breached when the timer recorded a breach of any of its cycles (the
# record stays), else met once its latest cycle was answered in time.
SLA_METRICS: tuple[Metric, ...] = ("first_response", "next_response", "resolution")


@dataclass(frozen=True)
class Row:
    """What a report needs of one ticket (business minutes from its SLA clock)."""

    team: str
    status: str
    first_response_minutes: float | None  # None until an agent answered
    resolution_minutes: float | None  # None until solved
    sla: dict[Metric, bool]  # metric → met (True) or breached (False), for metrics that are decided
    csat: str | None


@dataclass(frozen=True)
class Figures:
    created: int
    solved: int
    first_response_median: float | None
    first_response_p90: float | None
    resolution_median: float | None
    resolution_p90: float | None
    sla_met: dict[Metric, int]
    sla_breached: dict[Metric, int]
    csat_good: int
    csat_bad: int

    def attainment(self, metric: Metric) -> float | None:
        decided = self.sla_met[metric] + self.sla_breached[metric]
        return self.sla_met[metric] / decided if decided else None

    @property
    def csat_score(self) -> float | None:
        rated = self.csat_good + self.csat_bad
        return self.csat_good / rated if rated else None


def percentile(values: list[float], fraction: float) -> float | None:
    """The nearest-rank percentile (median: 0.5), None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def figures(rows: list[Row]) -> Figures:
    first = [r.first_response_minutes for r in rows if r.first_response_minutes is not None]
    resolution = [r.resolution_minutes for r in rows if r.resolution_minutes is not None]
    return Figures(
        created=len(rows),
        solved=sum(r.status in ("solved", "closed") for r in rows),
        first_response_median=percentile(first, 0.5),
        first_response_p90=percentile(first, 0.9),
        resolution_median=percentile(resolution, 0.5),
        resolution_p90=percentile(resolution, 0.9),
        sla_met={m: sum(r.sla.get(m) is True for r in rows) for m in SLA_METRICS},
        sla_breached={m: sum(r.sla.get(m) is False for r in rows) for m in SLA_METRICS},
        csat_good=sum(r.csat == "good" for r in rows),
        csat_bad=sum(r.csat == "bad" for r in rows),
    )


def row_of(ticket: Ticket) -> Row:
    state = sla.state_of(ticket)
    done = {m: state.clock(m) for m in SLA_METRICS if state.clock(m).phase == "done"}
    # A breach the timer recorded stands even if the ticket was answered later.
    breached = {m for m in SLA_METRICS if getattr(ticket, f"sla_breached_{m}") is not None}
    return Row(
        team=ticket.team,
        status=ticket.status,
        first_response_minutes=done["first_response"].consumed if "first_response" in done else None,
        resolution_minutes=done["resolution"].consumed if "resolution" in done else None,
        sla={m: not (clock.breached or m in breached) for m, clock in done.items()}
        | {m: False for m in breached},
        csat=ticket.csat_rating,
    )


@dataclass(frozen=True)
class Report:
    days: int
    team: str | None
    since: datetime
    figures: Figures
    complete: bool  # False when MAX_TICKETS were reached and older tickets were left out


def report(agent: AgentProfile, days: Period, team: str | None = None) -> Report:
    if days not in PERIODS:
        raise InvalidRequest(f"days must be one of {', '.join(map(str, PERIODS))}")
    if team and not agent.can_see_team(team):
        raise Forbidden(f"you are not a member of team {team}")
    since = utcnow() - timedelta(days=days)
    condition = both(Ticket.created_at >= since, visibility(agent))
    if team:
        condition = both(condition, Ticket.team == team)
    rows = []
    found = Ticket.all_index.query(
        "ticket", Ticket.updated_at >= since, filter_condition=condition, scan_index_forward=False
    )
    for ticket in found:
        rows.append(row_of(ticket))
        if len(rows) >= MAX_TICKETS:
            return Report(days, team, since, figures(rows), complete=False)
    return Report(days, team, since, figures(rows), complete=True)
