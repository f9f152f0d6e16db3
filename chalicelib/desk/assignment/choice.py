"""Who a new ticket of a team goes to (no I/O): the rules of auto-assignment as values.

Eligible: a member of the team (admins too, but only teams they are in), active, not away
(`AgentProfile.is_available`, the one definition notifications also use) and inside their own
working hours in their own zone. Round robin takes the eligible list (by address) at the team's
turn counter; fewest open takes the fewest open tickets, ties by address. Nobody eligible: None,
the ticket stays unassigned.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from chalicelib.desk.setup import working_hours
from chalicelib.desk.setup.agents import AgentProfile
from chalicelib.sla.calendar import is_open


def at_work(agent: AgentProfile, now: datetime) -> bool:
    """Inside the agent's working hours at `now` (aware), in their time zone."""
    return is_open(working_hours.calendar(agent.time_zone, agent.working_hours), now)


def eligible(agents: Iterable[AgentProfile], team: str, now: datetime) -> list[AgentProfile]:
    """Who may get a new ticket of `team` at `now`, by address."""
    found = [
        a
        for a in agents
        if team in a.teams and "@" in a.email and a.is_available(now.timestamp()) and at_work(a, now)
    ]
    return sorted(found, key=lambda a: a.email)


def round_robin(candidates: Sequence[AgentProfile], turn: int) -> AgentProfile | None:
    """The candidate whose turn it is (turns count from 1, the counter's first value)."""
    return candidates[(turn - 1) % len(candidates)] if candidates else None


def fewest_open(candidates: Sequence[AgentProfile], open_counts: Mapping[str, int]) -> AgentProfile | None:
    """The candidate with the fewest open tickets (a missing count is 0); ties go by address."""
    if not candidates:
        return None
    return min(candidates, key=lambda a: (open_counts.get(a.email, 0), a.email))
