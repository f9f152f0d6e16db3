"""Rules run before auto-assignment in the write that opens a ticket: a rule's team is the team whose
agents take it, and a rule's assignee is never overridden by the team's round robin."""

from __future__ import annotations

import pytest

from chalicelib.desk.rules import store
from chalicelib.desk.setup import admin as admin_service
from chalicelib.desk.setup import directory
from chalicelib.models import Agent, Message, Ticket
from tests.mailbuilder import raw_mail

pytestmark = pytest.mark.usefixtures("fresh_tables", "admin_off_the_rota")


def words_rule(name: str, word: str, *actions: dict) -> dict:
    return {
        "name": name,
        "conditions": [{"field": "text", "op": "contains_any", "value": [word]}],
        "actions": list(actions),
    }


def add_agent(email: str, team: str) -> None:
    Agent(email=email, name=email.partition("@")[0].title(), teams=[team], working_hours="always").save()
    directory.forget()


def events_of(number: int) -> list[str]:
    return [m.body_text for m in Message.query(number) if m.kind == "event"]


def test_a_rule_s_team_is_the_team_whose_round_robin_assigns_it(admin, deliver):
    add_agent("sue@example.com", "Support")
    add_agent("bill@example.com", "Billing")
    admin_service.set_assignment(admin, "Billing", "round_robin")
    admin_service.set_assignment(admin, "Support", "round_robin")
    store.create(admin, words_rule("Invoices", "invoice", {"type": "set_team", "value": "Billing"}))

    ticket = Ticket.get(deliver(raw_mail(subject="Invoice 4711 is wrong")).ticket_number)

    assert (ticket.team, ticket.assignee) == ("Billing", "bill@example.com")
    assert ticket.assignee_queue == "bill@example.com#open"
    assert "Assigned to bill@example.com by round robin" in events_of(ticket.number)
    other = Ticket.get(deliver(raw_mail(subject="Where is my parcel?")).ticket_number)
    assert (other.team, other.assignee) == ("Support", "sue@example.com")


def test_a_rule_s_assignee_is_kept_and_takes_no_turn(admin, deliver):
    add_agent("sue@example.com", "Support")
    add_agent("sam@example.com", "Support")
    admin_service.set_assignment(admin, "Support", "round_robin")
    store.create(admin, words_rule("VIP", "urgent", {"type": "set_assignee", "value": "sam@example.com"}))

    ruled = Ticket.get(deliver(raw_mail(subject="Urgent: down")).ticket_number)
    turned = Ticket.get(deliver(raw_mail(subject="Hello")).ticket_number)

    assert ruled.assignee == "sam@example.com"
    assert not [e for e in events_of(ruled.number) if "round robin" in e]
    assert turned.assignee == "sam@example.com"  # the team's first turn (by address: sam, sue)
