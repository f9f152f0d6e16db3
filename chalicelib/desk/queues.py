"""Listing and counting queue views: one Query per page, one COUNT Query per view."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from chalicelib.desk.agents import AgentProfile
from chalicelib.desk.cursor import decode_cursor, encode_cursor
from chalicelib.desk.errors import Forbidden, InvalidRequest
from chalicelib.desk.records import PRIORITIES, STATUSES
from chalicelib.desk.views import ACTIVE_STATUSES, View, ViewFilter, narrowed
from chalicelib.models import TagLink, Ticket

MAX_PAGE_SIZE = 100
# Sidebar counts are read on every page; a few seconds of staleness saves a Query per view per page.
COUNT_TTL_SECONDS = 10.0
_counts: dict[tuple[str, str, str], tuple[float, int]] = {}


@dataclass(frozen=True)
class Page:
    items: list[Ticket]
    next_cursor: str | None


def visibility(agent: AgentProfile) -> Any:
    """The filter condition limiting a query to the agent's teams (None for admins)."""
    if agent.is_admin:
        return None
    return Ticket.team.is_in(*agent.teams) if agent.teams else Ticket.team == "\x00"


def both(left: Any, right: Any) -> Any:
    """Two optional conditions joined with AND."""
    if left is None or right is None:
        return right if left is None else left
    return left & right


def query_page(
    index_name: str,
    hash_value: Any,
    condition: Any,
    *,
    newest_first: bool,
    cursor: str | None,
    limit: int,
) -> Page:
    """One page of a ticket index Query, resumable with the returned opaque cursor."""
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidRequest(f"limit must be between 1 and {MAX_PAGE_SIZE}")
    index = getattr(Ticket, index_name)
    key_names = frozenset({"number", *(key["AttributeName"] for key in index._get_schema()["key_schema"])})
    results = index.query(
        hash_value,
        filter_condition=condition,
        scan_index_forward=not newest_first,
        limit=limit,
        last_evaluated_key=decode_cursor(cursor, key_names),
    )
    items = list(results)
    return Page(items=items, next_cursor=encode_cursor(results.last_evaluated_key))


def filter_condition(view_filter: ViewFilter) -> Any:
    """What a view's index key does not already select, as a filter expression."""
    if view_filter.status and view_filter.status not in STATUSES:
        raise InvalidRequest(f"status must be one of {', '.join(STATUSES)}")
    if view_filter.priority and view_filter.priority not in PRIORITIES:
        raise InvalidRequest(f"priority must be one of {', '.join(PRIORITIES)}")
    condition = None
    if view_filter.status in ACTIVE_STATUSES:
        condition = Ticket.status == view_filter.status
    if view_filter.priority:
        condition = both(condition, Ticket.priority == view_filter.priority)
    if view_filter.assignee == "none":
        condition = both(condition, Ticket.assignee.does_not_exist())
    elif view_filter.assignee:
        condition = both(condition, Ticket.assignee == view_filter.assignee.lower())
    if view_filter.tag:
        condition = both(condition, Ticket.tags.contains(view_filter.tag))
    return condition


def list_view(
    agent: AgentProfile, view: View, view_filter: ViewFilter, cursor: str | None = None, limit: int = 25
) -> Page:
    """One page of a view, narrowed by the filters, limited to the agent's teams."""
    _check_team(agent, view)
    view = narrowed(view, view_filter.status)
    condition = both(filter_condition(view_filter), visibility(agent))
    return query_page(
        view.index, view.hash_value, condition, newest_first=view.newest_first, cursor=cursor, limit=limit
    )


def count_view(agent: AgentProfile, view: View) -> int:
    """How many tickets the agent sees in the view; cached a few seconds per container."""
    key = (agent.email, view.index, view.hash_value)
    cached = _counts.get(key)
    if cached and time.monotonic() - cached[0] < COUNT_TTL_SECONDS:
        return cached[1]
    index = getattr(Ticket, view.index)
    total = index.count(view.hash_value, filter_condition=visibility(agent))
    _counts[key] = (time.monotonic(), total)
    return total


def list_tag(
    agent: AgentProfile, tag: str, view_filter: ViewFilter, cursor: str | None = None, limit: int = 25
) -> Page:
    """Tickets carrying a tag, oldest first: a Query on the tag index, then one BatchGetItem."""
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidRequest(f"limit must be between 1 and {MAX_PAGE_SIZE}")
    links = TagLink.query(
        tag, limit=limit, last_evaluated_key=decode_cursor(cursor, frozenset({"tag", "number"}))
    )
    numbers = [link.number for link in links]
    found = {ticket.number: ticket for ticket in Ticket.batch_get(numbers)} if numbers else {}
    tickets = [found[n] for n in numbers if n in found]
    items = [t for t in tickets if agent.can_see_team(t.team) and _matches(t, view_filter)]
    return Page(items=items, next_cursor=encode_cursor(links.last_evaluated_key))


def _matches(ticket: Ticket, view_filter: ViewFilter) -> bool:
    wanted = {
        "status": view_filter.status,
        "priority": view_filter.priority,
        "assignee": view_filter.assignee and view_filter.assignee.lower(),
    }
    actual = {"status": ticket.status, "priority": ticket.priority, "assignee": ticket.assignee or "none"}
    return all(actual[name] == value for name, value in wanted.items() if value)


def _check_team(agent: AgentProfile, view: View) -> None:
    if view.index == "team_queue_index":
        team = view.hash_value.rpartition("#")[0]
        if not agent.can_see_team(team):
            raise Forbidden(f"you are not a member of team {team}")


def next_in_view(agent: AgentProfile, view: View, ticket: Ticket) -> int | None:
    """The ticket after `ticket` in the view's order (its keys are the Query's start key)."""
    index = getattr(Ticket, view.index)
    hash_name = next(k["AttributeName"] for k in index._get_schema()["key_schema"] if k["KeyType"] == "HASH")
    start = {
        "number": {"N": str(ticket.number)},
        hash_name: {"S": view.hash_value},
        "updated_at": {"S": Ticket.updated_at.serialize(ticket.updated_at)},
    }
    results = index.query(
        view.hash_value,
        filter_condition=visibility(agent),
        scan_index_forward=not view.newest_first,
        last_evaluated_key=start,
        limit=MAX_PAGE_SIZE,
    )
    return next((found.number for found in results), None)
