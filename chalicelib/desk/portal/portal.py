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
from chalicelib.desk.base.transactions import is_race, retry_on_race
from chalicelib.desk.portal import links
from chalicelib.desk.ticket import opening, sla, transition
from chalicelib.desk.ticket.records import customer_message, event_message, utcnow
from chalicelib.desk.ticket.tickets import thread
from chalicelib.mail.message import Address
from chalicelib.models import ThreadIndex, Ticket, write_transaction

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

    def append(attempt: int) -> Ticket:
        current = ticket if attempt == 0 else Ticket.get(ticket.number)  # a race: the fresh version
        message = customer_message(
            sender,
            "web",
            f"Re: {current.subject}",
            utcnow(),
            text=text,
            visible=text,
            ticket_number=current.number,
        )
        try:
            opening.append_message(current, sender, message, idempotency_id)
        except TransactWriteError as error:
            if not opening.is_duplicate(error):
                raise
            return Ticket.get(ThreadIndex.get(idempotency_id).ticket_number)
        return Ticket.get(current.number)

    gave_up = InvalidRequest("Your message could not be saved just now; please send it again.")
    return retry_on_race(append, _ATTEMPTS, gave_up)


def close(token: str) -> Ticket:
    """The customer says the request is done: it is solved, as if an agent had solved it."""
    ticket = ticket_for(token)
    if ticket.status in ("solved", "closed", "spam"):
        return ticket
    solving = transition.change(ticket, utcnow(), None, status="solved", status_event="customer_solved")
    try:
        with write_transaction() as transaction:
            transaction.update(ticket, actions=solving.actions)
            for event in solving.events:
                transaction.save(event)
    except TransactWriteError as error:
        if not is_race(error):
            raise
        raise InvalidRequest("Your request changed just now; please reload the page and try again.") from None
    if solving.sla_step.moved:
        sla.arm(Ticket.get(ticket.number), solving.sla_step.state)
    return Ticket.get(ticket.number)


def rate(token: str, rating: str) -> Ticket:
    """One click of a survey link: the ticket holds one answer, which a later click may change."""
    ticket = ticket_for(token, links.SURVEY)
    if rating not in RATINGS:
        raise NotFound(links.NOT_FOUND)
    if ticket.csat_rating == rating:
        return ticket  # the same link again (or a mail scanner's prefetch): nothing changes

    def record(attempt: int) -> Ticket:
        current = ticket if attempt == 0 else Ticket.get(ticket.number)  # its version moved: again
        if current.csat_rating == rating:
            return current
        at = utcnow()
        event = {"type": "csat", "from": current.csat_rating or "", "to": rating}
        with write_transaction() as transaction:
            transaction.update(current, actions=[Ticket.csat_rating.set(rating), Ticket.csat_at.set(at)])
            transaction.save(event_message(current.number, None, at, event))
        return Ticket.get(current.number)

    gave_up = InvalidRequest("Your answer could not be saved just now; please click the link again.")
    return retry_on_race(record, _ATTEMPTS, gave_up)


def comment(token: str, text: str) -> Ticket:
    """The optional words that go with a rating."""
    ticket = ticket_for(token, links.SURVEY)
    text = text.replace("\r\n", "\n").strip()[:MAX_REPLY_CHARS]
    if ticket.csat_rating is None:
        raise InvalidRequest("Please choose Good or Bad first.")
    ticket.update(actions=[Ticket.csat_comment.set(text) if text else Ticket.csat_comment.remove()])
    return ticket
