"""The agent's availability page: "away until" with a note (set, clear), colleagues' availability,
and for leads and admins "hand back" an agent's unfinished tickets to their teams."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib.desk.assignment import away, hand_back
from chalicelib.desk.base.errors import DeskError
from chalicelib.desk.setup import directory
from chalicelib.desk.ticket.records import utcnow
from chalicelib.web.pages.queues import sidebar
from chalicelib.web.pages.render import redirect
from chalicelib.web.pages.routing import Context, page

blueprint = Blueprint(__name__)

PATH = "/account/availability"
DONE = {
    "away": "You are away: you get no new assignments and no notification mail.",
    "back": "You are back.",
}


@page(blueprint, PATH)
def availability(context: Context) -> Response:
    return _page(context)


@page(blueprint, PATH, methods=("POST",))
def set_away(context: Context) -> Response:
    agent = context.session.agent
    try:
        until = away.parse_until(context.form.get("until", ""), agent.time_zone)
        away.set_away(agent, until, context.form.get("note", ""), utcnow())
    except DeskError as error:
        return _page(context, error.status, error=error.message)
    return redirect(f"{PATH}?done=away")  # a new request: the top bar reads the changed profile


@page(blueprint, f"{PATH}/back", methods=("POST",))
def clear_away(context: Context) -> Response:
    away.clear_away(context.session.agent)
    return redirect(f"{PATH}?done=back")


@page(blueprint, f"{PATH}/hand-back", methods=("POST",))
def hand_back_tickets(context: Context) -> Response:
    email = context.form.get("email", "")
    try:
        result = hand_back.hand_back(context.session.agent, email, utcnow())
    except DeskError as error:
        return _page(context, error.status, error=error.message)
    return _page(context, handed=(email, result))


def _page(context: Context, status: int = 200, **shown: Any) -> Response:
    """The form (with the agent's current state), their teams' agents, and what was just done."""
    agent = me = context.session.agent
    now = utcnow().timestamp()
    colleagues = [
        (a, a.is_away(now), hand_back.may_hand_back(agent, a))
        for a in directory.agents()
        if a.active and a.email != agent.email and (agent.is_admin or set(a.teams) & set(agent.teams))
    ]
    done = DONE.get(context.query.get("done", ""))
    state: dict[str, Any] = {"error": None, "done": done, "handed": None, **shown}
    return context.render(
        "availability.html",
        status,
        me=me,
        away_now=me.is_away(now),
        colleagues=colleagues,
        **state,
        **sidebar(agent),
    )
