"""What a customer does through their private links: read their request, answer it, close it, rate it.

Every entry point starts from a signed token (desk.portal.links); the token is the customer's only key, so
a forged, truncated, swapped or revoked one and a ticket that does not exist are the same NotFound;
an expired one is Gone (its page says where a fresh link is). Replies from the page are rate limited
per ticket and per IP (desk.base.ratelimit), so a leaked link cannot flood the queue.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import TransactWriteError

from chalicelib.desk.base import ratelimit
from chalicelib.desk.base.errors import InvalidRequest, NotFound, TooMany
from chalicelib.desk.portal import links
from chalicelib.desk.ticket import opening, sla
from chalicelib.desk.ticket.queue_keys import view_key_actions
from chalicelib.desk.ticket.records import event_message, message_key, utcnow
from chalicelib.desk.ticket.tickets import thread
from chalicelib.mail.message import Address
from chalicelib.models import Message, ThreadIndex, Ticket, write_transaction

MAX_REPLY_CHARS = 20_000
REPLIES_PER_TICKET_PER_HOUR = 20
REPLIES_PER_IP_PER_HOUR = 30
TOO_MANY_REPLIES = (
    "You have sent many messages in the last hour. Your text is kept below: please send it again "
    "later, or answer by replying to our mail."
)
RATINGS = ("good", "bad")
_ATTEMPTS = 5
# The customer's words for where their request stands.
STATUS_WORDS = {
    "new": "Received: we will answer soon",
    "open": "In progress: we are working on it",
    "pending": "Waiting for your reply",
    "on_hold": "In progress: waiting on a third party",
    "solved": "Solved",
    "closed": "Closed",
    "spam": "Received",
}


@dataclass(frozen=True)
class PublicMessage:
    """A message as the customer may see it: never notes, events or anything about agents' work."""

    from_customer: bool
    author: str
    text: str
    created_at: datetime
    attachments: tuple[str, ...]


def ticket_for(token: str, purpose: str = links.STATUS) -> Ticket:
    """The ticket a genuine, current, unexpired link of `purpose` names."""
    link = links.verify(token, purpose)
    try:
        ticket = Ticket.get(link.number)
    except Ticket.DoesNotExist:
        raise NotFound(links.NOT_FOUND) from None
    link.check(ticket.link_version)
    return ticket


def public_thread(ticket: Ticket) -> list[PublicMessage]:
    """The customer's messages and the replies they were sent, oldest first."""
    return [
        PublicMessage(
            from_customer=message.kind == "customer",
            author=(message.from_name or message.from_email or "")
            if message.kind == "customer"
            else ticket.team,
            text=message.visible_text or message.body_text or "",
            created_at=message.created_at,
            attachments=tuple(a.filename for a in message.attachments or ()),
        )
        for message in thread(ticket.number)
        if message.kind in ("customer", "reply")
    ]


def reply(token: str, text: str, form_key: str, source_ip: str) -> Ticket:
    """The customer's answer from the status page joins the thread as a mailed one would.

    `form_key` comes with the page's form: the same form sent twice is one message, and counts once
    against the rate limits (TooMany past them).
    """
    ticket = ticket_for(token)
    text = text.replace("\r\n", "\n").strip()
    if not text:
        raise InvalidRequest("Please write your message before sending it.")
    if len(text) > MAX_REPLY_CHARS:
        raise InvalidRequest(
            f"Your message is longer than {MAX_REPLY_CHARS:,} characters; please shorten it."
        )
    if ticket.status == "closed":
        raise InvalidRequest("This request is closed. Please open a new one: we will gladly help.")
    idempotency_id = f"<status.{hashlib.sha256(form_key.encode()).hexdigest()[:32]}@web.invalid>"
    try:
        return Ticket.get(ThreadIndex.get(idempotency_id).ticket_number)
    except ThreadIndex.DoesNotExist:
        pass
    if not ratelimit.allow("status-reply-ip", source_ip, REPLIES_PER_IP_PER_HOUR) or not ratelimit.allow(
        "status-reply-ticket", str(ticket.number), REPLIES_PER_TICKET_PER_HOUR
    ):
        raise TooMany(TOO_MANY_REPLIES)
    sender = Address(email=ticket.requester_email, name=ticket.requester_name or "")
    for _ in range(_ATTEMPTS):
        message = Message(
            ticket_number=ticket.number,
            key=message_key(utcnow()),
            kind="customer",
            from_email=sender.email,
            from_name=sender.name or None,
            subject=f"Re: {ticket.subject}",
            body_text=text,
            visible_text=text,
            channel="web",
            created_at=utcnow(),
        )
        try:
            opening.append_message(ticket, sender, message, idempotency_id)
            return Ticket.get(ticket.number)
        except TransactWriteError as error:
            if opening.is_duplicate(error):
                return Ticket.get(ThreadIndex.get(idempotency_id).ticket_number)
            ticket = Ticket.get(ticket.number)  # changed under us: again on the fresh version
    raise InvalidRequest("Your message could not be saved just now; please send it again.")


def close(token: str) -> Ticket:
    """The customer says the request is done: it is solved, as if an agent had solved it."""
    ticket = ticket_for(token)
    if ticket.status in ("solved", "closed", "spam"):
        return ticket
    at = utcnow()
    sla_step = sla.step(ticket, sla.status_changed(ticket, ticket.status, "solved", at))
    actions = [
        Ticket.status.set("solved"),
        *view_key_actions(ticket, "solved", ticket.team, ticket.assignee),
        *sla.touch(ticket, at, sla_step),
    ]
    event = {"type": "customer_solved", "from": ticket.status, "to": "solved"}
    try:
        with write_transaction() as transaction:
            transaction.update(ticket, actions=actions)
            transaction.save(event_message(ticket.number, None, at, event))
    except TransactWriteError:
        raise InvalidRequest("Your request changed just now; please reload the page and try again.") from None
    if sla_step.moved:
        sla.arm(Ticket.get(ticket.number), sla_step.state)
    return Ticket.get(ticket.number)


def rate(token: str, rating: str) -> Ticket:
    """One click of a survey link: the ticket holds one answer, which a later click may change."""
    ticket = ticket_for(token, links.SURVEY)
    if rating not in RATINGS:
        raise NotFound(links.NOT_FOUND)
    if ticket.csat_rating == rating:
        return ticket  # the same link again (or a mail scanner's prefetch): nothing changes
    for _ in range(_ATTEMPTS):
        at = utcnow()
        event = {"type": "csat", "from": ticket.csat_rating or "", "to": rating}
        try:
            with write_transaction() as transaction:
                transaction.update(ticket, actions=[Ticket.csat_rating.set(rating), Ticket.csat_at.set(at)])
                transaction.save(event_message(ticket.number, None, at, event))
            return Ticket.get(ticket.number)
        except TransactWriteError:
            ticket = Ticket.get(ticket.number)  # changed meanwhile (its version moved): again
            if ticket.csat_rating == rating:
                return ticket
    raise InvalidRequest("Your answer could not be saved just now; please click the link again.")


def comment(token: str, text: str) -> Ticket:
    """The optional words that go with a rating."""
    ticket = ticket_for(token, links.SURVEY)
    text = text.replace("\r\n", "\n").strip()[:MAX_REPLY_CHARS]
    if ticket.csat_rating is None:
        raise InvalidRequest("Please choose Good or Bad first.")
    ticket.update(actions=[Ticket.csat_comment.set(text) if text else Ticket.csat_comment.remove()])
    return ticket
