"""Mentions in notes, pure: which agents a note may mention, and the note's text with them marked.

A mention is stored on the note by agent id (the agent's email; an agent's name may change, the
id does not). Mentioning tells that agent even when the ticket's team is not theirs, but only if
they may see the ticket (an admin, or a member of its team): a note mentioning anyone else is
refused, naming them, rather than telling someone about a ticket they cannot open.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from chalicelib.desk.base.errors import InvalidRequest
from chalicelib.desk.setup.agents import AgentProfile

MAX_MENTIONS = 20


def checked(mentions: Iterable[str], team: str, agents: Iterable[AgentProfile]) -> tuple[str, ...]:
    """The mentioned agents' ids, each once, in the order given; InvalidRequest naming the first
    who is no active agent or may not see a ticket of `team`."""
    by_email = {a.email.lower(): a for a in agents}
    found: list[str] = []
    for raw in mentions:
        email = raw.strip().lower()
        if not email:
            continue
        agent = by_email.get(email)
        if agent is None or not agent.active:
            raise InvalidRequest(f"{raw.strip()} is not an active agent: nobody to mention", field="mentions")
        if not agent.can_see_team(team):
            raise InvalidRequest(
                f"{agent.name} ({agent.email}) cannot see tickets of team {team}, so cannot be "
                "mentioned here: the note was not added",
                field="mentions",
            )
        found.append(agent.email)
    unique = tuple(dict.fromkeys(found))
    if len(unique) > MAX_MENTIONS:
        raise InvalidRequest(f"a note mentions at most {MAX_MENTIONS} agents", field="mentions")
    return unique


def segments(text: str, names: Iterable[str]) -> list[tuple[str, bool]]:
    """`text` cut into (piece, is a mention) where `@<name>` of a mentioned agent appears, for the
    thread to highlight (the template escapes every piece)."""
    wanted = sorted({n for n in names if n}, key=len, reverse=True)
    if not wanted or not text:
        return [(text, False)] if text else []
    pattern = re.compile("(" + "|".join("@" + re.escape(n) for n in wanted) + ")", re.IGNORECASE)
    pieces: list[tuple[str, bool]] = []
    for n, piece in enumerate(pattern.split(text)):
        if piece:
            pieces.append((piece, n % 2 == 1))
    return pieces
