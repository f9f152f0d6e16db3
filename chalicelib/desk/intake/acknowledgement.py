"""The one automatic mail a new ticket gets, under the loop rules of every automatic answer
(`desk.mail_out.auto_replies`): to the requester alone, never to a machine, a few an hour at most."""

from __future__ import annotations

from chalicelib.desk.help_center import articles
from chalicelib.desk.mail_out.auto_replies import block_reason, send_auto_reply
from chalicelib.desk.mail_out.customer_mail import acknowledgement_text
from chalicelib.mail.message import ParsedMail
from chalicelib.models import Ticket


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
    reason = block_reason(ticket, mail, null_sender=null_sender)
    if reason is not None:
        return False, reason
    suggested = articles.suggestions(f"{ticket.subject}\n{request_text}")
    send_auto_reply(ticket, acknowledgement_text(ticket, suggested))
    return True, ""
