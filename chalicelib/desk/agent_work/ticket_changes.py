"""Changing tickets as an agent: validated field changes, applied when the agent saw the latest
version, each recorded as an event."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import TransactWriteError

from chalicelib.desk.base.errors import Conflict, Forbidden, InvalidRequest
from chalicelib.desk.base.transactions import is_race
from chalicelib.desk.mail_out import notices
from chalicelib.desk.rules import effects, evaluation
from chalicelib.desk.setup.agents import AgentProfile, profile_of
from chalicelib.desk.ticket import sla, transition
from chalicelib.desk.ticket.records import (
    PRIORITIES,
    STATUSES,
    Priority,
    Status,
    event_message,
    is_status,
    utcnow,
)
from chalicelib.desk.ticket.rule_writes import by_rule, rule_notes
from chalicelib.desk.ticket.tags import tag_links
from chalicelib.desk.ticket.tickets import get_ticket
from chalicelib.models import Agent, Ticket, write_transaction
from chalicelib.rules.model import TAG_RULE, tag_slug
from chalicelib.sla.policy import is_priority

MAX_TAGS = 20
# What an agent may set the status to: "new" is only ever a ticket as it arrived.
SETTABLE_STATUSES: tuple[Status, ...] = tuple(s for s in STATUSES if s != "new")


@dataclass(frozen=True)
class TicketChanges:
    """Validated field changes; None means "leave as is", except `assignee` (see `assign`)."""

    status: Status | None = None
    priority: Priority | None = None
    team: str | None = None
    tags: tuple[str, ...] | None = None
    assign: bool = False
    assignee: str | None = None


def parse_changes(payload: Mapping[str, object], teams: frozenset[str]) -> TicketChanges:
    """Validate a PATCH body; raises InvalidRequest naming the first bad field."""
    allowed = {"version", "status", "priority", "assignee", "tags", "team"}
    unknown = sorted(set(payload) - allowed)
    if unknown:
        raise InvalidRequest(f"unknown field(s): {', '.join(unknown)}")
    status = payload.get("status")
    if status is not None and (not is_status(status) or status not in SETTABLE_STATUSES):
        raise InvalidRequest(f"status must be one of {', '.join(SETTABLE_STATUSES)}")
    priority = payload.get("priority")
    if priority is not None and not (isinstance(priority, str) and is_priority(priority)):
        raise InvalidRequest(f"priority must be one of {', '.join(PRIORITIES)}")
    team = payload.get("team")
    if team is not None and (not isinstance(team, str) or team not in teams):
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


def normalise_tags(tags: object) -> tuple[str, ...]:
    """Lower-case, dash-separated, unique tags in the order given."""
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise InvalidRequest("tags must be a list of strings")
    cleaned: list[str] = []
    for tag in tags:
        slug = tag_slug(tag)
        if slug is None:
            raise InvalidRequest(f"tag {tag!r} must be {TAG_RULE}")
        if slug not in cleaned:
            cleaned.append(slug)
    if len(cleaned) > MAX_TAGS:
        raise InvalidRequest(f"a ticket has at most {MAX_TAGS} tags")
    return tuple(cleaned)


def update_ticket(agent: AgentProfile, number: int, version: int, changes: TicketChanges) -> Ticket:
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
    at = utcnow()
    assignee = changes.assignee if changes.assign else transition.KEEP
    if not _changes_anything(ticket, changes):
        return ticket
    decided = evaluation.on_agent_change(
        ticket,
        status=changes.status or ticket.status,
        priority=changes.priority or ticket.priority,
        team=changes.team or ticket.team,
        assignee=ticket.assignee if assignee is transition.KEEP else assignee,
        tags=changes.tags if changes.tags is not None else tuple(ticket.tags or ()),
        at=at,
    )
    changed = transition.change(
        ticket,
        at,
        agent,
        status=decided.status or changes.status,
        team=decided.team or changes.team,
        assignee=decided.assignee if decided.assign else assignee,
        priority=decided.priority or changes.priority,
        by_rule=by_rule(decided),
    )
    tags = decided.tags if decided.tags is not None else changes.tags
    tagging = _tagging(ticket, tags)
    actions, events = list(changed.actions), list(changed.events)
    if tagging is not None:
        actions.append(tagging[0])
        tag_event = tagging[1] | ({"rule": by_rule(decided)["tags"]} if decided.tags is not None else {})
        events.append(event_message(number, None if "rule" in tag_event else agent, at, tag_event))
    events += rule_notes(number, ticket.mailbox, at, decided)
    try:
        with write_transaction() as transaction:
            transaction.update(ticket, actions=actions)
            for event in events:
                transaction.save(event)
            if tags is not None:
                tag_links(transaction, number, ticket.tags or (), tags)
    except TransactWriteError as error:
        if not is_race(error):
            raise
        raise Conflict(_stale_message(number)) from None
    updated = Ticket.get(number)
    if changed.sla_step.moved:
        sla.arm(updated, changed.sla_step.state)
    if updated.status == "solved" and ticket.status != "solved":
        notices.solved(updated)
    if effects.after_write(decided):
        effects.carry_out(updated, decided)
    return updated


def _changes_anything(ticket: Ticket, changes: TicketChanges) -> bool:
    """Whether the agent's changes move a field or the tags (rules run only on a real change)."""
    return (
        (changes.status is not None and changes.status != ticket.status)
        or (changes.priority is not None and changes.priority != ticket.priority)
        or (changes.team is not None and changes.team != ticket.team)
        or (changes.assign and changes.assignee != ticket.assignee)
        or _tagging(ticket, changes.tags) is not None
    )


def _stale_message(number: int) -> str:
    return f"ticket #{number} was changed by someone else; reload it and try again"


def _check_assignee(email: str, team: str) -> None:
    try:
        candidate = profile_of(Agent.get(email))
    except Agent.DoesNotExist:
        raise InvalidRequest(f"{email} is not an agent") from None
    if not candidate.active:
        raise InvalidRequest(f"{email} is deactivated")
    if not candidate.may_take(team):
        raise InvalidRequest(f"{email} is not a member of team {team}")


def _tagging(ticket: Ticket, tags: tuple[str, ...] | None) -> tuple[Any, dict[str, str]] | None:
    """The action and event of new tags; None when they are the ticket's own (or not given)."""
    if tags is None or tuple(ticket.tags or ()) == tags:
        return None
    event = {"type": "tags", "from": ", ".join(ticket.tags or ()), "to": ", ".join(tags)}
    return Ticket.tags.set(list(tags)), event
