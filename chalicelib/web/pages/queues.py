"""Queue pages: the sidebar's views, team and tag views, and search."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib.desk import search
from chalicelib.desk.base.errors import NotFound
from chalicelib.desk.base.times import zone
from chalicelib.desk.follow_up import due_dates
from chalicelib.desk.follow_up.times import local_day
from chalicelib.desk.notifications import inbox
from chalicelib.desk.setup import directory
from chalicelib.desk.setup.agents import AgentProfile
from chalicelib.desk.ticket import queues, sla
from chalicelib.desk.ticket.queue_keys import View, ViewFilter, find_view, standard_views, team_view
from chalicelib.desk.ticket.records import PRIORITIES, STATUSES, utcnow
from chalicelib.web import params
from chalicelib.web.pages.render import redirect
from chalicelib.web.pages.routing import Context, page

blueprint = Blueprint(__name__)
PAGE_SIZE = 25
# The due-date filters (desk.follow_up.due_dates): pages of the due index, not queue views.
DUE_VIEWS = {
    "due-today": View("due-today", "Due today", "due", "today", empty="Nothing is due today."),
    "overdue": View("overdue", "Overdue", "due", "overdue", empty="Nothing is overdue."),
}


def teams_of(agent: AgentProfile) -> list[str]:
    """The desk's teams the agent works in (admins: all), in the directory's order."""
    return [team for team in directory.directory().teams if agent.can_see_team(team)]


def sidebar(agent: AgentProfile) -> dict[str, Any]:
    """The views with their counts, the agent's teams and their unread notifications (the bell);
    shared by every page with a sidebar."""
    views = (*standard_views(agent.email), *(team_view(team) for team in teams_of(agent)))
    found = queues.count_views(agent, views)
    return {"views": [(view, found[view.slug]) for view in views], "unread": inbox.cached_unread(agent.email)}


def _filter(query: dict[str, str]) -> ViewFilter:
    return ViewFilter(
        status=params.optional_one_of(query.get("status"), STATUSES, "status"),
        priority=params.optional_one_of(query.get("priority"), PRIORITIES, "priority"),
        assignee=query.get("assignee") or None,
        tag=query.get("tag") or None,
    )


def _show(context: Context, view: View, page_of_tickets: queues.Page) -> Response:
    agent, now = context.session.agent, utcnow()
    return context.render(
        "queue.html",
        view=view,
        tickets=page_of_tickets.items,
        slas={t.number: sla.summary(t, now) for t in page_of_tickets.items},
        next_cursor=page_of_tickets.next_cursor,
        today=local_day(now, zone(agent.time_zone)).isoformat(),
        due_views=DUE_VIEWS.values(),
        statuses=STATUSES,
        priorities=PRIORITIES,
        assignees=[a for a in directory.agents() if a.active],
        **sidebar(agent),
    )


@page(blueprint, "/")
def home(context: Context) -> Response:
    return redirect("/queues/unassigned")


@page(blueprint, "/queues/{slug}")
def queue(context: Context, slug: str) -> Response:
    agent = context.session.agent
    if slug in DUE_VIEWS:
        due = DUE_VIEWS[slug]
        which: due_dates.DueFilter = "today" if due.hash_value == "today" else "overdue"
        found = due_dates.list_due(agent, which, cursor=context.query.get("cursor"), limit=PAGE_SIZE)
        return _show(context, due, found)
    view = find_view(slug, agent.email)
    if view is None or view.slug.startswith("team:"):
        raise NotFound(f"there is no view {slug!r}")
    return _list(context, view)


@page(blueprint, "/teams/{team}")
def team(context: Context, team: str) -> Response:
    return _list(context, team_view(team))


def _list(context: Context, view: View) -> Response:
    agent, view_filter, cursor = context.session.agent, _filter(context.query), context.query.get("cursor")
    found = queues.list_view(agent, view, view_filter, cursor=cursor, limit=PAGE_SIZE)
    queues.remember_count(agent, view, found, view_filter, cursor)
    return _show(context, view, found)


@page(blueprint, "/tags/{tag}")
def tag(context: Context, tag: str) -> Response:
    view = View(f"tag:{tag}", f"Tag: {tag}", "tags", tag, empty=f"No ticket is tagged {tag}.")
    found = queues.list_tag(
        context.session.agent,
        tag,
        _filter(context.query),
        cursor=context.query.get("cursor"),
        limit=PAGE_SIZE,
    )
    return _show(context, view, found)


@page(blueprint, "/search")
def find(context: Context) -> Response:
    text = context.query.get("q", "").strip()
    found = search.search(context.session.agent, text)
    if len(found) == 1 and text.lstrip("#").isdigit():
        return redirect(f"/tickets/{found[0].number}")
    view = View("search", f"Search: {text}", "search", text, empty="No ticket matches; try fewer words.")
    return _show(context, view, queues.Page(items=found, next_cursor=None))
