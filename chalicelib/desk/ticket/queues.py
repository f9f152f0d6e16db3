"""Listing and counting queue views: a few bounded Queries per page, one Query for every count."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.desk.base.cursor import decode_cursor, encode_cursor
from chalicelib.desk.base.errors import Forbidden, InvalidRequest
from chalicelib.desk.setup.agents import AgentProfile
from chalicelib.desk.ticket.queue_keys import (
    ACTIVE_STATUSES,
    CountedTicket,
    View,
    ViewFilter,
    counts,
    narrowed,
)
from chalicelib.desk.ticket.records import PRIORITIES, STATUSES
from chalicelib.models import TagLink, Ticket

MAX_PAGE_SIZE = 100
# A page is filled from at most this many reads. A filter (or, for an agent, the other teams'
# tickets) can drop most of what a read returns; a queue of thousands must still not cost thousands
# of requests. A page cut short by the cap keeps its cursor: "Next page" reads on from there.
MAX_READS_PER_PAGE = 5
# Counts come from one Query of the sparse `counted_updated` index, which holds every ticket a view
# counts with just its status, team and assignee (~80 bytes: ~50 tickets per read unit). It reads
# at most COUNT_CAP tickets (~40 read units); past that every count is a lower bound ("2000+").
COUNT_CAP = 2000
# Counts are kept per container for COUNT_TTL_SECONDS, except where they would contradict what the
# agent sees: a complete listing of a view is its count (`remember_count`), and a change made here
# drops them all.
COUNT_TTL_SECONDS = 10.0
_listed: dict[tuple[str, str, str], tuple[float, Count]] = {}  # views' complete first pages
_counted: dict[str, tuple[float, list[CountedTicket], bool]] = {}  # by what the agent may see


@dataclass(frozen=True)
class Count:
    """How many tickets a view holds, or at least how many when `more` (shown as "100+")."""

    value: int
    more: bool = False

    def __str__(self) -> str:
        return f"{self.value}+" if self.more else str(self.value)


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


# One read of an index: the matching tickets, each with its own key (a start key resuming just after
# it), and the key to continue from (None when the index has no more).
Batch = tuple[list[tuple[Ticket, dict[str, Any]]], dict[str, Any] | None]
Reader = Callable[[dict[str, Any] | None, int], Batch]


def fill_page(read: Reader, start: dict[str, Any] | None, limit: int) -> Page:
    """Up to `limit` tickets from successive reads, with a cursor resuming exactly after the last one.

    `read(start, size)` evaluates up to `size` index entries from `start`. The first read asks for a
    page's worth (enough when nothing is filtered out), later ones for MAX_PAGE_SIZE.
    """
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidRequest(f"limit must be between 1 and {MAX_PAGE_SIZE}")
    items: list[Ticket] = []
    size = limit
    for _ in range(MAX_READS_PER_PAGE):
        found, following = read(start, size)
        for position, (ticket, key) in enumerate(found):
            items.append(ticket)
            if len(items) == limit:
                # Past the batch's last match lie only entries the filter dropped: resume from DynamoDB's key.
                return Page(items, encode_cursor(following if position == len(found) - 1 else key))
        if following is None:
            return Page(items, None)
        start, size = following, MAX_PAGE_SIZE
    return Page(items, encode_cursor(start))


def _index_reader(index_name: str, hash_value: Any, condition: Any, newest_first: bool) -> Reader:
    """Reads of one key of a ticket index, in the view's direction, filtered by `condition`."""
    index = getattr(Ticket, index_name)
    key_names = _key_names(index_name)

    def read(start: dict[str, Any] | None, size: int) -> Batch:
        page = Ticket._get_connection().query(
            hash_value,
            index_name=index.Meta.index_name,
            filter_condition=condition,
            scan_index_forward=not newest_first,
            exclusive_start_key=start,
            limit=size,
        )
        found = [(Ticket.from_raw_data(item), {k: item[k] for k in key_names}) for item in page["Items"]]
        return found, page.get("LastEvaluatedKey")

    return read


def _key_names(index_name: str) -> frozenset[str]:
    """The attributes of a start key of the index: the table's key and the index's own."""
    schema = getattr(Ticket, index_name)._get_schema()["key_schema"]
    return frozenset({"number", *(key["AttributeName"] for key in schema)})


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
    read = _index_reader(index_name, hash_value, condition, newest_first)
    return fill_page(read, decode_cursor(cursor, _key_names(index_name)), limit)


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


def count_views(agent: AgentProfile, views: tuple[View, ...]) -> dict[str, Count | None]:
    """How many tickets the agent sees in each view, by slug (None: a view of uncounted work)."""
    tickets, more = _counted_tickets(agent)
    counted = counts(views, tickets)
    now = time.monotonic()
    found: dict[str, Count | None] = {}
    for view in views:
        listed = _listed.get(_count_key(agent, view))
        if listed and now - listed[0] < COUNT_TTL_SECONDS:
            found[view.slug] = listed[1]
        else:
            value = counted[view.slug]
            found[view.slug] = None if value is None else Count(value, more)
    return found


def remember_count(
    agent: AgentProfile, view: View, page: Page, view_filter: ViewFilter, cursor: str | None
) -> None:
    """A first page without filters that holds the whole view is its exact count: keep it, so the
    sidebar never contradicts the list beside it."""
    if cursor is None and page.next_cursor is None and view_filter == ViewFilter():
        _listed[_count_key(agent, view)] = (time.monotonic(), Count(len(page.items)))


def forget_counts() -> None:
    """After a change made in this container: its author sees the counts move at once."""
    _listed.clear()
    _counted.clear()


def _seen(agent: AgentProfile) -> str:
    return "*" if agent.is_admin else ",".join(sorted(agent.teams))


def _count_key(agent: AgentProfile, view: View) -> tuple[str, str, str]:
    return (view.index, view.hash_value, _seen(agent))


def _counted_tickets(agent: AgentProfile) -> tuple[list[CountedTicket], bool]:
    """The counted tickets the agent may see, and whether COUNT_CAP cut them short (kept
    COUNT_TTL_SECONDS in this container)."""
    kept = _counted.get(_seen(agent))
    if kept and time.monotonic() - kept[0] < COUNT_TTL_SECONDS:
        return kept[1], kept[2]
    tickets: list[CountedTicket] = []
    more = False
    for ticket in Ticket.counted_index.query("ticket", filter_condition=visibility(agent), page_size=1000):
        if len(tickets) == COUNT_CAP:
            more = True
            break
        tickets.append(CountedTicket(ticket.status, ticket.team, ticket.assignee))
    _counted[_seen(agent)] = (time.monotonic(), tickets, more)
    return tickets, more


def list_tag(
    agent: AgentProfile, tag: str, view_filter: ViewFilter, cursor: str | None = None, limit: int = 25
) -> Page:
    """Tickets carrying a tag, oldest first: Queries on the tag index, each with one BatchGetItem."""

    def read(start: dict[str, Any] | None, size: int) -> Batch:
        links = TagLink._get_connection().query(tag, exclusive_start_key=start, limit=size)
        numbers = [int(link["number"]["N"]) for link in links["Items"]]
        found = {ticket.number: ticket for ticket in Ticket.batch_get(numbers)} if numbers else {}
        # A tag link's item is exactly its key; a link whose ticket is gone is skipped.
        linked = [(found[n], link) for n, link in zip(numbers, links["Items"], strict=True) if n in found]
        shown = [(t, key) for t, key in linked if agent.can_see_team(t.team) and _matches(t, view_filter)]
        return shown, links.get("LastEvaluatedKey")

    return fill_page(read, decode_cursor(cursor, frozenset({"tag", "number"})), limit)


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
    """The ticket after `ticket` in the view's order (its keys are the Query's start key), if one is
    found within a page's reads."""
    index = getattr(Ticket, view.index)
    keys = {k["KeyType"]: k["AttributeName"] for k in index._get_schema()["key_schema"]}
    start = {
        "number": {"N": str(ticket.number)},
        keys["HASH"]: {"S": view.hash_value},
        keys["RANGE"]: {"S": getattr(Ticket, keys["RANGE"]).serialize(getattr(ticket, keys["RANGE"]))},
    }
    read = _index_reader(view.index, view.hash_value, visibility(agent), view.newest_first)
    following = fill_page(read, start, 1).items
    return following[0].number if following else None
