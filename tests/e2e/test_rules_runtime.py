"""Rules on the local runtime, over SMTP and HTTP only: the shipped urgent rule, and a keyword rule
an admin adds through the API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from chalicelib.sla.calendar import add_business_minutes
from chalicelib.sla.policy import default_policy
from tests.mailbuilder import raw_mail
from tests.runtime import Runtime, call, send_mail, started_runtime, wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def rules_runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """A desk as deployed: the shipped rules on (the shared runtime runs without them)."""
    with started_runtime(
        tmp_path_factory.mktemp("helpdesk-rules-state"), {"HELPDESK_SHIPPED_RULES": "1"}
    ) as running:
        yield running


@pytest.fixture(scope="module")
def token(rules_runtime: Runtime) -> str:
    status, body = call(
        rules_runtime,
        "POST",
        "/api/session",
        {"email": rules_runtime.admin_email, "password": rules_runtime.admin_password},
    )
    assert status == 200, body
    return body["token"]


def ticket_of(runtime: Runtime, token: str, requester: str) -> dict:
    def found() -> list[dict]:
        status, body = call(runtime, "GET", f"/api/tickets?requester={requester}", token=token)
        assert status == 200, body
        return body["items"]

    [ticket] = wait_for(found)
    return ticket


def rule_events(runtime: Runtime, token: str, number: int) -> list[str]:
    _, ticket = call(runtime, "GET", f"/api/tickets/{number}", token=token)
    return sorted(
        m["body_text"]
        for m in ticket["messages"]
        if m["kind"] == "event" and m["body_text"].startswith("Rule ")
    )


def test_the_shipped_rules_are_listed_enabled(rules_runtime, token):
    status, body = call(rules_runtime, "GET", "/api/rules", token=token)
    assert status == 200, body
    assert [(r["name"], r["enabled"]) for r in body["items"]] == [
        ("Urgent mail", True),
        ("Out-of-hours acknowledgement", True),
    ]


def test_a_mail_with_x_priority_1_opens_urgent_with_urgent_sla_targets(rules_runtime, token):
    customer = "urgent.e2e@customer.test"
    raw = raw_mail(sender=customer, subject="Everything is down", headers={"X-Priority": "1 (Highest)"})
    send_mail(rules_runtime, raw, customer, ["support@example.com"])
    ticket = ticket_of(rules_runtime, token, customer)
    assert ticket["priority"] == "urgent"
    policy = default_policy()
    created = datetime.fromisoformat(ticket["created_at"].replace("Z", "+00:00"))
    expected = add_business_minutes(policy.calendar, created, policy.target("urgent", "first_response"))
    due = datetime.fromisoformat(ticket["sla"]["metrics"]["first_response"]["due_at"].replace("Z", "+00:00"))
    assert abs((due - expected).total_seconds()) < 0.001
    assert "Rule 'Urgent mail' set priority urgent" in rule_events(rules_runtime, token, ticket["number"])


def test_a_keyword_rule_tags_and_moves_to_billing(rules_runtime, token):
    rule = {
        "name": "Billing words",
        "conditions": [{"field": "text", "op": "contains_any", "value": ["invoice", "facture"]}],
        "actions": [{"type": "add_tags", "value": ["billing"]}, {"type": "set_team", "value": "Billing"}],
    }
    status, body = call(rules_runtime, "POST", "/api/rules", rule, token)
    assert status == 201, body
    customer = "invoice.e2e@customer.test"
    raw = raw_mail(sender=customer, subject="Question", body="Ma Facture est fausse.")
    send_mail(rules_runtime, raw, customer, ["support@example.com"])
    ticket = ticket_of(rules_runtime, token, customer)
    assert (ticket["team"], ticket["tags"], ticket["priority"]) == ("Billing", ["billing"], "normal")
    assert ticket["sla"]["policy"] == "default"
    events = rule_events(rules_runtime, token, ticket["number"])
    assert "Rule 'Billing words' moved to team Billing" in events
    assert "Rule 'Billing words' set tags [billing]" in events
