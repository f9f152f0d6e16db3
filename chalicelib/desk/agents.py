"""Who is asking: agent profiles and what they may see."""

from __future__ import annotations

import time
from dataclasses import dataclass

from chalicelib.desk.errors import Forbidden


@dataclass(frozen=True)
class AgentProfile:
    email: str
    name: str
    role: str
    teams: tuple[str, ...]
    time_zone: str = "UTC"
    active: bool = True

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def can_see_team(self, team: str) -> bool:
        return self.is_admin or team in self.teams


# A warm Lambda serves many requests from the same few agents: keep profiles briefly, so a
# deactivation takes effect within this many seconds without a read on every request.
PROFILE_TTL_SECONDS = 30.0
_profiles: dict[str, tuple[float, AgentProfile | None]] = {}


def load_agent(email: str) -> AgentProfile:
    """The active agent with this address, or Forbidden (signed in but not, or no longer, an agent)."""
    email = email.lower()
    cached = _profiles.get(email)
    if cached and time.monotonic() - cached[0] < PROFILE_TTL_SECONDS:
        profile = cached[1]
    else:
        profile = _read_profile(email)
        _profiles[email] = (time.monotonic(), profile)
    if profile is None:
        raise Forbidden(f"{email} is not an active agent of this help desk")
    return profile


def forget_profile(email: str) -> None:
    """Drop a cached profile after an admin changed it, so this container applies the change at once."""
    _profiles.pop(email.lower(), None)


def _read_profile(email: str) -> AgentProfile | None:
    from chalicelib.models import Agent

    try:
        row = Agent.get(email)
    except Agent.DoesNotExist:
        return None
    if not row.active:
        return None
    return AgentProfile(
        email=row.email,
        name=row.name,
        role=row.role,
        teams=tuple(row.teams or ()),
        time_zone=row.time_zone,
    )
