"""An agent's own "away until": set with an optional note for colleagues, or cleared.

Away is `AgentProfile.is_away` (desk.setup.agents): a time still ahead. Nothing has to clear it:
once the time has passed the agent is back, for assignment and notifications alike. The times
an agent types are wall-clock times in their own zone.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from pynamodb.expressions.update import Action

from chalicelib.desk.base.errors import InvalidRequest
from chalicelib.desk.base.times import parse_local, zone
from chalicelib.desk.setup import directory
from chalicelib.desk.setup.agents import AgentProfile, forget_profile
from chalicelib.models import Agent

MAX_NOTE = 200
MAX_AWAY = timedelta(days=366)


def parse_until(text: str, time_zone: str) -> datetime:
    """`2026-12-24T17:00` (a wall-clock time in `time_zone`, as a datetime-local field sends it) or an
    ISO time with an offset (the JSON API) → an aware instant."""
    try:
        return parse_local(text, zone(time_zone))
    except ValueError:
        raise InvalidRequest(
            f"{text!r} is not a date and time like 2026-12-24T17:00", field="until"
        ) from None


def set_away(agent: AgentProfile, until: datetime, note: str, now: datetime) -> AgentProfile:
    """Away from now until `until` (ahead of `now`, within a year), with `note` for colleagues."""
    if until <= now:
        raise InvalidRequest("away until must be a time still ahead", field="until")
    if until - now > MAX_AWAY:
        raise InvalidRequest("away until must be within a year", field="until")
    note = " ".join(note.split())
    if len(note) > MAX_NOTE:
        raise InvalidRequest(f"the note has at most {MAX_NOTE} characters", field="note")
    seconds = int(until.timestamp())
    actions: list[Action] = [Agent.away_until.set(seconds)]
    actions.append(Agent.away_note.set(note) if note else Agent.away_note.remove())
    Agent(email=agent.email).update(actions=actions, condition=Agent.email.exists())
    _changed(agent.email)
    return replace(agent, away_until=seconds, away_note=note or None)


def clear_away(agent: AgentProfile) -> AgentProfile:
    """Back now."""
    Agent(email=agent.email).update(
        actions=[Agent.away_until.remove(), Agent.away_note.remove()], condition=Agent.email.exists()
    )
    _changed(agent.email)
    return replace(agent, away_until=None, away_note=None)


def _changed(email: str) -> None:
    """This container sees the change at once; others within the caches' minute."""
    forget_profile(email)
    directory.forget()
