"""Canned replies: placeholders such as {{customer.first_name}} filled in for one ticket and agent."""

from __future__ import annotations

import re
from collections.abc import Iterable

from chalicelib.desk.setup.agents import AgentProfile
from chalicelib.desk.setup.directory import CannedReply
from chalicelib.models import Ticket

# `{{name}}` or `{{group.name}}`, spaces inside the braces allowed.
PLACEHOLDER_PATTERN = re.compile(r"\{\{\s*([a-z_]+(?:\.[a-z_]+)?)\s*\}\}")
PLACEHOLDERS = (
    "customer.name",
    "customer.first_name",
    "customer.email",
    "ticket.number",
    "ticket.subject",
    "agent.name",
    "agent.first_name",
    "team.name",
)


def placeholder_values(ticket: Ticket, agent: AgentProfile) -> dict[str, str]:
    return {
        **ticket_values(ticket),
        "agent.name": agent.name,
        "agent.first_name": agent.name.split()[0] if agent.name.strip() else agent.name,
    }


def ticket_values(ticket: Ticket) -> dict[str, str]:
    """The placeholders that need no agent (automatic mails have none)."""
    customer = ticket.requester_name or ""
    return {
        "customer.name": customer or ticket.requester_email,
        "customer.first_name": customer.split()[0] if customer.strip() else "there",
        "customer.email": ticket.requester_email,
        "ticket.number": str(ticket.number),
        "ticket.subject": ticket.subject,
        "team.name": ticket.team,
    }


def expand(template: str, values: dict[str, str]) -> str:
    """Fill known placeholders; an unknown one stays visible so the agent notices it."""
    return PLACEHOLDER_PATTERN.sub(lambda match: values.get(match.group(1), match.group(0)), template)


def expand_all(canned: Iterable[CannedReply], ticket: Ticket, agent: AgentProfile) -> list[CannedReply]:
    values = placeholder_values(ticket, agent)
    return [CannedReply(title=reply.title, body=expand(reply.body, values)) for reply in canned]
