"""Who is asking: agent profiles, the Cognito user each belongs to, and what they may see."""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.desk.base.errors import Forbidden, Unauthorized

if TYPE_CHECKING:
    from chalicelib.models import Agent


@dataclass(frozen=True)
class AgentProfile:
    email: str
    name: str
    role: str
    teams: tuple[str, ...]
    time_zone: str = "UTC"
    active: bool = True
    away_until: int | None = None  # epoch seconds; see `is_away`
    away_note: str | None = None
    working_hours: str | None = None  # desk.setup.working_hours text; None: its DEFAULT

    def is_away(self, now: float) -> bool:
        """Away at `now`: set away until a time still ahead. Past times mean back (nothing clears them)."""
        return self.away_until is not None and now < self.away_until

    def is_available(self, now: float) -> bool:
        """Active and not away: may get assignments and notification mail."""
        return self.active and not self.is_away(now)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def can_see_team(self, team: str) -> bool:
        return self.is_admin or team in self.teams

    def may_take(self, team: str) -> bool:
        """Whether a ticket of `team` may be assigned to this agent: active, and an admin or a member."""
        return self.active and self.can_see_team(team)

    def leads(self, team: str) -> bool:
        """Whether `team`'s breach escalations and daily digest reach this agent: active, and an admin
        or a member with the lead role."""
        return self.active and (self.is_admin or (self.role == "lead" and team in self.teams))


def profile_of(row: Agent) -> AgentProfile:
    """The profile an agents-table row describes."""
    return AgentProfile(
        email=row.email,
        name=row.name,
        role=row.role,
        teams=tuple(row.teams or ()),
        time_zone=row.time_zone,
        active=row.active,
        away_until=row.away_until,
        away_note=row.away_note,
        working_hours=row.working_hours,
    )


@dataclass(frozen=True)
class _Row:
    profile: AgentProfile | None  # None: no such agent, or deactivated
    sub: str | None  # the Cognito user the row belongs to; None on rows from before subs were kept


# A warm Lambda serves many requests from the same few agents: keep profiles briefly, so a
# deactivation takes effect within this many seconds without a read on every request.
PROFILE_TTL_SECONDS = 30.0
_rows: dict[str, tuple[float, _Row]] = {}


def load_agent(email: str) -> AgentProfile:
    """The active agent with this address, or Forbidden (signed in but not, or no longer, an agent)."""
    return _profile(email, _row(email))


def agent_for_login(email: str, sub: str) -> AgentProfile:
    """The active agent whose row belongs to the Cognito user `sub`, or Unauthorized.

    `email` and `sub` come from a verified ID token whose address is verified. The address alone
    proves nothing: it is a Cognito attribute, and a pool that lets users edit it would let any
    agent name an admin's address. The `sub` is Cognito's immutable user id.
    """
    row = _row(email)
    profile = _profile(email, row)
    if row.sub is None:
        _bind(email, sub)
    elif not hmac.compare_digest(row.sub, sub):
        raise Unauthorized(f"this sign-in does not belong to {email}")
    return profile


def forget_profile(email: str) -> None:
    """Drop a cached profile after an admin changed it, so this container applies the change at once."""
    _rows.pop(email.lower(), None)


def _profile(email: str, row: _Row) -> AgentProfile:
    if row.profile is None:
        raise Forbidden(f"{email.lower()} is not an active agent of this help desk")
    return row.profile


def _row(email: str) -> _Row:
    email = email.lower()
    cached = _rows.get(email)
    if cached and time.monotonic() - cached[0] < PROFILE_TTL_SECONDS:
        return cached[1]
    row = _read_row(email)
    _rows[email] = (time.monotonic(), row)
    return row


def _bind(email: str, sub: str) -> None:
    """Store the sub on a row kept from before subs were (an existing deployment's agents).

    The caller has checked the token: Cognito signed that the user `sub` holds this address
    *verified*, which only its mailbox's owner (confirming a code) or an admin can make true, so
    this is the user the row was made for. Conditional: of two racing first sign-ins one binds, and
    the row as stored decides for both.
    """
    from pynamodb.exceptions import UpdateError

    from chalicelib.desk.base.transactions import condition_failed
    from chalicelib.models import Agent

    try:
        Agent(email=email).update(
            actions=[Agent.sub.set(sub)], condition=Agent.email.exists() & Agent.sub.does_not_exist()
        )
    except UpdateError as error:
        if not condition_failed(error):
            raise
    forget_profile(email)
    stored = _row(email).sub
    if stored is None or not hmac.compare_digest(stored, sub):
        raise Unauthorized(f"this sign-in does not belong to {email}")


def _read_row(email: str) -> _Row:
    from chalicelib.models import Agent

    try:
        row = Agent.get(email)
    except Agent.DoesNotExist:
        return _Row(None, None)
    if not row.active:
        return _Row(None, row.sub)
    return _Row(profile_of(row), row.sub)
