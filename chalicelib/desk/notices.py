"""Automatic mails a change made by an agent sends the customer: the solved notice with its survey."""

from __future__ import annotations

from chalicelib.desk import directory
from chalicelib.desk.customer_mail import solved_text
from chalicelib.desk.outbound import send_and_record, ticket_mail
from chalicelib.mail.autoreply import sender_block_reason
from chalicelib.mail.message import Address
from chalicelib.models import Ticket
from chalicelib.observability import logger


def solved(ticket: Ticket) -> bool:
    """Tell the customer their request was solved (without a reply) and ask how it went.

    Never to a machine or our own address: a notice there could start a mail loop. A failed send is
    logged, not raised: the status change it follows has been made and must stand.
    """
    reason = sender_block_reason(ticket.requester_email, directory.directory().own_addresses)
    if reason is not None:
        logger.info("solved notice not sent", extra={"ticket": ticket.number, "reason": reason})
        return False
    mail = ticket_mail(ticket, ticket.team, solved_text(ticket), auto_submitted="auto-generated")
    try:
        send_and_record(
            ticket, mail, kind="reply", author=Address(email=ticket.mailbox, name=ticket.team), automatic=True
        )
    except Exception:
        logger.exception("solved notice failed", extra={"ticket": ticket.number})
        return False
    return True
