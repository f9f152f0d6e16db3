"""The admin's "Test": which of the last tickets a rule would have matched when they opened.

One Query on the all-tickets index (the newest `TRIAL_TICKETS` by last change), and only when the
rule looks at the text of the message, one Query (Limit 1) per ticket for its first message: a
bounded read, no Scan. Facts a stored ticket no longer has (the mail's headers, its attachments)
read as absent; the business hours are those of the moment the ticket opened; a rule on the
customer's earlier tickets reads each one's contact (a GetItem per ticket, 50 at most).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from chalicelib.desk.rules import evaluation
from chalicelib.desk.setup.admin import require_admin
from chalicelib.desk.setup.agents import AgentProfile
from chalicelib.models import Message, Ticket
from chalicelib.rules.engine import matches
from chalicelib.rules.model import Rule

TRIAL_TICKETS = 50


@dataclass(frozen=True)
class Trial:
    tested: int
    matched: tuple[Ticket, ...]


def trial(actor: AgentProfile, rule: Rule) -> Trial:
    """The rule (enabled or not) against the last tickets, as a ticket-created trigger."""
    require_admin(actor)
    tickets = list(Ticket.all_index.query("ticket", scan_index_forward=False, limit=TRIAL_TICKETS))
    reads_text = any(c.field in ("body", "text") for c in rule.conditions)
    probe = replace(rule, triggers=("created",))
    matched = []
    for ticket in tickets:
        body = _first_text(ticket.number) if reads_text else ""
        if matches(probe, evaluation.ticket_facts(ticket, (probe,), ticket.created_at, body)):
            matched.append(ticket)
    return Trial(len(tickets), tuple(matched))


def _first_text(number: int) -> str:
    first = next(iter(Message.query(number, limit=1)), None)
    return (first.visible_text or first.body_text or "") if first else ""
