"""The rule engine (chalicelib.rules): checking rules, conditions, order, stop, no re-trigger."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.rules.engine import Facts, Taken, evaluate, matches
from chalicelib.rules.headers import importance
from chalicelib.rules.model import Rule, RuleError, Vocabulary, parse_rule
from chalicelib.rules.text import contains_any, fold

VOCABULARY = Vocabulary(
    teams=frozenset({"Support", "Billing"}),
    statuses=frozenset({"open", "pending", "on_hold", "solved", "closed", "spam"}),
    priorities=("low", "normal", "high", "urgent"),
    templates=frozenset({"acknowledgement", "out_of_hours"}),
    canned=frozenset({"Thanks"}),
    agents=frozenset({"lead@example.com", "bo@example.com"}),
)
FACTS = Facts(
    trigger="created",
    mailbox="support@example.com",
    team="Support",
    channel="email",
    sender="Anna@Customer.Example",
    subject="Question about my Facture",
    body="Hello, the invoice is wrong.",
    status="new",
    priority="normal",
)


def rule(name: str = "R", **data: object) -> Rule:
    return parse_rule(
        {"name": name, "actions": [{"type": "add_tags", "value": ["x"]}], **data}, VOCABULARY, rule_id=name
    )


def when(*conditions: dict[str, object], match: str = "all") -> Rule:
    return rule(conditions=list(conditions), match=match)


def test_folding_ignores_case_and_accents():
    assert fold("  FÄCTURE  Été ") == "facture ete"
    assert contains_any("Problème de facturation", ["FACTURATION"])
    assert contains_any("Rückerstattung bitte", ["ruckerstattung"])
    assert not contains_any("invoices", ["invoice"])  # whole words only
    assert contains_any("the credit card was charged", ["credit card"])


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"importance": "High"}, "high"),
        ({"x-priority": "1 (Highest)"}, "high"),
        ({"x-priority": "2"}, "high"),
        ({"x-priority": "5 (Lowest)"}, "low"),
        ({"priority": "urgent"}, "high"),
        ({"importance": "low", "x-priority": "1"}, "high"),
        ({"x-priority": "3"}, "normal"),
        ({}, "normal"),
    ],
)
def test_importance_from_the_three_headers(headers: dict[str, str], expected: str):
    assert importance(headers) == expected


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"field": "team", "op": "is", "value": "Support"}, True),
        ({"field": "team", "op": "is_not", "value": ["Support", "Billing"]}, False),
        ({"field": "mailbox", "op": "is", "value": "SUPPORT@example.com"}, True),
        ({"field": "channel", "op": "is", "value": "web"}, False),
        ({"field": "sender", "op": "is", "value": "anna@customer.example"}, True),
        ({"field": "sender_domain", "op": "is", "value": "customer.example"}, True),
        ({"field": "subject", "op": "contains_any", "value": ["facture", "refund"]}, True),
        ({"field": "body", "op": "contains_any", "value": ["facture"]}, False),
        ({"field": "text", "op": "contains_any", "value": ["INVOICE"]}, True),
        ({"field": "text", "op": "contains_none", "value": ["invoice"]}, False),
        ({"field": "has_attachments", "op": "is", "value": False}, True),
        ({"field": "importance", "op": "is", "value": "high"}, False),
        ({"field": "business_hours", "op": "is", "value": "outside"}, False),
        ({"field": "status", "op": "is", "value": "new"}, True),
        ({"field": "priority", "op": "is_not", "value": "urgent"}, True),
        ({"field": "tags", "op": "contains_any", "value": ["vip"]}, False),
        ({"field": "tags", "op": "contains_none", "value": ["vip"]}, True),
        ({"field": "earlier_tickets", "op": "is", "value": 0}, True),
        ({"field": "earlier_tickets", "op": "at_least", "value": 1}, False),
        ({"field": "earlier_tickets", "op": "at_most", "value": 3}, True),
    ],
)
def test_each_condition(condition: dict[str, object], expected: bool):
    assert matches(when(condition), FACTS) is expected


def test_all_and_any():
    yes = {"field": "team", "op": "is", "value": "Support"}
    no = {"field": "team", "op": "is", "value": "Billing"}
    assert not matches(when(yes, no), FACTS)
    assert matches(when(yes, no, match="any"), FACTS)
    assert not matches(when(no, match="any"), FACTS)
    assert matches(when(), FACTS) and matches(when(match="any"), FACTS)  # no condition: always


def test_triggers_select_rules():
    replied = rule(triggers=["customer_replied"])
    assert not matches(replied, FACTS)
    assert matches(replied, replace(FACTS, trigger="customer_replied"))


def test_actions_apply_in_order_and_later_rules_see_them():
    billing = parse_rule(
        {
            "name": "Billing words",
            "conditions": [{"field": "text", "op": "contains_any", "value": ["invoice"]}],
            "actions": [
                {"type": "add_tags", "value": ["Billing Question"]},
                {"type": "set_team", "value": "Billing"},
            ],
        },
        VOCABULARY,
        rule_id="1",
    )
    billing_urgent = parse_rule(
        {
            "name": "Billing is urgent",
            "conditions": [{"field": "team", "op": "is", "value": "Billing"}],
            "actions": [
                {"type": "set_priority", "value": "urgent"},
                {"type": "add_note", "value": "Call them"},
            ],
        },
        VOCABULARY,
        rule_id="2",
    )
    outcome = evaluate([billing, billing_urgent], FACTS)
    assert (outcome.team, outcome.priority, outcome.tags, outcome.notes) == (
        "Billing",
        "urgent",
        ("billing-question",),
        ("Call them",),
    )
    assert outcome.taken == (
        Taken("Billing words", "add_tags", "", "billing-question"),
        Taken("Billing words", "set_team", "Support", "Billing"),
        Taken("Billing is urgent", "set_priority", "normal", "urgent"),
        Taken("Billing is urgent", "add_note", "", "Call them"),
    )
    # In the other order the second rule does not see the team yet.
    assert evaluate([billing_urgent, billing], FACTS).priority is None


def test_changes_made_by_rules_do_not_trigger_rules_again():
    """An earlier rule whose condition a later rule makes true does not run: one pass, once each."""
    urgent_note = parse_rule(
        {
            "name": "Urgent note",
            "conditions": [{"field": "priority", "op": "is", "value": "urgent"}],
            "actions": [{"type": "add_note", "value": "urgent!"}],
        },
        VOCABULARY,
        rule_id="1",
    )
    make_urgent = parse_rule(
        {"name": "Make urgent", "actions": [{"type": "set_priority", "value": "urgent"}]},
        VOCABULARY,
        rule_id="2",
    )
    outcome = evaluate([urgent_note, make_urgent, make_urgent], FACTS)
    assert outcome.notes == ()
    assert [t.rule for t in outcome.taken] == ["Make urgent"]  # the second copy finds it urgent already


def test_stop_ends_the_evaluation_after_its_rule():
    first = parse_rule(
        {"name": "First", "actions": [{"type": "stop"}, {"type": "add_tags", "value": ["a"]}]},
        VOCABULARY,
        rule_id="1",
    )
    second = rule("Second")
    outcome = evaluate([first, second], FACTS)
    assert outcome.tags == ("a",)
    assert {t.rule for t in outcome.taken} == {"First"}


def test_disabled_rules_and_mails_and_notifications():
    off = parse_rule(
        {"name": "Off", "enabled": False, "actions": [{"type": "set_priority", "value": "high"}]},
        VOCABULARY,
        rule_id="1",
    )
    mails = parse_rule(
        {
            "name": "Mails",
            "actions": [
                {"type": "send_template", "value": "out_of_hours"},
                {"type": "send_canned", "value": "Thanks"},
                {"type": "notify_agent", "value": "Lead@Example.com"},
                {"type": "notify_team", "value": "Billing"},
                {"type": "set_assignee", "value": "bo@example.com"},
                {"type": "remove_tags", "value": ["never-there"]},
            ],
        },
        VOCABULARY,
        rule_id="2",
    )
    outcome = evaluate([off, mails], FACTS)
    assert outcome.priority is None
    assert (outcome.templates, outcome.canned, outcome.notify_agents, outcome.notify_teams) == (
        ("out_of_hours",),
        ("Thanks",),
        ("lead@example.com",),
        ("Billing",),
    )
    assert (outcome.assign, outcome.assignee, outcome.tags) == (True, "bo@example.com", None)


def test_a_rule_round_trips_through_json():
    original = when(
        {"field": "subject", "op": "contains_any", "value": ["a", "b"]},
        {"field": "earlier_tickets", "op": "at_least", "value": 2},
    )
    assert parse_rule(original.to_json(), VOCABULARY, rule_id=original.id) == original


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "actions": [{"type": "stop"}]}, "name"),
        ({"name": "x", "actions": []}, "actions"),
        ({"name": "x", "triggers": ["sometimes"], "actions": [{"type": "stop"}]}, "triggers"),
        ({"name": "x", "match": "most", "actions": [{"type": "stop"}]}, "match"),
        ({"name": "x", "colour": "red", "actions": [{"type": "stop"}]}, "colour"),
        (
            {
                "name": "x",
                "conditions": [{"field": "mood", "op": "is", "value": "x"}],
                "actions": [{"type": "stop"}],
            },
            "conditions[0].field",
        ),
        (
            {
                "name": "x",
                "conditions": [{"field": "team", "op": "contains_any", "value": "x"}],
                "actions": [{"type": "stop"}],
            },
            "conditions[0].op",
        ),
        (
            {
                "name": "x",
                "conditions": [{"field": "earlier_tickets", "op": "is", "value": "two"}],
                "actions": [{"type": "stop"}],
            },
            "conditions[0].value",
        ),
        (
            {
                "name": "x",
                "conditions": [{"field": "importance", "op": "is", "value": "huge"}],
                "actions": [{"type": "stop"}],
            },
            "conditions[0].value",
        ),
        (
            {
                "name": "x",
                "conditions": [{"field": "subject", "op": "contains_any", "value": []}],
                "actions": [{"type": "stop"}],
            },
            "conditions[0].value",
        ),
        ({"name": "x", "actions": [{"type": "stop"}, {"type": "explode"}]}, "actions[1].type"),
        ({"name": "x", "actions": [{"type": "set_priority", "value": "asap"}]}, "actions[0].value"),
        ({"name": "x", "actions": [{"type": "set_team", "value": "Sales"}]}, "actions[0].value"),
        ({"name": "x", "actions": [{"type": "set_status", "value": "new"}]}, "actions[0].value"),
        ({"name": "x", "actions": [{"type": "send_template", "value": "nope"}]}, "actions[0].value"),
        ({"name": "x", "actions": [{"type": "set_assignee", "value": "bob"}]}, "actions[0].value"),
        (
            {"name": "x", "actions": [{"type": "notify_agent", "value": "nobody@example.com"}]},
            "actions[0].value",
        ),
        ({"name": "x", "actions": [{"type": "add_tags", "value": ["a#b"]}]}, "actions[0].value"),
        ({"name": "x", "triggers": ["pending"], "actions": [{"type": "stop"}]}, "after_hours"),
        (
            {
                "name": "x",
                "triggers": ["pending", "created"],
                "after_hours": 2,
                "actions": [{"type": "stop"}],
            },
            "triggers",
        ),
        ({"name": "x", "after_hours": 2, "actions": [{"type": "stop"}]}, "after_hours"),
        (
            {"name": "x", "triggers": ["pending"], "after_hours": 0, "actions": [{"type": "stop"}]},
            "after_hours",
        ),
    ],
)
def test_a_bad_rule_is_refused_naming_the_field(data: dict[str, object], field: str):
    with pytest.raises(RuleError) as refused:
        parse_rule(data, VOCABULARY, rule_id="x")
    assert refused.value.field == field
    assert str(refused.value).startswith(f"{field}: ")


def test_a_time_rule_waits_and_matches_only_its_trigger():
    waiting = parse_rule(
        {
            "name": "Remind",
            "triggers": ["pending"],
            "after_hours": 24,
            "actions": [{"type": "send_template", "value": "out_of_hours"}],
        },
        VOCABULARY,
        rule_id="t",
    )
    assert waiting.after_hours == 24 and parse_rule(waiting.to_json(), VOCABULARY, rule_id="t") == waiting
    assert not matches(waiting, FACTS)
    outcome = evaluate([waiting], replace(FACTS, trigger="pending", status="pending"))
    assert outcome.fired == ("t",) and outcome.templates == ("out_of_hours",)
