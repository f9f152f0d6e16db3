"""Turning a received mail into a ticket, or into a new message on the ticket it answers.

Idempotent by construction: the first item of every ingestion transaction is a conditional put of
the mail's Message-ID into the thread index, so a redelivered mail (SES or Lambda retry, the same
mail sent twice) cancels its own transaction and is reported as a duplicate. Attachments and large
bodies go to S3 first under keys derived from that id, so a retry overwrites rather than adds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from pynamodb.exceptions import TransactWriteError

from chalicelib.config import Mailbox
from chalicelib.desk import acknowledgement, directory, opening, storage
from chalicelib.desk.records import message_key, utcnow
from chalicelib.mail.message import Address, ParsedMail
from chalicelib.mail.parse import parse_mail
from chalicelib.mail.threading import ticket_number_in_address, ticket_number_in_subject
from chalicelib.models import AttachmentRef, Message, ThreadIndex, Ticket

MAX_LOOKUP_IDS = 50
MAX_MERGE_HOPS = 5  # a merged ticket points at its target; never follow a chain (or loop) further
UNKNOWN_SENDER = Address(email="unknown-sender@invalid", name="Unknown sender")
_ATTEMPTS = 5


@dataclass(frozen=True)
class Delivery:
    """What SES tells us about a received mail; the mail itself is in S3."""

    s3_key: str
    ses_message_id: str
    recipients: tuple[str, ...] = ()
    envelope_sender: str = ""
    verdicts: dict[str, str] = field(default_factory=dict)

    @property
    def is_spam(self) -> bool:
        return self.verdicts.get("spam") == "FAIL" or self.verdicts.get("virus") == "FAIL"


@dataclass(frozen=True)
class IngestResult:
    outcome: str  # created | appended | duplicate
    ticket_number: int
    acknowledged: bool = False
    note: str = ""


def ingest(delivery: Delivery) -> IngestResult:
    raw = storage.get_object(delivery.s3_key)
    return ingest_mail(parse_mail(raw), raw, delivery)


def ingest_mail(mail: ParsedMail, raw: bytes, delivery: Delivery) -> IngestResult:
    idempotency_id = mail.message_id or f"<sha256.{hashlib.sha256(raw).hexdigest()}@inbound.invalid>"
    header_ids = _thread_ids(mail)
    known = {
        row.message_id: row.ticket_number for row in ThreadIndex.batch_get([idempotency_id, *header_ids])
    }
    if idempotency_id in known:
        return IngestResult("duplicate", known[idempotency_id], note="message already received")
    sender = _sender(mail, delivery)
    blob_prefix = hashlib.sha256(idempotency_id.encode()).hexdigest()[:32]
    message = _customer_message(mail, delivery, sender, blob_prefix)
    for _ in range(_ATTEMPTS):
        ticket = None if delivery.is_spam else _matching_ticket(mail, delivery, sender, header_ids, known)
        try:
            if ticket is None or ticket.status == "closed":
                return _open_ticket(mail, delivery, sender, message, idempotency_id, follow_up_of=ticket)
            return _append(ticket, mail, sender, message, idempotency_id)
        except TransactWriteError as error:
            if opening.is_duplicate(error):
                existing = ThreadIndex.get(idempotency_id)
                return IngestResult("duplicate", existing.ticket_number, note="delivered concurrently")
            # The ticket changed under us (an agent, another mail): read it again and retry.
    raise RuntimeError(f"could not record {idempotency_id} after {_ATTEMPTS} attempts")


def _thread_ids(mail: ParsedMail) -> list[str]:
    """Ids this mail answers, most direct first: In-Reply-To, then References newest first."""
    ordered = dict.fromkeys([*mail.in_reply_to, *reversed(mail.references)])
    ordered.pop(mail.message_id, None)
    return list(ordered)[:MAX_LOOKUP_IDS]


def _sender(mail: ParsedMail, delivery: Delivery) -> Address:
    if mail.from_ and mail.from_.email:
        return mail.from_
    if mail.reply_to:
        return mail.reply_to[0]
    if "@" in delivery.envelope_sender:
        return Address(email=delivery.envelope_sender.lower())
    return UNKNOWN_SENDER


def _matching_ticket(
    mail: ParsedMail, delivery: Delivery, sender: Address, header_ids: list[str], known: dict[str, int]
) -> Ticket | None:
    """The ticket this mail continues: by our thread index first, then by reference when the sender
    already takes part in that ticket (a stranger's `Re: [#1042]` gets a ticket of its own)."""
    for message_id in header_ids:
        if message_id in known:
            ticket = _get(known[message_id])
            if ticket is not None:
                return ticket
    for number in _referenced_numbers(mail, delivery):
        ticket = _get(number)
        if ticket is not None and sender.email in _participants(ticket):
            return ticket
    return None


def _referenced_numbers(mail: ParsedMail, delivery: Delivery) -> Iterable[int]:
    number = ticket_number_in_subject(mail.subject)
    if number is not None:
        yield number
    for address in _recipient_addresses(mail, delivery):
        for mailbox in directory.directory().mailboxes:
            number = ticket_number_in_address(address, mailbox.address)
            if number is not None:
                yield number


def _recipient_addresses(mail: ParsedMail, delivery: Delivery) -> list[str]:
    return list(dict.fromkeys([*delivery.recipients, *(a.email for a in (*mail.to, *mail.cc))]))


def _participants(ticket: Ticket) -> set[str]:
    return {ticket.requester_email, *(ticket.participants or ())}


def _get(number: int) -> Ticket | None:
    """The ticket, or the one it was merged into (mail for a merged ticket lands on its target)."""
    ticket = None
    for _ in range(MAX_MERGE_HOPS):
        try:
            ticket = Ticket.get(number)
        except Ticket.DoesNotExist:
            return ticket
        if ticket.merged_into is None:
            return ticket
        number = ticket.merged_into
    return ticket


def _mailbox(mail: ParsedMail, delivery: Delivery) -> Mailbox:
    for address in _recipient_addresses(mail, delivery):
        mailbox = directory.directory().mailbox_for(address)
        if mailbox is not None:
            return mailbox
    return directory.directory().default_mailbox


def _copied(mail: ParsedMail, sender: Address) -> set[str]:
    """People the customer copied in: they may write to the ticket too."""
    setup = directory.directory()
    return {a.email for a in mail.cc if a.email != sender.email and setup.mailbox_for(a.email) is None}


def _open_ticket(
    mail: ParsedMail,
    delivery: Delivery,
    sender: Address,
    message: Message,
    idempotency_id: str,
    *,
    follow_up_of: Ticket | None,
) -> IngestResult:
    new = opening.NewTicket(
        subject=mail.subject,
        requester=sender,
        mailbox=_mailbox(mail, delivery),
        status="spam" if delivery.is_spam else "new",
        participants=frozenset(_copied(mail, sender)),
        last_inbound_message_id=mail.message_id,
        references=(*mail.references, *([mail.message_id] if mail.message_id else []))[
            -opening.MAX_REFERENCES :
        ],
        follow_up_of=follow_up_of.number if follow_up_of else None,
    )
    ticket = opening.open_ticket(new, message, idempotency_id)
    acknowledged = False
    note = "spam verdict: kept out of the queue" if delivery.is_spam else ""
    if not delivery.is_spam:
        acknowledged, note = acknowledgement.acknowledge(ticket, mail, mail.visible_text or mail.text)
    return IngestResult("created", ticket.number, acknowledged=acknowledged, note=note)


def _append(
    ticket: Ticket, mail: ParsedMail, sender: Address, message: Message, idempotency_id: str
) -> IngestResult:
    newcomers = frozenset((_copied(mail, sender) | {sender.email}) - _participants(ticket))
    opening.append_message(
        ticket, sender, message, idempotency_id, message_id=mail.message_id, newcomers=newcomers
    )
    return IngestResult("appended", ticket.number)


def _customer_message(mail: ParsedMail, delivery: Delivery, sender: Address, blob_prefix: str) -> Message:
    """The message item; bodies too large for DynamoDB and every attachment go to S3 first."""
    at = utcnow()
    attachments = []
    for position, attachment in enumerate(mail.attachments):
        key = storage.attachment_key(blob_prefix, position, attachment.filename)
        storage.put_object(key, attachment.content, attachment.content_type)
        attachments.append(
            AttachmentRef(
                id=str(position),
                filename=attachment.filename,
                content_type=attachment.content_type,
                size=attachment.size,
                s3_key=key,
                content_id=attachment.content_id,
                inline=attachment.inline,
            )
        )
    text, html, visible, body_key = opening.fit_bodies(mail.text, mail.html, mail.visible_text, blob_prefix)
    return Message(
        ticket_number=0,
        key=message_key(at),
        kind="customer",
        from_email=sender.email,
        from_name=sender.name or None,
        to=[a.email for a in mail.to] or None,
        cc=[a.email for a in mail.cc] or None,
        subject=mail.subject,
        body_text=text,
        body_html=html,
        visible_text=visible,
        body_s3_key=body_key,
        attachments=attachments or None,
        message_id=mail.message_id,
        raw_s3_key=delivery.s3_key,
        channel="email",
        verdicts=delivery.verdicts or None,
        created_at=at,
    )
