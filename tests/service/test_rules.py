"""Rules on moto: stored and edited by admins, evaluated inside the write that opens or changes a
ticket (mail, form, agent change, customer reply), each action an event naming the rule."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import time_machine

from bench.operations import stored
from chalicelib.config import settings
from chalicelib.desk.base.errors import Conflict, Forbidden, InvalidRequest
from chalicelib.desk.rules import store, trial
from chalicelib.desk.setup import directory
from chalicelib.desk.setup.agents import AgentProfile
from chalicelib.desk.ticket import sla
from chalicelib.desk.ticket.tickets import thread
from chalicelib.models import TagLink, Ticket
from chalicelib.sla import clock
from tests.mailbuilder import raw_mail

pytestmark = pytest.mark.usefixtures("fresh_tables")
AGENT = AgentProfile(email="agent@example.com", name="Agent", role="agent", teams=("Support",))
BILLING = {
    "name": "Billing words",
    "conditions": [{"field": "text", "op": "contains_any", "value": ["invoice", "facture"]}],
    "actions": [{"type": "add_tags", "value": ["billing"]}, {"type": "set_team", "value": "Billing"}],
}
# A Tuesday inside the default calendar's hours (Mon-Fri 09:00-17:00 UTC), and a Sunday outside.
TUESDAY_NOON = datetime(2026, 12, 8, 12, 0, tzinfo=UTC)
SUNDAY_NIGHT = datetime(2026, 12, 6, 23, 0, tzinfo=UTC)


@pytest.fixture
def shipped(monkeypatch):
    """The desk as deployed: the two shipped rules in force until an admin saves the list."""
    monkeypatch.setattr(store, "settings", lambda: replace(settings(), shipped_rules=True))


def events(number: int) -> list[dict[str, str]]:
    return [dict(m.event.as_dict()) for m in thread(number) if m.kind == "event"]


def rule_lines(number: int) -> list[str]:
    return [m.body_text for m in thread(number) if m.kind == "event" and m.body_text.startswith("Rule ")]


def test_a_high_importance_mail_opens_urgent_with_urgent_targets(deliver, shipped):
    with time_machine.travel(TUESDAY_NOON, tick=True):
        result = deliver(raw_mail(subject="Site down", headers={"X-Priority": "1 (Highest)"}))
    ticket = Ticket.get(result.ticket_number)
    assert ticket.priority == "urgent"
    policy = sla.policy(ticket)
    state = clock.on_ticket_created(policy, "urgent", ticket.created_at)
    assert ticket.sla_due_at == clock.next_due(state, policy, "urgent")
    assert ticket.sla_due_at < clock.next_due(
        clock.on_ticket_created(policy, "normal", ticket.created_at), policy, "normal"
    )
    assert rule_lines(ticket.number) == ["Rule 'Urgent mail' set priority urgent"]
    assert events(ticket.number)[0] | {} == {
        "type": "priority",
        "from": "normal",
        "to": "urgent",
        "rule": "Urgent mail",
    }
    assert result.acknowledged  # inside business hours: the ordinary acknowledgement


def test_out_of_hours_the_rule_mail_takes_the_acknowledgement_place(deliver, sent_mail, shipped):
    before = len(sent_mail())
    with time_machine.travel(SUNDAY_NIGHT, tick=True):
        result = deliver(raw_mail(subject="Weekend question", headers={"Importance": "normal"}))
    mails = sent_mail()[before:]
    assert len(mails) == 1
    text = mails[0].get_body(("plain",)).get_content()
    assert "out of office" in text and "Monday 7 December at 09:00 UTC" in text
    assert mails[0]["Auto-Submitted"] == "auto-replied"
    assert result.acknowledged
    assert rule_lines(result.ticket_number) == [
        "Rule 'Out-of-hours acknowledgement' sent the mail template out_of_hours"
    ]
    assert Ticket.get(result.ticket_number).priority == "normal"


def test_a_rule_mail_to_an_automatic_mail_is_not_sent_and_says_why(deliver, sent_mail, shipped):
    before = len(sent_mail())
    with time_machine.travel(SUNDAY_NIGHT, tick=True):
        result = deliver(raw_mail(headers={"Auto-Submitted": "auto-replied"}))
    assert sent_mail()[before:] == []
    [line] = rule_lines(result.ticket_number)
    assert line.startswith(
        "Rule 'Out-of-hours acknowledgement' sent the mail template out_of_hours (not sent: "
    )


def test_a_keyword_rule_tags_and_moves_to_billing_in_the_opening_write(deliver, admin):
    store.create(admin, BILLING)
    result = deliver(raw_mail(subject="Question", body="My FACTURE is wrong"))
    ticket = Ticket.get(result.ticket_number)
    assert (ticket.team, ticket.tags, ticket.team_status) == ("Billing", ["billing"], "Billing#new")
    assert TagLink.get("billing", ticket.number)
    assert sorted(rule_lines(ticket.number)) == [
        "Rule 'Billing words' moved to team Billing",
        "Rule 'Billing words' set tags [billing]",
    ]
    assert sla.policy(ticket) == sla.team_policy("Billing", ticket.mailbox)
    other = deliver(raw_mail(subject="Where is my parcel?"))
    assert Ticket.get(other.ticket_number).team == "Support"


def test_rules_run_on_the_web_form_too(admin):
    from chalicelib.desk.intake import request_form, web_requests

    store.create(admin, BILLING)
    form = request_form.RequestForm(
        token=request_form.issue_token(), name="Ada", email="ada@example.org", subject="Invoice", message="Hi"
    )
    submitted = web_requests.submit(form, directory.directory().default_mailbox, "192.0.2.1")
    assert Ticket.get(submitted.number).team == "Billing"


def test_a_customer_reply_trigger(deliver, admin):
    store.create(
        admin,
        {
            "name": "Reply with attachment",
            "triggers": ["customer_replied"],
            "conditions": [{"field": "has_attachments", "op": "is", "value": True}],
            "actions": [
                {"type": "add_tags", "value": ["has-files"]},
                {"type": "add_note", "value": "Look at the file"},
            ],
        },
    )
    first = deliver(raw_mail(sender="reply@customer.test", attachments=[("a.txt", "text/plain", b"x")]))
    assert not Ticket.get(first.ticket_number).tags  # created: not this rule's trigger
    opened = Ticket.get(first.ticket_number)
    reply = deliver(
        raw_mail(
            sender="reply@customer.test",
            in_reply_to=opened.last_inbound_message_id,
            attachments=[("b.txt", "text/plain", b"y")],
        )
    )
    assert reply.outcome == "appended"
    ticket = Ticket.get(first.ticket_number)
    assert ticket.tags == ["has-files"]
    notes = [m for m in thread(ticket.number) if m.kind == "note" and m.automatic]
    assert [(n.from_name, n.body_text) for n in notes] == [
        ("Rule 'Reply with attachment'", "Look at the file")
    ]


def test_an_agent_change_runs_the_rules_once_and_their_changes_do_not_run_them_again(deliver, admin, update):
    store.create(
        admin,
        {
            "name": "Pending means low",
            "triggers": ["agent_changed"],
            "conditions": [{"field": "status", "op": "is", "value": "pending"}],
            "actions": [{"type": "set_priority", "value": "low"}],
        },
    )
    store.create(
        admin,
        {
            "name": "Low gets a tag",
            "triggers": ["agent_changed"],
            "conditions": [{"field": "priority", "op": "is", "value": "low"}],
            "actions": [{"type": "add_tags", "value": ["later"]}],
        },
    )
    number = deliver(raw_mail()).ticket_number
    update(number, status="pending")
    ticket = Ticket.get(number)
    assert (ticket.status, ticket.priority, ticket.tags) == ("pending", "low", ["later"])
    changes = events(number)
    assert {"type": "status", "from": "new", "to": "pending"} in changes
    assert {"type": "priority", "from": "normal", "to": "low", "rule": "Pending means low"} in changes
    assert len(changes) == 3  # status (the agent), priority and tags (the rules): nothing ran twice
    version = ticket.version
    update(number, status="on_hold")  # priority is low already: the first rule does not match
    assert Ticket.get(number).priority == "low" and len(events(number)) == 4
    assert Ticket.get(number).version == version + 1


def test_admins_keep_the_ordered_list(admin):
    assert store.stored() == ()  # tests run without the shipped rules
    first = store.create(admin, BILLING)
    second = store.create(admin, {**BILLING, "name": "Second"})
    assert [s.rule.name for s in store.stored() if s.rule] == ["Billing words", "Second"]
    store.reorder(admin, [second.id, first.id])
    assert [s.id for s in store.stored()] == [second.id, first.id]
    store.set_enabled(admin, first.id, False)
    assert [r.name for r in store.active()] == ["Second"]
    store.update(admin, second.id, {**BILLING, "name": "Renamed"})
    assert store.get(second.id).data["name"] == "Renamed"
    store.delete(admin, second.id)
    assert [s.id for s in store.stored()] == [first.id]
    with pytest.raises(InvalidRequest) as refused:
        store.create(admin, {**BILLING, "actions": [{"type": "set_team", "value": "Nowhere"}]})
    assert refused.value.details["field"] == "actions[0].value"
    with pytest.raises(InvalidRequest):
        store.reorder(admin, [first.id, first.id])
    with pytest.raises(Forbidden):
        store.create(AGENT, BILLING)


def test_a_change_against_a_list_someone_else_changed_is_refused(admin, monkeypatch):
    store.create(admin, BILLING)
    read = store._fresh()
    store.create(admin, {**BILLING, "name": "Meanwhile"})
    monkeypatch.setattr(store, "_fresh", lambda: read)
    monkeypatch.setattr(
        directory,
        "directory",
        lambda: replace(directory._read_directory(), rules=json.dumps([s.data for s in read])),
    )
    with pytest.raises(Conflict):
        store.create(admin, {**BILLING, "name": "Lost"})


def test_a_rule_whose_team_was_removed_is_kept_and_skipped(admin):
    from chalicelib.desk.setup import admin as setup_admin

    setup_admin.add_team(admin, "Night")
    store.create(admin, {**BILLING, "actions": [{"type": "set_team", "value": "Night"}]})
    setup_admin.remove_team(admin, "Night")
    [kept] = store.stored()
    assert kept.rule is None and kept.problem.startswith("actions[0].value: 'Night'")
    assert store.active() == ()


def test_the_test_button_matches_the_last_tickets(deliver, admin):
    numbers = [
        deliver(raw_mail(subject=s, body=b)).ticket_number
        for s, b in [
            ("Invoice missing", "hello"),
            ("Parcel", "the invoice is wrong"),
            ("Parcel again", "where is it"),
        ]
    ]
    rule = store.create(admin, {**BILLING, "enabled": False})
    result = trial.trial(admin, rule)
    assert result.tested == 3
    assert sorted(t.number for t in result.matched) == numbers[:2]
    assert all(t.team == "Support" for t in map(Ticket.get, numbers))  # a test changes nothing
    with pytest.raises(Forbidden):
        trial.trial(AGENT, rule)


def test_twenty_rules_cost_a_new_mail_no_request_and_earlier_tickets_one(admin, requests_made, monkeypatch):
    from chalicelib.desk.setup import agents
    from chalicelib.desk.ticket import queues

    monkeypatch.setattr(directory, "CACHE_TTL_SECONDS", 3600.0)
    monkeypatch.setattr(agents, "PROFILE_TTL_SECONDS", 3600.0)
    monkeypatch.setattr(queues, "COUNT_TTL_SECONDS", 3600.0)
    words = {
        "name": "x",
        "conditions": [{"field": "subject", "op": "contains_any", "value": ["zzz"]}],
        "actions": [{"type": "add_tags", "value": ["z"]}],
    }
    stored(raw_mail(sender="warm@customer.test"))()  # the setup and the signing key cached

    def cost() -> int:
        directory.directory()  # the setup as a warm container holds it
        with requests_made.measure() as made:
            stored(raw_mail(sender="budget@customer.test"))()
        return sum(made.values())

    before = cost()
    for n in range(20):
        store.create(admin, {**words, "name": f"Rule {n}"})
    assert cost() == before
    store.create(
        admin,
        {
            **words,
            "name": "Regulars",
            "conditions": [{"field": "earlier_tickets", "op": "at_least", "value": 5}],
        },
    )
    assert cost() == before + 1  # the customer's contact


def test_a_rule_assigns_an_active_agent_and_refuses_a_stranger(deliver, admin):
    with pytest.raises(InvalidRequest) as refused:
        store.create(
            admin, {"name": "A", "actions": [{"type": "set_assignee", "value": "nobody@example.com"}]}
        )
    assert refused.value.details["field"] == "actions[0].value"
    store.create(admin, {"name": "Mine", "actions": [{"type": "set_assignee", "value": "admin@example.com"}]})
    ticket = Ticket.get(deliver(raw_mail()).ticket_number)
    assert ticket.assignee == "admin@example.com" and ticket.assignee_queue
    assert rule_lines(ticket.number) == ["Rule 'Mine' assigned admin@example.com"]
