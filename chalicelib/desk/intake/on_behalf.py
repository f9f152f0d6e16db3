"""Tickets an agent or an integration opens for a customer (`POST /api/tickets`).

The customer did not write to us, so what the first message is depends on whether they are told:
- mailed (`notify_customer: true`, Zendesk's "outbound ticket"): the text is the agent's first
  public reply. The ticket opens with an `opened` event (who opened it, for whom, which channel),
  then `replies.reply` mails the text like any reply (the reply template, the status link, Reply-To
  `support+N@`, the Message-ID in the thread index), so the customer's answer threads back onto
  this ticket; the reply satisfies the first response.
- logged (`notify_customer: false`): the text is what the customer told the agent (a call, a chat,
  a shop's contact form), recorded as their message with `channel` phone, web or api, with an
  automatic note naming who logged it and that nothing was mailed. The first response runs as for
  any request.
Both go through `desk.ticket.opening.open_ticket`, the one path, under an idempotency id made of the
principal and its `Idempotency-Key` header (or `external_id`): a retried request ends on the ticket
the first one made (`Opened.duplicate`), even when two race; the key reused for another request
(another customer or subject) is refused with 422, as the Idempotency-Key draft asks, rather than
answered with a ticket the caller did not ask for.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from pynamodb.exceptions import TransactWriteError

from chalicelib.config import Mailbox, settings
from chalicelib.desk.agent_work import replies
from chalicelib.desk.assignment import auto
from chalicelib.desk.base.errors import DeliveryFailed, Forbidden, InvalidRequest, Unprocessable
from chalicelib.desk.rules import effects, evaluation
from chalicelib.desk.setup import directory
from chalicelib.desk.setup.agents import AgentProfile
from chalicelib.desk.ticket import opening
from chalicelib.desk.ticket.records import customer_message, event_message, utcnow
from chalicelib.desk.ticket.tickets import get_ticket
from chalicelib.mail.message import Address
from chalicelib.mail.wire import unmailable_reason
from chalicelib.models import Message, ThreadIndex, Ticket

Channel = Literal["web", "phone", "api"]
CHANNELS: tuple[Channel, ...] = get_args(Channel)
MAX_SUBJECT_CHARS = 150
MAX_NAME_CHARS = 100
MAX_EMAIL_CHARS = 254
MAX_IDEMPOTENCY_CHARS = 200
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class OpenRequest:
    """A validated request to open a ticket for a customer."""

    requester: Address
    subject: str
    text: str
    channel: Channel = "api"
    notify_customer: bool = False
    mailbox: str | None = None  # a support address of the directory
    team: str | None = None  # the team, when not the mailbox's
    idempotency_key: str | None = None


@dataclass(frozen=True)
class Opened:
    ticket: Ticket
    duplicate: bool  # the same idempotency key opened it before: nothing was written or sent now


def parse_request(body: dict[str, object], idempotency_header: str | None) -> OpenRequest:
    """The JSON body (and the Idempotency-Key header, which wins over `external_id`) as an
    OpenRequest; InvalidRequest names the first bad field (`field` in its details)."""
    requester = body.get("requester")
    if not isinstance(requester, dict):
        raise InvalidRequest('requester must be an object: {"email": …, "name": …}', field="requester")
    email = _string(requester.get("email"), "requester.email").strip().lower()
    if not email or len(email) > MAX_EMAIL_CHARS or not _EMAIL.match(email) or unmailable_reason(email):
        raise InvalidRequest("requester.email must be the customer's email address", field="requester.email")
    name = _one_line(_string(requester.get("name", ""), "requester.name"))
    if len(name) > MAX_NAME_CHARS:
        raise InvalidRequest(
            f"requester.name may have at most {MAX_NAME_CHARS} characters", field="requester.name"
        )
    subject = _one_line(_string(body.get("subject"), "subject"))
    if not subject or len(subject) > MAX_SUBJECT_CHARS:
        raise InvalidRequest(f"subject needs 1 to {MAX_SUBJECT_CHARS} characters", field="subject")
    text = _CONTROL.sub("", _string(body.get("text"), "text").replace("\r\n", "\n")).strip()
    if not text:
        raise InvalidRequest("text must be non-empty text", field="text")
    if len(text.encode()) > settings().max_reply_bytes:
        raise InvalidRequest(f"text is larger than {settings().max_reply_bytes // 1024} KB", field="text")
    channel = _channel(body.get("channel", "api"))
    notify = body.get("notify_customer", False)
    if not isinstance(notify, bool):
        raise InvalidRequest("notify_customer must be true or false", field="notify_customer")
    key = idempotency_header if idempotency_header is not None else body.get("external_id")
    if key is not None and (not isinstance(key, str) or not key.strip() or len(key) > MAX_IDEMPOTENCY_CHARS):
        where = "Idempotency-Key" if idempotency_header is not None else "external_id"
        raise InvalidRequest(f"{where} must be 1 to {MAX_IDEMPOTENCY_CHARS} characters", field=where)
    return OpenRequest(
        requester=Address(email=email, name=name),
        subject=subject,
        text=text,
        channel=channel,
        notify_customer=notify,
        mailbox=_optional(body.get("mailbox"), "mailbox"),
        team=_optional(body.get("team"), "team"),
        idempotency_key=key.strip() if isinstance(key, str) else None,
    )


def idempotency_id(principal: AgentProfile, key: str) -> str:
    """The thread-index id a request's key stands for: per principal, so two integrations' keys
    never meet (one could otherwise be answered with a ticket of another's team)."""
    digest = hashlib.sha256(f"{principal.email}\n{key}".encode()).hexdigest()
    return f"<api.{digest}@api.invalid>"


def open_for_customer(principal: AgentProfile, request: OpenRequest) -> Opened:
    """Open the ticket (mailed or logged, see the module) in one of the principal's teams."""
    mailbox = _mailbox(request)
    if not principal.can_see_team(mailbox.team):
        raise Forbidden(
            f"you may open tickets only in your teams ({', '.join(principal.teams)})", field="team"
        )
    if request.requester.email in directory.directory().own_addresses:
        raise InvalidRequest("requester.email is one of the desk's own addresses", field="requester.email")
    idempotency = idempotency_id(principal, request.idempotency_key or secrets.token_hex(16))
    earlier = _earlier(principal, idempotency, request)
    if earlier is not None:
        return Opened(earlier, duplicate=True)
    at = utcnow()
    decided = evaluation.on_created(
        mailbox=mailbox.address,
        team=mailbox.team,
        channel=request.channel,
        sender=request.requester.email,
        subject=request.subject,
        body=request.text,
        at=at,
    )
    new = auto.assigned(
        opening.NewTicket(
            subject=request.subject, requester=request.requester, mailbox=mailbox, decided=decided
        ),
        at,
    )
    if request.notify_customer:
        event = {"type": "opened", "from": "", "to": request.requester.email, "channel": request.channel}
        first, note = event_message(0, principal, at, event), ""
    else:
        first = _logged_message(request, mailbox, at)
        note = (
            f"Logged by {principal.name} ({request.channel}): the customer did not write this text; "
            "nothing was mailed."
        )
    try:
        ticket = opening.open_ticket(new, first, idempotency, note)
    except TransactWriteError as error:
        if opening.is_duplicate(error):
            return Opened(_earlier(principal, idempotency, request) or _missing(), duplicate=True)
        raise
    if request.notify_customer:
        try:
            replies.reply(principal, ticket.number, request.text)
        except DeliveryFailed as error:
            raise DeliveryFailed(
                f"ticket #{ticket.number} was opened, but the mail to the customer was not sent: "
                f"{error.message}. "
                f"Send it with POST /api/tickets/{ticket.number}/replies.",
                ticket=ticket.number,
            ) from None
        ticket = Ticket.get(ticket.number)
    if effects.after_write(decided):
        effects.carry_out(ticket, decided)
    return Opened(ticket, duplicate=False)


def _logged_message(request: OpenRequest, mailbox: Mailbox, at: datetime) -> Message:
    """What the customer told the agent, as their message on the channel it came by."""
    return customer_message(
        request.requester,
        request.channel,
        request.subject,
        at,
        text=request.text,
        visible=request.text,
        to=[mailbox.address],
    )


def _mailbox(request: OpenRequest) -> Mailbox:
    """The mailbox (its address: the From of our mails) and the team the ticket goes to."""
    setup = directory.directory()
    if request.team is not None and request.team not in setup.teams:
        raise InvalidRequest(f"team {request.team!r} does not exist", field="team")
    if request.mailbox is not None:
        found = setup.mailbox_for(request.mailbox)
        if found is None:
            raise InvalidRequest(f"{request.mailbox} is not a mailbox of this desk", field="mailbox")
    elif request.team is not None:
        found = next((m for m in setup.mailboxes if m.team == request.team), None) or setup.default_mailbox
    else:
        found = setup.mailbox_for(settings().default_mailbox.address) or setup.default_mailbox
    return Mailbox(address=found.address, team=request.team or found.team)


def _earlier(principal: AgentProfile, idempotency: str, request: OpenRequest) -> Ticket | None:
    """The ticket an earlier request with this key opened, if it was the same request."""
    try:
        number = ThreadIndex.get(idempotency).ticket_number
    except ThreadIndex.DoesNotExist:
        return None
    ticket = get_ticket(principal, number)
    if (ticket.requester_email, ticket.subject) != (request.requester.email, request.subject):
        raise Unprocessable(
            f"this idempotency key (Idempotency-Key or external_id) opened ticket #{number} for "
            "another customer or subject: use a new key for a new ticket",
            field="idempotency_key",
            ticket=number,
        )
    return ticket


def _missing() -> Ticket:
    raise RuntimeError("the idempotency id was taken, but names no ticket")


def _string(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise InvalidRequest(f"{name} must be text", field=name)
    return value


def _optional(value: object, name: str) -> str | None:
    if value is None or value == "":
        return None
    return _string(value, name).strip()


def _one_line(value: str) -> str:
    return " ".join(_CONTROL.sub(" ", value).split())


def _channel(value: object) -> Channel:
    for channel in CHANNELS:
        if isinstance(value, str) and value == channel:
            return channel
    raise InvalidRequest(f"channel must be one of {', '.join(CHANNELS)}", field="channel")
