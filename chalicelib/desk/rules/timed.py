"""Time rules: "pending for N business hours without a customer reply → …", run every hour.

A time rule has the trigger `pending` and `after_hours`; it counts the business hours (the team's
SLA calendar) since the ticket's last change, which a customer's reply always is (it reopens the
ticket). One Query per run on the status index (pending tickets changed before the shortest wait:
business hours are never more than wall hours), no Scan. Each rule runs once per ticket and pending
stretch: the ids that ran are kept on the ticket with the version the write gave it, so any other
change (a new version) starts a new stretch. A run writes nothing but the marker, unless a rule sets
a field, so the stretch keeps its start: "remind after 24, solve after 72" are two rules. Each write
is conditional on the version read and on the ticket still pending: a ticket that changed meanwhile
is left alone until the next run.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from pynamodb.exceptions import TransactWriteError

from chalicelib.desk.base.transactions import is_race
from chalicelib.desk.mail_out import notices
from chalicelib.desk.rules import effects, evaluation, store
from chalicelib.desk.ticket import sla, transition
from chalicelib.desk.ticket.rule_writes import by_rule, rule_notes, tags_event
from chalicelib.desk.ticket.tags import tag_links
from chalicelib.models import Ticket, write_transaction
from chalicelib.observability import logger
from chalicelib.rules.engine import Outcome, evaluate
from chalicelib.rules.model import Rule
from chalicelib.sla.calendar import business_minutes_between


def run(now: datetime) -> list[int]:
    """Run the enabled time rules over the pending tickets; returns the tickets they acted on."""
    timed = [rule for rule in store.active() if "pending" in rule.triggers and rule.after_hours]
    if not timed:
        return []
    cutoff = now - timedelta(hours=min(rule.after_hours or 0 for rule in timed))
    acted = []
    for ticket in Ticket.status_index.query("pending", Ticket.updated_at < cutoff):
        if _run(ticket, timed, now):
            acted.append(ticket.number)
    return acted


def due(ticket: Ticket, timed: list[Rule], now: datetime) -> list[Rule]:
    """The time rules whose wait is over and that have not run in this pending stretch."""
    done = set(ticket.time_rules or ()) if ticket.time_rules_version == ticket.version else set()
    waited = business_minutes_between(sla.policy(ticket).calendar, ticket.updated_at, now)
    return [rule for rule in timed if rule.id not in done and waited >= (rule.after_hours or 0) * 60]


def _run(ticket: Ticket, timed: list[Rule], now: datetime) -> bool:
    ready = due(ticket, timed, now)
    if not ready:
        return False
    facts = replace(evaluation.ticket_facts(ticket, ready, now), trigger="pending")
    outcome = evaluate(ready, facts)
    if not outcome.fired:
        return False
    if not _write(ticket, outcome, now):
        return False
    updated = Ticket.get(ticket.number)
    if updated.status == "solved":
        notices.solved(updated)
    if effects.after_write(outcome):
        effects.carry_out(updated, outcome)
    return True


def _write(ticket: Ticket, outcome: Outcome, now: datetime) -> bool:
    """The outcome and the marker in one write, if the ticket is as read and still pending."""
    changed = transition.change(
        ticket,
        now,
        None,
        status=outcome.status,
        team=outcome.team,
        priority=outcome.priority,
        assignee=outcome.assignee if outcome.assign else transition.KEEP,
        by_rule=by_rule(outcome),
    )
    done = set(ticket.time_rules or ()) if ticket.time_rules_version == ticket.version else set()
    actions = list(changed.actions) if changed.changed else []
    actions += [
        Ticket.time_rules.set(sorted(done | set(outcome.fired))),
        Ticket.time_rules_version.set(ticket.version + 1),  # the version this write gives the ticket
    ]
    tagged = tags_event(ticket.number, now, ticket.tags or (), outcome)
    if tagged is not None and outcome.tags is not None:
        actions.append(Ticket.tags.set(list(outcome.tags)) if outcome.tags else Ticket.tags.remove())
    try:
        with write_transaction() as transaction:
            transaction.update(ticket, actions=actions, condition=Ticket.status == "pending")
            for item in [
                *changed.events,
                *([tagged] if tagged else []),
                *rule_notes(ticket.number, ticket.mailbox, now, outcome),
            ]:
                transaction.save(item)
            if tagged is not None and outcome.tags is not None:
                tag_links(transaction, ticket.number, ticket.tags or (), outcome.tags)
    except TransactWriteError as error:
        if not is_race(error):
            raise
        logger.info("time rules skipped: the ticket changed", extra={"ticket": ticket.number})
        return False
    if changed.changed and changed.sla_step.moved:
        sla.arm(Ticket.get(ticket.number), changed.sla_step.state)
    return True
