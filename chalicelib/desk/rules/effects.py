"""What rules do after the write that created or changed the ticket: mail the customer (a template
or a canned reply, under the loop rules of every automatic answer) and notify agents (the event
alone: `desk.notifications` tells them from the stream). Each is an event on the ticket naming the
rule, with why a mail was not sent when it was not.
"""

from __future__ import annotations

from chalicelib.desk.mail_out.auto_replies import block_reason, send_auto_reply
from chalicelib.desk.mail_out.customer_mail import template_text
from chalicelib.desk.setup import directory
from chalicelib.desk.setup.canned import expand, ticket_values
from chalicelib.desk.ticket.records import event_message, utcnow
from chalicelib.mail.message import ParsedMail
from chalicelib.models import Ticket
from chalicelib.observability import logger
from chalicelib.rules.engine import Outcome, Taken

CUSTOMER_MAILS = ("send_template", "send_canned")
NOTIFICATIONS = ("notify_agent", "notify_team")


def mails_customer(outcome: Outcome) -> bool:
    """Whether the rules answer the customer themselves (on a new ticket: instead of the
    acknowledgement, so the customer gets one automatic mail, not two)."""
    return any(t.kind in CUSTOMER_MAILS for t in outcome.taken)


def after_write(outcome: Outcome) -> bool:
    """Whether the outcome has anything to do once the ticket is written (mails, notifications)."""
    return any(t.kind in (*CUSTOMER_MAILS, *NOTIFICATIONS) for t in outcome.taken)


def carry_out(
    ticket: Ticket, outcome: Outcome, *, mail: ParsedMail | None = None, null_sender: bool = False
) -> bool:
    """The outcome's mails and notifications for the committed `ticket`; whether a customer mail
    went out. `mail` is the customer's mail the rules answered (its headers decide, with the sender
    rules, whether an automatic answer may go). A failure is logged and recorded, never raised: the
    ticket's write stands."""
    sent = False
    for taken in outcome.taken:
        if taken.kind in CUSTOMER_MAILS:
            failed = _mail_customer(ticket, taken, mail, null_sender)
            sent = sent or not failed
        elif taken.kind in NOTIFICATIONS:
            failed = _notify(ticket, taken)
        else:
            continue
        _record(ticket, taken, failed)
    return sent


def _mail_customer(ticket: Ticket, taken: Taken, mail: ParsedMail | None, null_sender: bool) -> str:
    """'' when sent, else why not."""
    reason = block_reason(ticket, mail, null_sender=null_sender)
    if reason is not None:
        logger.info("rule mail not sent", extra={"ticket": ticket.number, "reason": reason})
        return reason
    try:
        if taken.kind == "send_template":
            text = template_text(taken.new, ticket)
        else:
            canned = next((c for c in directory.directory().canned if c.title == taken.new), None)
            if canned is None:
                return f"there is no canned reply {taken.new!r}"
            text = expand(canned.body, ticket_values(ticket))
        send_auto_reply(ticket, text)
    except Exception as error:
        logger.exception("rule mail failed", extra={"ticket": ticket.number, "rule": taken.rule})
        return f"sending failed: {error}"
    return ""


def _notify(ticket: Ticket, taken: Taken) -> str:
    """'' when someone active may be told, else why nobody. The telling itself is the recorded
    event's: the notifications package reads it from the event stream and tells the agent (or the
    team's members) in the app and by mail, by their preferences and availability, like any
    other notification."""
    people = [a for a in directory.agents() if a.active and a.can_see_team(ticket.team)]
    if taken.kind == "notify_agent":
        chosen = [a for a in people if a.email == taken.new]
    else:
        chosen = [a for a in people if taken.new in a.teams]
    return "" if chosen else "nobody active who may see the ticket"


def _record(ticket: Ticket, taken: Taken, failed: str) -> None:
    event = {"type": "rule", "rule": taken.rule, "action": taken.kind, "from": "", "to": taken.new}
    if failed:
        event["failed"] = failed
    try:
        event_message(ticket.number, None, utcnow(), event).save()
    except Exception:
        logger.exception("rule event not recorded", extra={"ticket": ticket.number, "rule": taken.rule})
