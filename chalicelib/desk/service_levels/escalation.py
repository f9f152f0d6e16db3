"""Acting on SLA timer events: warn before a target is missed, escalate once it is.

Every event is handled at most once: a guard item keyed by ticket, metric, event type and
sla_version is put conditionally in the same transaction as the ticket's events and changes, so
a redelivered SQS message finds it and changes nothing. The metric's clock keeps what was
announced, so neither a later version (a raised priority, a pause and resume) nor a re-armed timer
announces the same cycle again. Notification mail goes out after that transaction commits (at
most once: a failed send is logged, never retried into a duplicate), then a `notified` event
records who was mailed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from pynamodb.exceptions import TransactWriteError

from chalicelib.desk.base.transactions import condition_failed
from chalicelib.desk.mail_out.outbound import send, ticket_alert
from chalicelib.desk.setup import directory
from chalicelib.desk.ticket import sla, transition
from chalicelib.desk.ticket.records import PRIORITIES, event_message, utcnow
from chalicelib.mail.message import Address
from chalicelib.models import Ledger, Ticket, write_transaction
from chalicelib.observability import logger
from chalicelib.sla.policy import Escalation, Metric

METRIC_LABELS = {
    "first_response": "first response",
    "next_response": "next response",
    "resolution": "resolution",
}


@dataclass(frozen=True)
class SlaEvent:
    """What the timer state machine sends to the queue."""

    type: Literal["warning", "breach"]
    ticket_number: int
    metric: Metric
    sla_version: int
    due_at: str

    @classmethod
    def from_body(cls, body: str) -> SlaEvent:
        data = json.loads(body)
        if data.get("type") not in ("warning", "breach") or data.get("metric") not in METRIC_LABELS:
            raise ValueError(f"not an SLA event: {body[:200]}")
        return cls(
            data["type"], int(data["ticket_number"]), data["metric"], int(data["sla_version"]), data["due_at"]
        )


def handle(event: SlaEvent) -> str:
    """Record the event on the ticket and notify; returns what happened (for the log)."""
    try:
        ticket = Ticket.get(event.ticket_number)
    except Ticket.DoesNotExist:
        return "ticket gone"
    if ticket.sla_version != event.sla_version:
        return "stale: the clock moved after the timer fired"
    at = utcnow()
    rules = sla.policy(ticket)
    priority, team = (
        _escalation(ticket, rules.escalation) if event.type == "breach" else (ticket.priority, ticket.team)
    )
    escalated = transition.change(
        ticket, at, None, priority=priority, team=team, before=(sla.alerted(event.metric, event.type),)
    )
    alert = event_message(ticket.number, None, at, {"type": f"sla_{event.type}", "metric": event.metric})
    guard = Ledger(key=f"sla#{event.ticket_number}#{event.metric}#{event.type}#v{event.sla_version}")
    try:
        with write_transaction() as transaction:
            transaction.save(guard, condition=Ledger.key.does_not_exist())
            for item in (alert, *escalated.events):
                transaction.save(item)
            transaction.update(ticket, actions=escalated.actions)
    except TransactWriteError as error:
        if condition_failed(error, 0):  # the guard
            return "duplicate: already handled"
        raise
    if escalated.sla_step.moved:
        sla.arm(Ticket.get(ticket.number), escalated.sla_step.state)
    recipients = _recipients(ticket, event.type, rules.escalation.notify_team_leads)
    if recipients and _notify(ticket, event, recipients):
        _record_notified(ticket.number, event, recipients)
    return f"{event.type} recorded, {len(recipients)} notified"


def _escalation(ticket: Ticket, escalation: Escalation) -> tuple[str, str]:
    """The policy's breach actions: the ticket's priority (one step up) and team it moves to."""
    priority = ticket.priority
    if escalation.raise_priority and priority != PRIORITIES[-1]:
        priority = PRIORITIES[PRIORITIES.index(priority) + 1]
    return priority, escalation.escalation_team or ticket.team


def _recipients(ticket: Ticket, kind: str, notify_leads: bool) -> list[Address]:
    """Warning: the assignee, else the team. Breach: the assignee and, by policy, the team leads
    (the desk's admins and agents with the lead role in the ticket's team)."""
    active = [a for a in directory.agents() if a.active]
    in_team = [a for a in active if a.may_take(ticket.team)]
    chosen = [a for a in active if a.email == ticket.assignee] or ([] if kind == "breach" else in_team)
    if kind == "breach" and notify_leads:
        chosen += [a for a in active if a.leads(ticket.team)]
    return list({a.email: Address(email=a.email, name=a.name) for a in chosen}.values())


def _notify(ticket: Ticket, event: SlaEvent, recipients: list[Address]) -> bool:
    """Mail the recipients; False (logged) when SES refused: the event stands either way."""
    label = METRIC_LABELS[event.metric]
    headline = "SLA warning" if event.type == "warning" else "SLA breached"
    said = (
        f"{headline}: the {label} target of ticket #{ticket.number} "
        f"{'is due' if event.type == 'warning' else 'was due'} at {event.due_at}."
    )
    subject = f"[#{ticket.number}] {headline}: {label} — {ticket.subject}"
    mail = ticket_alert(ticket, tuple(recipients), subject, said)
    try:
        send(mail)
    except Exception:
        logger.exception("SLA notification not sent", extra={"ticket": ticket.number})
        return False
    return True


def _record_notified(number: int, event: SlaEvent, recipients: list[Address]) -> None:
    """Who was mailed, on the ticket's history. Reached once per event: a redelivery stops at the
    guard, and the item's key is new, so the put races with nothing."""
    to = ", ".join(a.email for a in recipients)
    notice = event_message(
        number, None, utcnow(), {"type": "notified", "alert": event.type, "metric": event.metric, "to": to}
    )
    notice.save()
