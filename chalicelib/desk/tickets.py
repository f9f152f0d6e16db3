"""Reading and changing tickets as an agent: queue pages, one ticket, and field changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pynamodb.exceptions import TransactWriteError, UpdateError

from chalicelib.desk import notices, sla
from chalicelib.desk.agents import AgentProfile
from chalicelib.desk.errors import Conflict, Forbidden, InvalidRequest, NotFound
from chalicelib.desk.queue_keys import View, ViewFilter, find_view, team_view, view_key_actions
from chalicelib.desk.queues import Page, both, list_view, query_page, visibility
from chalicelib.desk.records import PRIORITIES, STATUSES, event_message, utcnow
from chalicelib.desk.tags import tag_links
from chalicelib.models import Agent, Message, Ticket, write_transaction

MAX_TAGS = 20
MAX_TAG_LENGTH = 40


@dataclass(frozen=True)
class TicketFilter:
    status: str | None = None
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


SORTS = ("updated", "sla")


def list_tickets(
    agent: AgentProfile,
    ticket_filter: TicketFilter,
    cursor: str | None = None,
    limit: int = 25,
    sort: str = "updated",
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
        return find_view("mine", ticket_filter.assignee.lower()), ViewFilter(ticket_filter.status)
    return find_view("open", me), ViewFilter(ticket_filter.status)


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


@dataclass(frozen=True)
class TicketChanges:
    """Validated field changes; None means "leave as is", except `assignee` (see `assign`)."""

    status: str | None = None
    priority: str | None = None
    team: str | None = None
    tags: tuple[str, ...] | None = None
    assign: bool = False
    assignee: str | None = None


def parse_changes(payload: dict[str, Any], teams: frozenset[str]) -> TicketChanges:
    """Validate a PATCH body; raises InvalidRequest naming the first bad field."""
    allowed = {"version", "status", "priority", "assignee", "tags", "team"}
    unknown = sorted(set(payload) - allowed)
    if unknown:
        raise InvalidRequest(f"unknown field(s): {', '.join(unknown)}")
    status = payload.get("status")
    if status is not None and (status not in STATUSES or status == "new"):
        raise InvalidRequest(f"status must be one of {', '.join(s for s in STATUSES if s != 'new')}")
    priority = payload.get("priority")
    if priority is not None and priority not in PRIORITIES:
        raise InvalidRequest(f"priority must be one of {', '.join(PRIORITIES)}")
    team = payload.get("team")
    if team is not None and team not in teams:
        raise InvalidRequest(f"team must be one of {', '.join(sorted(teams))}")
    assignee = payload.get("assignee")
    if assignee is not None and (not isinstance(assignee, str) or "@" not in assignee):
        raise InvalidRequest("assignee must be an agent's email address or null")
    tags = payload.get("tags")
    return TicketChanges(
        status=status,
        priority=priority,
        team=team,
        tags=normalise_tags(tags) if tags is not None else None,
        assign="assignee" in payload,
        assignee=assignee.lower() if assignee else None,
    )


def normalise_tags(tags: Any) -> tuple[str, ...]:
    """Lower-case, dash-separated, unique tags in the order given."""
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise InvalidRequest("tags must be a list of strings")
    cleaned: list[str] = []
    for tag in tags:
        slug = "-".join(tag.lower().split())
        if not slug or len(slug) > MAX_TAG_LENGTH or any(ch in slug for ch in ",#<>\"'"):
            raise InvalidRequest(
                f"tag {tag!r} must be 1 to {MAX_TAG_LENGTH} characters without , # < > or quotes"
            )
        if slug not in cleaned:
            cleaned.append(slug)
    if len(cleaned) > MAX_TAGS:
        raise InvalidRequest(f"a ticket has at most {MAX_TAGS} tags")
    return tuple(cleaned)


def update_ticket(agent: AgentProfile, number: int, version: Any, changes: TicketChanges) -> Ticket:
    """Apply changes if the agent saw the latest version; record each change as an event."""
    if not isinstance(version, int) or isinstance(version, bool):
        raise InvalidRequest("version (integer) is required: send the version you last read")
    ticket = get_ticket(agent, number)
    if ticket.version != version:
        raise Conflict(_stale_message(number), current_version=ticket.version)
    if ticket.status == "closed" and changes.status not in (None, "closed"):
        # Closed is final (as in Zendesk): the customer's next mail opens a follow-up ticket instead.
        raise InvalidRequest(
            f"ticket #{number} is closed and cannot be reopened: a new mail opens a follow-up"
        )
    if changes.team is not None and not agent.can_see_team(changes.team):
        raise Forbidden(f"you are not a member of team {changes.team}")
    if changes.assign and changes.assignee:
        _check_assignee(changes.assignee, changes.team or ticket.team)
    actions, events = _diff(ticket, changes)
    if not actions:
        return ticket
    at = utcnow()
    sla_step = _sla_step(ticket, changes, at)
    actions += sla.touch(ticket, at, sla_step)
    try:
        with write_transaction() as transaction:
            transaction.update(ticket, actions=actions)
            for event in events:
                transaction.save(event_message(number, agent, at, event))
            if changes.tags is not None:
                tag_links(transaction, number, ticket.tags or (), changes.tags)
    except (TransactWriteError, UpdateError):
        raise Conflict(_stale_message(number)) from None
    updated = Ticket.get(number)
    if sla_step.moved:
        sla.arm(updated, sla_step.state)
    if changes.status == "solved" and ticket.status != "solved":
        notices.solved(updated)
    return updated


def _sla_step(ticket: Ticket, changes: TicketChanges, at: datetime) -> sla.SlaStep:
    """A status change pauses, resumes or stops the clock; a priority or team change moves its
    targets (a team may have a policy of its own)."""
    transitions = []
    if changes.status is not None and changes.status != ticket.status:
        transitions.append(sla.status_changed(ticket, ticket.status, changes.status, at))
    return sla.step(ticket, *transitions, at=at, priority=changes.priority, team=changes.team)


def _stale_message(number: int) -> str:
    return f"ticket #{number} was changed by someone else; reload it and try again"


def _check_assignee(email: str, team: str) -> None:
    try:
        candidate = Agent.get(email)
    except Agent.DoesNotExist:
        raise InvalidRequest(f"{email} is not an agent") from None
    if not candidate.active:
        raise InvalidRequest(f"{email} is deactivated")
    if candidate.role != "admin" and team not in (candidate.teams or ()):
        raise InvalidRequest(f"{email} is not a member of team {team}")


def _diff(ticket: Ticket, changes: TicketChanges) -> tuple[list[Any], list[dict[str, str]]]:
    actions: list[Any] = []
    events: list[dict[str, str]] = []

    def change(attribute: Any, name: str, old: str | None, new: str | None) -> None:
        if new != old:
            actions.append(attribute.set(new) if new is not None else attribute.remove())
            events.append({"type": name, "from": old or "", "to": new or ""})

    if changes.status is not None:
        change(Ticket.status, "status", ticket.status, changes.status)
    if changes.priority is not None:
        change(Ticket.priority, "priority", ticket.priority, changes.priority)
    if changes.team is not None:
        change(Ticket.team, "team", ticket.team, changes.team)
    if changes.assign:
        change(Ticket.assignee, "assignee", ticket.assignee, changes.assignee)
    if changes.tags is not None and tuple(ticket.tags or ()) != changes.tags:
        actions.append(Ticket.tags.set(list(changes.tags)))
        events.append({"type": "tags", "from": ", ".join(ticket.tags or ()), "to": ", ".join(changes.tags)})
    status, team = changes.status or ticket.status, changes.team or ticket.team
    assignee = changes.assignee if changes.assign else ticket.assignee
    if (status, team, assignee) != (ticket.status, ticket.team, ticket.assignee):
        actions.extend(view_key_actions(ticket, status, team, assignee))
    return actions, events
