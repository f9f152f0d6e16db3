"""Sending mail about a ticket through SES and recording it so the customer's answer threads back.

Every mail goes to the requester and at most MAX_CC of the ticket's participants (SES refuses more
than 50 recipients, and a reply is no mass mailing); ids and addresses no header can carry (see
`mail.wire`) are left out rather than failing the reply.
"""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.aws import client
from chalicelib.config import settings
from chalicelib.desk.base import storage
from chalicelib.desk.base.errors import DeliveryFailed, InvalidRequest
from chalicelib.desk.base.transactions import retry_on_race
from chalicelib.desk.mail_out.customer_mail import footer
from chalicelib.desk.setup import directory
from chalicelib.desk.ticket import transition
from chalicelib.desk.ticket.records import message_key, thread_entry, utcnow
from chalicelib.mail.addresses import split_address
from chalicelib.mail.compose import HeaderInjectionError, compose
from chalicelib.mail.message import Address, OutboundMail
from chalicelib.mail.sanitize import text_to_html
from chalicelib.mail.threading import (
    extended_references,
    new_message_id,
    plus_address,
    reply_subject,
    ses_message_ids,
    thread_key,
)
from chalicelib.mail.wire import is_outbound_id, unmailable_reason, wire_address
from chalicelib.models import Message, Ticket, write_transaction
from chalicelib.origin import public_url

MAX_CC = 20  # participants copied on one mail, besides the requester
_RECORD_ATTEMPTS = 5  # concurrent changes to one ticket are rare; five is plenty


def ticket_mail(
    ticket: Ticket, sender_name: str, text: str, auto_submitted: str | None = None
) -> OutboundMail:
    """A mail about the ticket to its requester (and CC'd participants), threaded on its history,
    ending with the footer every customer mail carries (the status page link, the branding)."""
    mailbox = ticket.mailbox
    requester = ticket.requester_email
    own = directory.directory().own_addresses
    cc = sorted(
        p
        for p in (ticket.participants or ())
        if p != requester and p not in own and unmailable_reason(p) is None
    )[:MAX_CC]
    in_reply_to = ticket.last_inbound_message_id
    # No mail in the thread yet (a ticket an agent, the form or a call opened): nothing to answer.
    answering = bool(in_reply_to or ticket.references)
    return OutboundMail(
        from_=Address(email=mailbox, name=sender_name),
        to=(Address(email=requester, name=ticket.requester_name or ""),),
        cc=tuple(Address(email=p) for p in cc),
        reply_to=Address(email=plus_address(mailbox, ticket.number), name=ticket.team),
        subject=reply_subject(ticket.subject, ticket.number, answering),
        text=f"{text.rstrip()}\n\n{footer(ticket)}",
        html=text_to_html(f"{text.rstrip()}\n\n{footer(ticket)}"),
        message_id=new_message_id(split_address(mailbox)[1], ticket.number),
        in_reply_to=in_reply_to if in_reply_to and is_outbound_id(in_reply_to) else None,
        references=tuple(r for r in ticket.references or () if is_outbound_id(r)),
        auto_submitted=auto_submitted,
    )


def agent_mail(
    mailbox: str, to: tuple[Address, ...], subject: str, text: str, number: int = 0
) -> OutboundMail:
    """A mail from the help desk itself to agents (SLA alerts, digests): from the mailbox as
    "Help desk", marked automatic (RFC 3834) so no auto-responder answers it."""
    return OutboundMail(
        from_=Address(email=mailbox, name="Help desk"),
        to=to,
        subject=subject,
        text=text,
        html=text_to_html(text),
        message_id=new_message_id(split_address(mailbox)[1], number),
        auto_submitted="auto-generated",
    )


def ticket_alert(ticket: Ticket, to: tuple[Address, ...], subject: str, headline: str) -> OutboundMail:
    """An `agent_mail` about a ticket (SLA alerts, wake-ups, due reminders): the headline, then the
    ticket's subject, requester, priority and team, and its link in the agent app."""
    text = (
        f"{headline}\n\n"
        f"    {ticket.subject}\n"
        f"    Requester: {ticket.requester_email}   Priority: {ticket.priority}   Team: {ticket.team}\n\n"
        f"{public_url()}/tickets/{ticket.number}\n"
    )
    return agent_mail(ticket.mailbox, to, subject, text, ticket.number)


def send(mail: OutboundMail) -> str:
    """Hand the composed MIME to SES; returns the MessageId SES assigned. A value no header can
    carry (the customer's address, say) is refused naming the header, before anything is sent."""
    from botocore.exceptions import ClientError

    try:
        raw = compose(mail)
    except HeaderInjectionError as error:
        raise InvalidRequest(f"this mail cannot be sent: {error}", field=error.field.lower()) from None
    recipients = [wire_address(a.email) for a in (*mail.to, *mail.cc)]
    try:
        response = client("sesv2").send_email(
            FromEmailAddress=mail.from_.email,
            Destination={"ToAddresses": recipients},
            Content={"Raw": {"Data": raw}},
        )
    except ClientError as error:
        raise DeliveryFailed(
            f"SES refused the message: {error.response['Error'].get('Message', error)}"
        ) from None
    return response["MessageId"]


def send_and_record(
    ticket: Ticket,
    mail: OutboundMail,
    *,
    kind: str,
    author: Address,
    automatic: bool = False,
    ticket_changes: Callable[[Ticket], transition.Transition] | None = None,
    shown_text: str | None = None,
) -> tuple[Message, Ticket]:
    """Send, then write the message, its thread ids and the ticket change in one transaction.

    The mail is sent first: a recorded reply that never left would mislead the agent. So that
    nothing is sent that cannot be recorded, bodies too large for the item go to S3 before sending.
    Recording retries on a concurrent ticket change (any other failure propagates), asking
    `ticket_changes` (the transition of the ticket version it is given: its actions and events go
    into the same transaction) again for the fresh version.
    `shown_text` is what the thread shows of it (the agent's own words; default the whole mail).
    What the desk sends by itself (`automatic`, with no `ticket_changes`: acknowledgements, notices)
    leaves the ticket item alone: it is no news to an agent, so it neither moves the ticket in its
    queue nor changes the version an agent's reply is checked against (the thread index still
    finds the ticket from an answer to it).
    Returns the message and the ticket version the committed change was computed from.
    """
    text, html, visible, body_key = storage.fit_bodies(
        mail.text, mail.html, shown_text or mail.text, storage.blob_prefix(mail.message_id)
    )
    ses_id = send(mail)
    at = utcnow()
    message = Message(
        ticket_number=ticket.number,
        key=message_key(at),
        kind=kind,
        from_email=author.email,
        from_name=author.name,
        to=[a.email for a in mail.to],
        cc=[a.email for a in mail.cc] or None,
        subject=mail.subject,
        body_text=text,
        body_html=html,
        visible_text=visible,
        body_s3_key=body_key,
        message_id=thread_key(mail.message_id),
        ses_message_id=ses_id,
        automatic=automatic,
        created_at=at,
    )
    ids = (thread_key(mail.message_id), *ses_message_ids(ses_id, settings().region))

    def record(attempt: int) -> tuple[Message, Ticket]:
        current = ticket if attempt == 0 else Ticket.get(ticket.number)  # a race: the fresh version
        with write_transaction() as transaction:
            transaction.save(message)
            for message_id in ids:
                transaction.save(thread_entry(message_id, current.number, "out", at))
            if not automatic or ticket_changes is not None:
                references = extended_references(current.references, mail.message_id)
                changed = ticket_changes(current) if ticket_changes else transition.change(current, at, None)
                for event in changed.events:
                    transaction.save(event)
                transaction.update(current, actions=[*changed.actions, Ticket.references.set(references)])
        return message, current

    return retry_on_race(record, _RECORD_ATTEMPTS)
