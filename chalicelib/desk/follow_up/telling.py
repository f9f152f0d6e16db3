"""Telling the assignee that a ticket needs them again, the way the desk tells agents anything: a
mail from the help desk (as the SLA alerts are sent), then a history event naming who was mailed.

Who: the assignee when active and not away; an unassigned ticket's team (its active, available
members). The mail goes after the write it is about committed, at most once; a failed send is
logged and the change stands.
"""

from __future__ import annotations

import time

from chalicelib.desk.mail_out.outbound import send, ticket_alert
from chalicelib.desk.setup import directory
from chalicelib.desk.ticket.records import event_message, utcnow
from chalicelib.mail.message import Address
from chalicelib.models import Ticket
from chalicelib.observability import logger


def recipients(ticket: Ticket, now: float) -> list[Address]:
    """The assignee, or (unassigned) the team; away and deactivated agents are never mailed."""
    available = [a for a in directory.agents() if a.is_available(now)]
    if ticket.assignee:
        chosen = [a for a in available if a.email == ticket.assignee]
    else:
        chosen = [a for a in available if a.may_take(ticket.team)]
    return [Address(email=a.email, name=a.name) for a in chosen]


def tell(ticket: Ticket, about: str, headline: str) -> list[Address]:
    """Mail `headline` about the ticket and record who got it (`about`: "Wake-up", "Due-date reminder")."""
    to = recipients(ticket, time.time())
    if not to:
        return []
    subject = f"[#{ticket.number}] {about}: {ticket.subject}"
    try:
        send(ticket_alert(ticket, tuple(to), subject, headline))
    except Exception:
        logger.exception("follow-up mail not sent", extra={"ticket": ticket.number, "about": about})
        return []
    event = {"type": "follow_up_mailed", "about": about, "to": ", ".join(a.email for a in to)}
    event_message(ticket.number, None, utcnow(), event).save()
    return to
