"""Reading tickets as an agent: queue pages, one ticket, its thread.
(Changing them is `agent_work.ticket_changes`.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

from chalicelib.desk.base.errors import Forbidden, InvalidRequest, NotFound
from chalicelib.desk.setup.agents import AgentProfile
from chalicelib.desk.ticket.queue_keys import View, ViewFilter, standard_view, team_view
from chalicelib.desk.ticket.queues import Page, both, list_view, query_page, visibility
from chalicelib.desk.ticket.records import STATUSES, Status
from chalicelib.models import Message, Ticket


@dataclass(frozen=True)
class TicketFilter:
    status: Status | None = None
    team: str | None = None
    assignee: str | None = None
    requester: str | None = None


@dataclass(frozen=True)
class QueryPlan:
    """Which index answers a filter, the key to query it with, and what is left to filter on."""

    index: str
    hash_value: str
    residual: dict[str, str] = field(default_factory=dict)


def plan_query(ticket_filter: TicketFilter) -> QueryPlan:
    """Pick the most selective index for the filter; the other criteria become a filter expression."""
    wanted = {k: v for k, v in vars(ticket_filter).items() if v}
    if "requester" in wanted:
        index, key = "requester_index", wanted.pop("requester").lower()
    elif "assignee" in wanted:
        index, key = "assignee_index", wanted.pop("assignee").lower()
    elif "team" in wanted and "status" in wanted:
        index, key = "team_status_index", f"{wanted.pop('team')}#{wanted.pop('status')}"
    elif "status" in wanted:
        index, key = "status_index", wanted.pop("status")
    elif "team" in wanted:
        index, key = "team_index", wanted.pop("team")
    else:
        index, key = "all_index", "ticket"
    return QueryPlan(index=index, hash_value=key, residual=wanted)


_ATTRIBUTE_OF_FILTER = {
    "status": "status",
    "team": "team",
    "assignee": "assignee",
    "requester": "requester_email",
}


Sort = Literal["updated", "sla"]
SORTS: tuple[Sort, ...] = get_args(Sort)


def list_tickets(
    agent: AgentProfile,
    ticket_filter: TicketFilter,
    cursor: str | None = None,
    limit: int = 25,
    sort: Sort = "updated",
) -> Page:
    """One page of tickets, restricted to the agent's teams: most recently updated first, or with
    `sort="sla"` in the order of the queue views (earliest SLA due first, then oldest waiting)."""
    if ticket_filter.status and ticket_filter.status not in STATUSES:
        raise InvalidRequest(f"status must be one of {', '.join(STATUSES)}")
    if ticket_filter.team and not agent.can_see_team(ticket_filter.team):
        raise Forbidden(f"you are not a member of team {ticket_filter.team}")
    if sort not in SORTS:
        raise InvalidRequest(f"sort must be one of {', '.join(SORTS)}")
    if sort == "sla":
        view, view_filter = sla_view(ticket_filter, agent.email)
        return list_view(agent, view, view_filter, cursor=cursor, limit=limit)
    plan = plan_query(ticket_filter)
    condition = None
    for name, value in plan.residual.items():
        attribute = getattr(Ticket, _ATTRIBUTE_OF_FILTER[name])
        wanted = value.lower() if name in ("assignee", "requester") else value
        condition = both(condition, attribute == wanted)
    condition = both(condition, visibility(agent))
    return query_page(plan.index, plan.hash_value, condition, newest_first=True, cursor=cursor, limit=limit)


def sla_view(ticket_filter: TicketFilter, me: str) -> tuple[View, ViewFilter]:
    """The queue view (and its filter) listing a filter's tickets in SLA order.

    The queue indexes are keyed by queue (new and open share one), so a status is required; the
    requester index has no SLA order.
    """
    if not ticket_filter.status or ticket_filter.requester:
        raise InvalidRequest("sort=sla needs a status filter and cannot be combined with requester")
    if ticket_filter.team:  # an assignee is then a filter on the team's queue
        view_filter = ViewFilter(ticket_filter.status, assignee=ticket_filter.assignee)
        return team_view(ticket_filter.team), view_filter
    if ticket_filter.assignee:
        return standard_view("mine", ticket_filter.assignee.lower()), ViewFilter(ticket_filter.status)
    return standard_view("open", me), ViewFilter(ticket_filter.status)


def get_ticket(agent: AgentProfile, number: int) -> Ticket:
    """The ticket, or NotFound when it does not exist or belongs to another team (no existence leak)."""
    try:
        ticket = Ticket.get(number)
    except Ticket.DoesNotExist:
        raise NotFound(f"ticket #{number} does not exist") from None
    if not agent.can_see_team(ticket.team):
        raise NotFound(f"ticket #{number} does not exist")
    return ticket


def thread(ticket_number: int) -> list[Message]:
    """Every message and event of a ticket, oldest first."""
    return list(Message.query(ticket_number, scan_index_forward=True))
