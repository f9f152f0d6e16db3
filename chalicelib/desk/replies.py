"""What agents write on a ticket: replies the customer receives and internal notes they never see."""

from __future__ import annotations

from typing import Any

from chalicelib.config import settings
from chalicelib.desk.agents import AgentProfile
from chalicelib.desk.errors import Conflict, InvalidRequest, TooLarge
from chalicelib.desk.outbound import send_and_record, ticket_mail
from chalicelib.desk.records import STATUSES, event_message, message_key, utcnow
from chalicelib.desk.tickets import get_ticket
from chalicelib.mail.message import Address
from chalicelib.models import Message, Ticket


def reply(agent: AgentProfile, number: int, body: Any, status: Any = None, version: Any = None) -> Message:
    """Mail the agent's answer to the requester and record it on the ticket.

    `version` (optional) is the ticket version the agent was looking at: if someone changed or
    answered the ticket since, nothing is sent and the caller gets a Conflict to show.
    """
    text = _body_text(body)
    if status is not None and (status not in STATUSES or status in ("new", "spam")):
        raise InvalidRequest("status must be one of open, pending, on_hold, solved, closed")
    ticket = get_ticket(agent, number)
    if version is not None and version != ticket.version:
        raise Conflict(
            f"ticket #{number} changed since you opened it; read the new messages before replying",
            current_version=ticket.version,
        )
    if ticket.status == "spam":
        raise InvalidRequest(f"ticket #{number} is marked as spam; release it before replying")
    new_status = status or ("open" if ticket.status == "new" else ticket.status)
    actions, events = [], []
    if new_status != ticket.status:
        actions = [Ticket.status.set(new_status), Ticket.team_status.set(f"{ticket.team}#{new_status}")]
        events = [{"type": "status", "from": ticket.status, "to": new_status}]
    mail = ticket_mail(ticket, f"{agent.name} via {ticket.team}", text)
    at = utcnow()
    return send_and_record(
        ticket,
        mail,
        kind="reply",
        author=Address(email=agent.email, name=agent.name),
        ticket_actions=actions,
        extra_items=tuple(event_message(number, agent, at, event) for event in events),
    )


def add_note(agent: AgentProfile, number: int, body: Any) -> Message:
    """An internal note: stored on the thread, never mailed."""
    text = _body_text(body)
    ticket = get_ticket(agent, number)
    at = utcnow()
    note = Message(
        ticket_number=ticket.number,
        key=message_key(at),
        kind="note",
        from_email=agent.email,
        from_name=agent.name,
        body_text=text,
        visible_text=text,
        created_at=at,
    )
    note.save()
    return note


def _body_text(body: Any) -> str:
    if not isinstance(body, str) or not body.strip():
        raise InvalidRequest("body must be non-empty text")
    if len(body.encode()) > settings().max_reply_bytes:
        raise TooLarge(f"body is larger than {settings().max_reply_bytes // 1024} KB")
    return body.strip().replace("\r\n", "\n")
