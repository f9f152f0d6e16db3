"""Automatic mails a change of status sends the customer: the solved notice (with its survey) and
the closing notice."""

from __future__ import annotations

from chalicelib.desk.mail_out.customer_mail import closed_text, solved_text
from chalicelib.desk.mail_out.outbound import send_and_record, ticket_mail
from chalicelib.desk.setup import directory
from chalicelib.mail.autoreply import sender_block_reason
from chalicelib.mail.message import Address
from chalicelib.models import Ticket
from chalicelib.observability import logger


def solved(ticket: Ticket) -> bool:
    """Tell the customer their request was solved (without a reply) and ask how it went."""
    return _notify(ticket, solved_text(ticket), "solved notice")


def closed(ticket: Ticket) -> bool:
    """Tell the customer a solved request was closed, and that a reply opens a new one."""
    return _notify(ticket, closed_text(ticket), "closing notice")


def _notify(ticket: Ticket, text: str, what: str) -> bool:
    """Never to a machine or our own address: a notice there could start a mail loop. A failed send
    is logged, not raised: the change it follows has been made and must stand."""
    reason = sender_block_reason(ticket.requester_email, directory.directory().own_addresses)
    if reason is not None:
        logger.info(f"{what} not sent", extra={"ticket": ticket.number, "reason": reason})
        return False
    mail = ticket_mail(ticket, ticket.team, text, auto_submitted="auto-generated")
    try:
        send_and_record(
            ticket, mail, kind="reply", author=Address(email=ticket.mailbox, name=ticket.team), automatic=True
        )
    except Exception:
        logger.exception(f"{what} failed", extra={"ticket": ticket.number})
        return False
    return True
