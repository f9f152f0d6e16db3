"""What agents write on a ticket: replies the customer receives and internal notes they never see."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from chalicelib.config import settings
from chalicelib.desk.base import storage
from chalicelib.desk.base.errors import Conflict, InvalidRequest, TooLarge
from chalicelib.desk.mail_out.customer_mail import reply_text
from chalicelib.desk.mail_out.outbound import send_and_record, ticket_mail
from chalicelib.desk.notifications.mentions import checked
from chalicelib.desk.setup import directory
from chalicelib.desk.setup.agents import AgentProfile
from chalicelib.desk.ticket import sla, transition
from chalicelib.desk.ticket.records import STATUSES, Status, message_key, utcnow
from chalicelib.desk.ticket.tickets import get_ticket
from chalicelib.mail.message import Address
from chalicelib.models import Message, Ticket

# What a reply may set the status to: a new ticket is answered, and spam is not answered.
REPLY_STATUSES: tuple[Status, ...] = tuple(s for s in STATUSES if s not in ("new", "spam"))


def reply(
    agent: AgentProfile, number: int, body: str, status: Status | None = None, version: int | None = None
) -> Message:
    """Mail the agent's answer to the requester and record it on the ticket.

    `version` (optional) is the ticket version the agent was looking at: if someone changed or
    answered the ticket since, nothing is sent and the caller gets a Conflict to show.
    """
    text = _body_text(body)
    if status is not None and status not in REPLY_STATUSES:
        raise InvalidRequest(f"status must be one of {', '.join(REPLY_STATUSES)}")
    ticket = get_ticket(agent, number)
    if version is not None and version != ticket.version:
        raise Conflict(
            f"ticket #{number} changed since you opened it; read the new messages before replying",
            current_version=ticket.version,
        )
    if ticket.status == "spam":
        raise InvalidRequest(f"ticket #{number} is marked as spam; release it before replying")
    new_status = status or ("open" if ticket.status == "new" else ticket.status)
    at = utcnow()
    solving = new_status == "solved" and ticket.status != "solved"  # the survey goes with it
    message, committed = send_and_record(
        ticket,
        ticket_mail(ticket, f"{agent.name} via {ticket.team}", reply_text(ticket, agent, text, solving)),
        kind="reply",
        author=Address(email=agent.email, name=agent.name),
        ticket_changes=lambda current: _reply_change(current, agent, new_status, at),
        shown_text=text,
    )
    sla_step = _reply_change(committed, agent, new_status, at).sla_step
    if sla_step.moved:
        sla.arm(committed, sla_step.state)
    return message


def _reply_change(
    ticket: Ticket, agent: AgentProfile, new_status: str, at: datetime
) -> transition.Transition:
    """What an agent's reply changes on the ticket: the SLA clock it satisfies, then its status."""
    return transition.change(ticket, at, agent, status=new_status, before=(sla.agent_replied(ticket, at),))


def add_note(agent: AgentProfile, number: int, body: str, mentions: Sequence[str] = ()) -> Message:
    """An internal note: stored on the thread, never mailed; a long one overflows to S3 like any body.
    `mentions` (agent ids) are stored on it: each must be allowed to see the ticket, or nothing is
    added (desk.notifications.mentions); the event stream then tells them."""
    text = _body_text(body)
    ticket = get_ticket(agent, number)
    mentioned = checked(mentions, ticket.team, directory.agents()) if mentions else ()
    at = utcnow()
    key = message_key(at)
    stored, _, visible, body_key = storage.fit_bodies(
        text, None, text, storage.blob_prefix(f"note#{ticket.number}#{key}")
    )
    note = Message(
        ticket_number=ticket.number,
        key=key,
        kind="note",
        from_email=agent.email,
        from_name=agent.name,
        body_text=stored,
        visible_text=visible,
        body_s3_key=body_key,
        mentions=list(mentioned) or None,
        created_at=at,
    )
    note.save()
    return note


def _body_text(body: str) -> str:
    if not isinstance(body, str) or not body.strip():
        raise InvalidRequest("body must be non-empty text")
    if len(body.encode()) > settings().max_reply_bytes:
        raise TooLarge(f"body is larger than {settings().max_reply_bytes // 1024} KB")
    return body.strip().replace("\r\n", "\n")
