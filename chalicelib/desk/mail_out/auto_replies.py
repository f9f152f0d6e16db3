"""The loop rules of every automatic answer to a customer (the acknowledgement, a rule's mail): it
goes to the requester alone (never to the people a mail copied), never to a machine or to our own
addresses (RFC 3834), and at most `auto_replies_per_hour` times an hour per address with its plus
tag removed."""

from __future__ import annotations

from dataclasses import replace

from chalicelib.config import settings
from chalicelib.desk.base import ratelimit
from chalicelib.desk.mail_out.outbound import send_and_record, ticket_mail
from chalicelib.desk.setup import directory
from chalicelib.mail.autoreply import auto_reply_block_reason, normalised_address, sender_block_reason
from chalicelib.mail.message import Address, ParsedMail
from chalicelib.models import Ticket

RATE_LIMIT = "auto-reply"


def block_reason(ticket: Ticket, mail: ParsedMail | None, *, null_sender: bool = False) -> str | None:
    """Why no automatic answer may go to the requester now, or None (then one is counted).

    `mail` is the customer's mail being answered, None for the web form or an agent's change (only
    the sender rules apply); `null_sender`: it came with an empty envelope sender, as bounces do.
    """
    own = directory.directory().own_addresses
    if mail is None:
        reason = sender_block_reason(ticket.requester_email, own)
    else:
        reason = auto_reply_block_reason(mail, own, null_sender=null_sender)
    limit = settings().auto_replies_per_hour
    if reason is None and not ratelimit.allow(RATE_LIMIT, normalised_address(ticket.requester_email), limit):
        reason = f"{ticket.requester_email} already got {limit} auto-replies this hour"
    return reason


def send_auto_reply(ticket: Ticket, text: str) -> None:
    """Send `text` to the requester alone as the team, marked auto-replied, and record it."""
    outbound = replace(ticket_mail(ticket, ticket.team, text, auto_submitted="auto-replied"), cc=())
    send_and_record(
        ticket, outbound, kind="reply", author=Address(email=ticket.mailbox, name=ticket.team), automatic=True
    )
