"""Turning a received mail into a ticket, or into a new message on the ticket it answers.

Idempotent by construction: the first item of every ingestion transaction is a conditional put of
the mail's Message-ID into the thread index, so a redelivered mail (SES or Lambda retry, the same
mail sent twice) cancels its own transaction and is reported as a duplicate. Attachments and large
bodies go to S3 first under keys derived from that id, so a retry overwrites rather than adds.
Whatever arrives, the raw mail stays in S3; what the desk could not use (an address it cannot mail,
files it withheld) is told to the agents in an automatic internal note.

Who may do what depends on whether the From is authenticated (`mail.authentication`: DMARC passed,
or DKIM signed by the From's domain). Anyone may write to a ticket whose message id they know (a
colleague the customer forwarded to); only an authenticated sender who takes part in a ticket finds
it by `[#N]` or `support+N@` (which anyone can type), and only an authenticated sender brings people
into a ticket. A mail whose sender is not authenticated is marked `unverified_sender` for agents.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from pynamodb.exceptions import TransactWriteError

from chalicelib.config import Mailbox
from chalicelib.desk.assignment import auto
from chalicelib.desk.base import storage
from chalicelib.desk.base.note_text import from_mail, listed
from chalicelib.desk.base.transactions import retry_on_race
from chalicelib.desk.intake import acknowledgement
from chalicelib.desk.mail_out.outbound import MAX_CC
from chalicelib.desk.rules import effects, evaluation
from chalicelib.desk.setup import directory
from chalicelib.desk.ticket import opening
from chalicelib.desk.ticket.records import attachment_ref, customer_message, utcnow
from chalicelib.mail.addresses import split_address
from chalicelib.mail.authentication import authenticated, within
from chalicelib.mail.message import Address, Attachment, ParsedMail
from chalicelib.mail.parse import parse_mail
from chalicelib.mail.threading import (
    extended_references,
    thread_key,
    ticket_number_in_address,
    ticket_number_in_subject,
)
from chalicelib.mail.wire import unmailable_reason
from chalicelib.models import Message, ThreadIndex, Ticket
from chalicelib.observability import logger

MAX_LOOKUP_IDS = 50
MAX_MERGE_HOPS = 5  # a merged ticket points at its target; never follow a chain (or loop) further
MAX_ATTACHMENTS = 100  # files stored per mail; the raw mail keeps the rest
MAX_LISTED_NOTES = 10  # one line each in a note, then a count
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
    null_sender: bool = False  # MAIL FROM:<> (bounces, vacation replies): never answered
    authentication_results: str = ""  # the Authentication-Results header SES added, "" if none

    @property
    def is_spam(self) -> bool:
        return self.verdicts.get("spam") == "FAIL" or self.has_virus

    @property
    def has_virus(self) -> bool:
        return self.verdicts.get("virus") == "FAIL"


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
    if mail.defects:
        logger.info("mail repaired", extra={"s3_key": delivery.s3_key, "defects": list(mail.defects)})
    own_id = thread_key(mail.message_id) if mail.message_id else None
    idempotency_id = own_id or f"<sha256.{hashlib.sha256(raw).hexdigest()}@inbound.invalid>"
    header_ids = _thread_ids(mail, own_id)
    known = {
        row.message_id: row.ticket_number for row in ThreadIndex.batch_get([idempotency_id, *header_ids])
    }
    if idempotency_id in known:
        return IngestResult("duplicate", known[idempotency_id], note="message already received")
    sender = _sender(mail, delivery)
    verified = _verified(mail, delivery)
    message, notes = _customer_message(mail, delivery, sender, verified, storage.blob_prefix(idempotency_id))

    def record(_: int) -> IngestResult:
        """One attempt on the ticket as it is now (a race means it changed: an agent, another mail)."""
        ticket = None
        if not delivery.is_spam:
            ticket = _matching_ticket(mail, delivery, sender, header_ids, known, verified=verified)
        try:
            if ticket is None or ticket.status == "closed":
                return _open_ticket(
                    mail,
                    delivery,
                    sender,
                    message,
                    idempotency_id,
                    verified=verified,
                    notes=notes,
                    follow_up_of=ticket,
                )
            return _append(
                ticket,
                mail,
                sender,
                message,
                idempotency_id,
                verified=verified,
                notes=notes,
                null_sender=delivery.null_sender,
            )
        except TransactWriteError as error:
            if not opening.is_duplicate(error):
                raise
            existing = ThreadIndex.get(idempotency_id)
            return IngestResult("duplicate", existing.ticket_number, note="delivered concurrently")

    gave_up = RuntimeError(f"could not record {idempotency_id} after {_ATTEMPTS} attempts")
    try:
        return retry_on_race(record, _ATTEMPTS, gave_up)
    except TransactWriteError as error:
        raise RuntimeError(
            f"could not record {idempotency_id} (raw mail kept at {delivery.s3_key}): "
            f"{error.cause_response_code}: {error.cause_response_message}"
        ) from error


def _thread_ids(mail: ParsedMail, own_id: str | None) -> list[str]:
    """Index keys of the ids this mail answers, most direct first: In-Reply-To, then References
    newest first."""
    ordered = dict.fromkeys(thread_key(i) for i in (*mail.in_reply_to, *reversed(mail.references)))
    if own_id:
        ordered.pop(own_id, None)
    return list(ordered)[:MAX_LOOKUP_IDS]


def _sender(mail: ParsedMail, delivery: Delivery) -> Address:
    if mail.from_ and mail.from_.email:
        return mail.from_
    if mail.reply_to:
        return mail.reply_to[0]
    if "@" in delivery.envelope_sender:
        return Address(email=delivery.envelope_sender.lower())
    return UNKNOWN_SENDER


def _verified(mail: ParsedMail, delivery: Delivery) -> bool:
    """Whether the mail's From is authenticated; a mail without one (its sender taken from Reply-To
    or the envelope) is not."""
    from_address = mail.from_.email if mail.from_ else ""
    return authenticated(from_address, delivery.verdicts, delivery.authentication_results, _our_domains())


def _matching_ticket(
    mail: ParsedMail,
    delivery: Delivery,
    sender: Address,
    header_ids: list[str],
    known: dict[str, int],
    *,
    verified: bool,
) -> Ticket | None:
    """The ticket this mail continues: by our thread index first (whoever sends it), then by
    reference when the sender is authenticated and already takes part in that ticket (a stranger's,
    or a forged, `Re: [#1042]` gets a ticket of its own)."""
    for message_id in header_ids:
        if message_id in known:
            ticket = _get(known[message_id])
            if ticket is not None:
                return ticket
    if not verified:
        return None
    for number in _referenced_numbers(mail, delivery):
        ticket = _get(number)
        if ticket is not None and sender.email in _participants(ticket):
            return ticket
    return None


def _referenced_numbers(mail: ParsedMail, delivery: Delivery) -> Iterator[int]:
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


def _our_domains() -> set[str]:
    return {mailbox.domain for mailbox in directory.directory().mailboxes}


def _our_organisation(address: str) -> bool:
    """Whether the address is on one of our mail domains or below one: a colleague, not a stranger
    (only once authenticated, which on our domains takes DMARC passing)."""
    domain = split_address(address)[1].lower()
    return any(within(domain, ours) for ours in _our_domains())


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


def _copied(mail: ParsedMail, sender: Address) -> list[Address]:
    """People the customer copied in (not our mailboxes): they may write to the ticket too."""
    setup = directory.directory()
    return [a for a in mail.cc if a.email != sender.email and setup.mailbox_for(a.email) is None]


def _joining(people: Iterable[Address], room: int) -> tuple[frozenset[str], list[str]]:
    """Who of `people` joins the ticket (at most `room`: a ticket has no more participants than a
    mail is copied to), and what the agents are told about the rest: an address replies cannot be
    sent to is no participant."""
    joining: list[str] = []
    unmailable: list[tuple[str, str]] = []
    left_out: list[str] = []
    for person in people:
        reason = unmailable_reason(person.email)
        if reason is not None:
            unmailable.append((person.email, reason))
        elif len(joining) < room:
            joining.append(person.email)
        else:
            left_out.append(person.email)
    notes = [
        f"The mail copied {from_mail(email)}, but replies cannot be sent to it: {reason}."
        for email, reason in unmailable[:MAX_LISTED_NOTES]
    ]
    if len(unmailable) > MAX_LISTED_NOTES:
        notes.append(f"{len(unmailable) - MAX_LISTED_NOTES} more copied addresses cannot be mailed either.")
    if left_out:
        notes.append(
            f"Replies go to at most {MAX_CC} people besides the customer, so these the mail copied "
            f"were not added: {listed(left_out)}."
        )
    return frozenset(joining), notes


def _not_joining(people: list[Address]) -> list[str]:
    """What the agents are told when an unauthenticated mail copied people: they are not added
    (the mail keeps its Cc), since anyone can write any From."""
    if not people:
        return []
    return [
        "The sender could not be verified (no DMARC pass or DKIM signature of the From's domain), "
        f"so the people the mail copied were not added to the ticket: {listed([p.email for p in people])}."
    ]


def _open_ticket(
    mail: ParsedMail,
    delivery: Delivery,
    sender: Address,
    message: Message,
    idempotency_id: str,
    *,
    verified: bool,
    notes: list[str],
    follow_up_of: Ticket | None,
) -> IngestResult:
    """A new ticket for the mail. Only an authenticated sender brings the people it copied in as
    participants (copied on replies); the acknowledgement goes to the sender alone."""
    copied = _copied(mail, sender)
    participants, copy_notes = _joining(copied, MAX_CC) if verified else (frozenset(), _not_joining(copied))
    requester_problem = unmailable_reason(sender.email)
    if requester_problem is not None:
        copy_notes.insert(
            0,
            f"Mail cannot be sent to the customer's address {from_mail(sender.email)}: {requester_problem}. "
            "No acknowledgement went out and replies cannot be mailed; answer by another channel.",
        )
    referenced = None if verified or follow_up_of else next(_referenced_numbers(mail, delivery), None)
    if referenced is not None:
        copy_notes.insert(
            0,
            f"This mail refers to ticket #{referenced}, but its sender could not be verified, so it "
            "opened a ticket of its own: merge it there if it belongs to that ticket.",
        )
    mailbox = _mailbox(mail, delivery)
    decided = evaluation.NOTHING
    if not delivery.is_spam:
        decided = evaluation.on_created(
            mailbox=mailbox.address,
            team=mailbox.team,
            channel="email",
            sender=sender.email,
            subject=mail.subject,
            body=mail.visible_text or mail.text,
            at=message.created_at,
            has_attachments=bool(message.attachments),
            headers=mail.headers,
        )
    new = opening.NewTicket(
        subject=mail.subject,
        requester=sender,
        mailbox=mailbox,
        status="spam" if delivery.is_spam else "new",
        participants=participants,
        last_inbound_message_id=mail.message_id,
        references=tuple(extended_references(mail.references, mail.message_id)),
        follow_up_of=follow_up_of.number if follow_up_of else None,
        decided=decided,
    )
    new = auto.assigned(new, message.created_at)
    ticket = opening.open_ticket(new, message, idempotency_id, note="\n".join([*notes, *copy_notes]))
    if delivery.is_spam:
        return IngestResult("created", ticket.number, note="spam verdict: kept out of the queue")
    try:
        if effects.mails_customer(decided):  # the rules' answer takes the acknowledgement's place
            acknowledged = effects.carry_out(ticket, decided, mail=mail, null_sender=delivery.null_sender)
            note = "" if acknowledged else "the rules' mail was not sent (see the ticket's events)"
        else:
            effects.carry_out(ticket, decided, mail=mail, null_sender=delivery.null_sender)
            acknowledged, note = acknowledgement.acknowledge(
                ticket, mail, mail.visible_text or mail.text, null_sender=delivery.null_sender
            )
    except Exception as error:  # the ticket is committed; a retry would only find a duplicate
        logger.exception("acknowledgement failed", extra={"ticket": ticket.number})
        acknowledged, note = False, f"acknowledgement failed: {error}"
    return IngestResult("created", ticket.number, acknowledged=acknowledged, note=note)


def _append(
    ticket: Ticket,
    mail: ParsedMail,
    sender: Address,
    message: Message,
    idempotency_id: str,
    *,
    verified: bool,
    notes: list[str],
    null_sender: bool = False,
) -> IngestResult:
    """The mail joins the ticket. Its sender and the people it copies join the ticket's people only
    when the sender is authenticated and already takes part or is one of ours: knowing a thread id
    (a forwarded mail) lets a stranger write to a ticket, not be copied on every reply."""
    present = _participants(ticket)
    newcomers: frozenset[str] = frozenset()
    copy_notes: list[str] = []
    if not verified:
        copy_notes = _not_joining([p for p in _copied(mail, sender) if p.email not in present])
    elif sender.email in present or _our_organisation(sender.email):
        candidates = [p for p in (sender, *_copied(mail, sender)) if p.email not in present]
        newcomers, copy_notes = _joining(candidates, MAX_CC - len(ticket.participants or ()))
    decided = evaluation.on_customer_reply(
        ticket,
        status="open" if ticket.status in opening.REOPENING_STATUSES else ticket.status,
        channel="email",
        body=mail.visible_text or mail.text,
        at=message.created_at,
        has_attachments=bool(message.attachments),
        headers=mail.headers,
    )
    opening.append_message(
        ticket,
        sender,
        message,
        idempotency_id,
        message_id=mail.message_id,
        newcomers=newcomers,
        note="\n".join([*notes, *copy_notes]),
        decided=decided,
    )
    if effects.after_write(decided):
        effects.carry_out(Ticket.get(ticket.number), decided, mail=mail, null_sender=null_sender)
    return IngestResult("appended", ticket.number)


def _customer_message(
    mail: ParsedMail, delivery: Delivery, sender: Address, verified: bool, blob_prefix: str
) -> tuple[Message, list[str]]:
    """The message item and the notes the agents need about it; bodies too large for DynamoDB and
    the attachments go to S3 first. A virus verdict withholds every attachment (the raw mail keeps
    them); past MAX_ATTACHMENTS the rest stay in the raw mail only."""
    stored, notes = _storable(mail, delivery)
    attachments = []
    for position, attachment in enumerate(stored):
        ref = attachment_ref(
            blob_prefix, position, attachment, content_id=attachment.content_id, inline=attachment.inline
        )
        storage.put_object(ref.s3_key, attachment.content, attachment.content_type)
        attachments.append(ref)
    text, html, visible, body_key = storage.fit_bodies(mail.text, mail.html, mail.visible_text, blob_prefix)
    message = customer_message(
        sender,
        "email",
        mail.subject,
        utcnow(),
        text=text,
        visible=visible,
        to=[a.email for a in mail.to] or None,
        cc=[a.email for a in mail.cc] or None,
        body_html=html,
        body_s3_key=body_key,
        attachments=attachments or None,
        message_id=thread_key(mail.message_id) if mail.message_id else None,
        raw_s3_key=delivery.s3_key,
        verdicts=delivery.verdicts or None,
        unverified_sender=None if verified else True,
    )
    return message, notes


def _storable(mail: ParsedMail, delivery: Delivery) -> tuple[tuple[Attachment, ...], list[str]]:
    """The attachments to store for download, and what the agents are told about the others."""
    if delivery.has_virus and mail.attachments:
        names = listed([a.filename for a in mail.attachments])
        return (), [
            "The virus scan failed, so the attachments were withheld (not downloadable); "
            f"the mail names them {names}."
        ]
    if len(mail.attachments) > MAX_ATTACHMENTS:
        left = len(mail.attachments) - MAX_ATTACHMENTS
        return mail.attachments[:MAX_ATTACHMENTS], [
            f"Only the first {MAX_ATTACHMENTS} attachments are stored; {left} more are in the raw mail only."
        ]
    return mail.attachments, []
