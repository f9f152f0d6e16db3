"""Requests from the public web form: presigned uploads, and submissions that open a ticket.

A submission opens its ticket through `desk.ticket.opening` like a mail does. Its idempotency id is the
form token's id, put conditionally into the thread index in the ticket's creating transaction:
the same form sent twice (a double click, a reload, two tabs racing) makes one ticket, and the
second answer names it. Abuse limits (per address and per IP, `desk.base.ratelimit`) count only
submissions that would create a ticket; a repeat of one already created is answered first.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from pynamodb.exceptions import TransactWriteError

from chalicelib.config import Mailbox, settings
from chalicelib.desk.assignment import auto
from chalicelib.desk.base import ratelimit, storage
from chalicelib.desk.base.errors import InvalidRequest, NotFound, TooMany
from chalicelib.desk.intake import acknowledgement
from chalicelib.desk.intake.request_form import (
    MAX_FILES,
    MAX_TOTAL_BYTES,
    RequestForm,
    content_type_for,
    form_id,
    safe_filename,
    upload_error,
    upload_key,
    uploaded_filename,
)
from chalicelib.desk.rules import effects, evaluation
from chalicelib.desk.setup import directory
from chalicelib.desk.ticket import opening
from chalicelib.desk.ticket.records import attachment_ref, customer_message, utcnow
from chalicelib.mail.autoreply import normalised_address
from chalicelib.mail.message import Address
from chalicelib.models import AttachmentRef, ThreadIndex
from chalicelib.observability import logger

REQUESTS_PER_ADDRESS_PER_HOUR = 5
REQUESTS_PER_IP_PER_HOUR = 20
UPLOADS_PER_IP_PER_HOUR = 60
TOO_MANY = (
    "You have sent us many requests in the last hour. Your text is kept below: please send it again "
    "later, or write to us by email."
)


@dataclass(frozen=True)
class Submitted:
    number: int
    duplicate: bool  # this form had been sent before: the answer names the ticket it made then
    acknowledged: bool = False


@dataclass(frozen=True)
class Upload:
    key: str
    filename: str
    size: int
    content_type: str


def mailbox_named(local_part: str | None) -> Mailbox:
    """The mailbox whose address starts with `local_part` (`billing` → billing@…); None: the
    deployment's first configured mailbox (the directory lists mailboxes by address, not in the
    configured order), or the directory's first when an admin removed that one."""
    setup = directory.directory()
    if local_part is None:
        return setup.mailbox_for(settings().default_mailbox.address) or setup.default_mailbox
    wanted = local_part.lower()
    for mailbox in setup.mailboxes:
        if mailbox.local_part == wanted:
            return mailbox
    raise NotFound("this page does not exist")


def presign_upload(token: str, filename: str, size: int, source_ip: str) -> dict[str, Any]:
    """Where and how the browser uploads one file for this form: `{url, fields, key, filename}`."""
    owner = form_id(token)
    name = safe_filename(filename)
    problem = upload_error(name, size)
    if problem:
        raise InvalidRequest(problem)
    if not ratelimit.allow("upload-ip", source_ip, UPLOADS_PER_IP_PER_HOUR):
        raise TooMany("Too many uploads from your network in the last hour. Please try again later.")
    key = upload_key(owner, name)
    post = storage.presigned_post(key, content_type_for(name) or "", size)
    return {"url": post["url"], "fields": post["fields"], "key": key, "filename": name}


def submit(form: RequestForm, mailbox: Mailbox, source_ip: str, user_agent: str = "") -> Submitted:
    """Open the ticket for a validated form (see request_form.validate); the same form twice opens one.

    Raises InvalidRequest (`field` in its details, and the refused upload's `key`) for uploads
    that are not this form's or break the limits, TooMany past the rate limits.
    """
    owner = form_id(form.token)
    idempotency_id = f"<form.{owner}@web.invalid>"
    try:
        return Submitted(ThreadIndex.get(idempotency_id).ticket_number, duplicate=True)
    except ThreadIndex.DoesNotExist:
        pass
    uploads = verified_uploads(form.attachments, owner)
    email = form.email.lower()
    if not ratelimit.allow("request-ip", source_ip, REQUESTS_PER_IP_PER_HOUR) or not ratelimit.allow(
        "request-address", normalised_address(email), REQUESTS_PER_ADDRESS_PER_HOUR
    ):
        raise TooMany(TOO_MANY)
    blob_prefix = storage.blob_prefix(idempotency_id)
    at = utcnow()
    raw_key = f"{storage.FORMS_PREFIX}{blob_prefix}.json"
    raw = {
        "received_at": at.isoformat(),
        "form_id": owner,
        "mailbox": mailbox.address,
        **form.values,
        "attachments": [asdict(upload) for upload in uploads],
        "source_ip": source_ip,
        "user_agent": user_agent,
    }
    storage.put_object(raw_key, json.dumps(raw, ensure_ascii=False).encode(), "application/json")
    requester = Address(email=email, name=form.name)
    text, _, visible, body_key = storage.fit_bodies(form.message, None, form.message, blob_prefix)
    message = customer_message(
        requester,
        "web",
        form.subject,
        at,
        text=text,
        visible=visible,
        to=[mailbox.address],
        body_s3_key=body_key,
        attachments=_stored_attachments(uploads, blob_prefix) or None,
        raw_s3_key=raw_key,
    )
    decided = evaluation.on_created(
        mailbox=mailbox.address,
        team=mailbox.team,
        channel="web",
        sender=requester.email,
        subject=form.subject,
        body=form.message,
        at=at,
        has_attachments=bool(uploads),
    )
    new = auto.assigned(
        opening.NewTicket(subject=form.subject, requester=requester, mailbox=mailbox, decided=decided), at
    )
    try:
        ticket = opening.open_ticket(new, message, idempotency_id)
    except TransactWriteError as error:
        if opening.is_duplicate(error):
            return Submitted(ThreadIndex.get(idempotency_id).ticket_number, duplicate=True)
        raise
    if effects.mails_customer(decided):  # the rules' answer takes the acknowledgement's place
        acknowledged = effects.carry_out(ticket, decided)
        note = "" if acknowledged else "the rules' mail was not sent (see the ticket's events)"
    else:
        effects.carry_out(ticket, decided)
        acknowledged, note = acknowledgement.acknowledge(ticket, None, form.message)
    if note:
        logger.info("no acknowledgement", extra={"ticket": ticket.number, "reason": note})
    return Submitted(ticket.number, duplicate=False, acknowledged=acknowledged)


def verified_uploads(keys: tuple[str, ...], owner: str) -> list[Upload]:
    """The uploads a submission names, checked in S3: this form's own, there, allowed, within limits."""
    if len(keys) > MAX_FILES:
        raise InvalidRequest(f"Please attach at most {MAX_FILES} files.", field="attachments")
    uploads = []
    for key in keys:
        filename = uploaded_filename(key, owner)
        stored = storage.head_object(key) if filename else None
        if filename is None or stored is None:
            raise InvalidRequest(
                "An attached file is missing or has expired. Please attach it again.",
                field="attachments",
                key=key,
            )
        size, content_type = stored
        problem = upload_error(filename, size)
        if problem is None and content_type != content_type_for(filename):
            problem = f"{filename} was not uploaded as the kind of file its name says."
        if problem:
            raise InvalidRequest(problem, field="attachments", key=key)
        uploads.append(Upload(key=key, filename=filename, size=size, content_type=content_type))
    if sum(upload.size for upload in uploads) > MAX_TOTAL_BYTES:
        raise InvalidRequest(
            f"The attached files add up to more than {MAX_TOTAL_BYTES // (1024 * 1024)} MB.",
            field="attachments",
        )
    return uploads


def _stored_attachments(uploads: list[Upload], blob_prefix: str) -> list[AttachmentRef]:
    """Copy each upload where mail attachments live: `uploads/` expires after a day, and agents'
    downloads (and retention) treat both channels alike. A retried submission overwrites."""
    attachments = []
    for position, upload in enumerate(uploads):
        ref = attachment_ref(blob_prefix, position, upload)
        storage.copy_object(upload.key, ref.s3_key)
        attachments.append(ref)
    return attachments
