"""The reports page: a period's first-response and resolution times, SLA attainment and satisfaction."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.desk import reports
from chalicelib.desk.setup import directory
from chalicelib.web import params
from chalicelib.web.pages.queues import sidebar
from chalicelib.web.pages.routing import Context, page

blueprint = Blueprint(__name__)


@page(blueprint, "/reports")
def show(context: Context) -> Response:
    agent = context.session.agent
    found = reports.report(agent, params.period(context.query), context.query.get("team") or None)
    teams = directory.directory().teams if agent.is_admin else agent.teams
    return context.render(
        "reports.html", report=found, periods=reports.PERIODS, teams=teams, **sidebar(agent)
    )
