"""The one automatic mail a new ticket gets, and the rules that keep it from starting mail loops
or relaying a stranger's subject: it goes to the requester alone (never to the people a mail
copied), at most `auto_replies_per_hour` times an hour per address with its plus tag removed."""

from __future__ import annotations

from dataclasses import replace

from chalicelib.config import settings
from chalicelib.desk.base import ratelimit
from chalicelib.desk.help_center import articles
from chalicelib.desk.mail_out.customer_mail import acknowledgement_text
from chalicelib.desk.mail_out.outbound import send_and_record, ticket_mail
from chalicelib.desk.setup import directory
from chalicelib.mail.autoreply import auto_reply_block_reason, normalised_address, sender_block_reason
from chalicelib.mail.message import Address, ParsedMail
from chalicelib.models import Ticket

RATE_LIMIT = "auto-reply"


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
    limit = settings().auto_replies_per_hour
    if reason is None and not ratelimit.allow(RATE_LIMIT, normalised_address(ticket.requester_email), limit):
        reason = f"{ticket.requester_email} already got {limit} auto-replies this hour"
    if reason is not None:
        return False, reason
    text = acknowledgement_text(ticket, articles.suggestions(f"{ticket.subject}\n{request_text}"))
    outbound = replace(ticket_mail(ticket, ticket.team, text, auto_submitted="auto-replied"), cc=())
    send_and_record(
        ticket, outbound, kind="reply", author=Address(email=ticket.mailbox, name=ticket.team), automatic=True
    )
    return True, ""
