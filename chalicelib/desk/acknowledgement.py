"""The one automatic mail a new ticket gets, and the rules that keep it from starting mail loops."""

from __future__ import annotations

import time

from pynamodb.exceptions import PutError

from chalicelib.config import settings
from chalicelib.desk import articles, directory
from chalicelib.desk.customer_mail import acknowledgement_text
from chalicelib.desk.outbound import send_and_record, ticket_mail
from chalicelib.mail.autoreply import auto_reply_block_reason, sender_block_reason
from chalicelib.mail.message import Address, ParsedMail
from chalicelib.models import Counter, Ticket

WINDOW_SECONDS = 3600


def acknowledge(
    ticket: Ticket, mail: ParsedMail | None, request_text: str, *, null_sender: bool = False
) -> tuple[bool, str]:
    """Send the acknowledgement unless the mail is automatic or the sender had enough of them.

    `mail` is None for a web-form request: there are no headers, only the sender rules apply.
    `request_text` is what the customer wrote: the articles suggested are the ones it points to.
    `null_sender`: the mail came with an empty envelope sender (MAIL FROM:<>), as bounces do.
    Our own addresses are the configured mailboxes and those an admin added (a loop with either is
    a loop). Returns whether it was sent and, when not, why (logged by the caller).
    """
    own = directory.directory().own_addresses
    if mail is None:
        reason = sender_block_reason(ticket.requester_email, own)
    else:
        reason = auto_reply_block_reason(mail, own, null_sender=null_sender)
    if reason is None and not _within_rate_limit(ticket.requester_email, settings().auto_replies_per_hour):
        reason = (
            f"{ticket.requester_email} already got {settings().auto_replies_per_hour} auto-replies this hour"
        )
    if reason is not None:
        return False, reason
    text = acknowledgement_text(ticket, articles.suggestions(f"{ticket.subject}\n{request_text}"))
    outbound = ticket_mail(ticket, ticket.team, text, auto_submitted="auto-replied")
    send_and_record(
        ticket, outbound, kind="reply", author=Address(email=ticket.mailbox, name=ticket.team), automatic=True
    )
    return True, ""


def _within_rate_limit(address: str, limit: int, attempts: int = 3) -> bool:
    """Record an auto-reply to `address` if fewer than `limit` went out in the last hour.

    The log is one item per address with the send times; the model's version attribute makes
    the read-modify-write safe against a concurrent mail from the same sender.
    """
    for _ in range(attempts):
        now = int(time.time())
        try:
            log = Counter.get(f"auto-reply#{address}")
        except Counter.DoesNotExist:
            log = Counter(key=f"auto-reply#{address}")
        recent = [stamp for stamp in (log.stamps or []) if stamp > now - WINDOW_SECONDS]
        if len(recent) >= limit:
            return False
        log.stamps = [*recent, now]
        log.expires_at = now + WINDOW_SECONDS
        try:
            log.save()
            return True
        except PutError:
            continue
    return False
