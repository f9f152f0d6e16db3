"""Running the stored rules at each trigger: the ticket's facts gathered without a request of
their own (the rules and the calendar are cached setup; a customer's earlier tickets are read only
when a rule asks for them), decisions returned as an `Outcome` the writer puts in its transaction.

The outcome's own writes (fields, tags, notes) are made by the write that creates or changes the
ticket, which never runs the rules again: changes made by rules do not trigger rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from chalicelib.desk.rules import store
from chalicelib.desk.ticket import sla
from chalicelib.models import Contact, Ticket
from chalicelib.rules.engine import Facts, Outcome, evaluate
from chalicelib.rules.headers import importance
from chalicelib.rules.model import Rule, Trigger
from chalicelib.sla.calendar import is_open

NOTHING = Outcome()


def on_created(
    *,
    mailbox: str,
    team: str,
    channel: str,
    sender: str,
    subject: str,
    body: str,
    at: datetime,
    has_attachments: bool = False,
    headers: Mapping[str, str] | None = None,
) -> Outcome:
    """The rules' decisions for a ticket about to open (status new, priority normal)."""
    rules = store.active()
    if not rules:
        return NOTHING
    facts = Facts(
        trigger="created",
        mailbox=mailbox,
        team=team,
        channel=channel,
        sender=sender,
        subject=subject,
        body=body,
        status="new",
        priority="normal",
        has_attachments=has_attachments,
        importance=importance(headers or {}),
        inside_business_hours=_inside(team, mailbox, at),
        earlier_tickets=_earlier(rules, sender),
    )
    return evaluate(rules, facts)


def on_customer_reply(
    ticket: Ticket,
    *,
    status: str,
    channel: str,
    body: str,
    at: datetime,
    has_attachments: bool = False,
    headers: Mapping[str, str] | None = None,
) -> Outcome:
    """The rules' decisions for a customer's message to `ticket`; `status` is the one the message
    leaves it in (a waiting ticket opens again)."""
    rules = store.active()
    if not rules:
        return NOTHING
    facts = replace(
        _ticket_facts(ticket, "customer_replied", rules, at),
        status=status,
        channel=channel,
        body=body,
        has_attachments=has_attachments,
        importance=importance(headers or {}),
    )
    return evaluate(rules, facts)


def on_agent_change(
    ticket: Ticket,
    *,
    status: str,
    priority: str,
    team: str,
    assignee: str | None,
    tags: Sequence[str],
    at: datetime,
) -> Outcome:
    """The rules' decisions for an agent's change, seen as the ticket will be after it."""
    rules = store.active()
    if not rules:
        return NOTHING
    facts = replace(
        _ticket_facts(ticket, "agent_changed", rules, at),
        status=status,
        priority=priority,
        team=team,
        assignee=assignee,
        tags=tuple(tags),
        inside_business_hours=_inside(team, ticket.mailbox, at),
    )
    return evaluate(rules, facts)


def ticket_facts(ticket: Ticket, rules: Sequence[Rule], at: datetime, body: str = "") -> Facts:
    """A stored ticket's facts as of its creation (the admin's "Test": would the rule have matched)."""
    return replace(_ticket_facts(ticket, "created", rules, at), body=body)


def _ticket_facts(ticket: Ticket, trigger: Trigger, rules: Sequence[Rule], at: datetime) -> Facts:
    return Facts(
        trigger=trigger,
        mailbox=ticket.mailbox,
        team=ticket.team,
        channel="",
        sender=ticket.requester_email,
        subject=ticket.subject,
        body="",
        status=ticket.status,
        priority=ticket.priority,
        tags=tuple(ticket.tags or ()),
        assignee=ticket.assignee,
        inside_business_hours=_inside(ticket.team, ticket.mailbox, at),
        earlier_tickets=max(_earlier(rules, ticket.requester_email) - 1, 0),  # counts this one
    )


def _inside(team: str, mailbox: str, at: datetime) -> bool:
    """Inside the business hours of the team's SLA calendar at `at`."""
    return is_open(sla.team_policy(team, mailbox).calendar, at)


def _earlier(rules: Sequence[Rule], email: str) -> int:
    """The customer's tickets so far (one GetItem), read only when a rule asks for them."""
    if not any(c.field == "earlier_tickets" for rule in rules for c in rule.conditions):
        return 0
    try:
        return int(Contact.get(email).ticket_count or 0)
    except Contact.DoesNotExist:
        return 0
