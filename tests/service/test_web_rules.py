"""The rules' admin page and JSON API through Chalice's test client: admins only, CSRF on every
form, a refused rule shown naming its field."""

from __future__ import annotations

import json

import pytest

from chalicelib.desk.rules import store
from chalicelib.models import Agent
from tests.service.agent_http import cookie, csrf_of, post

pytestmark = pytest.mark.usefixtures("signed_in", "fresh_tables")


@pytest.fixture
def api(signed_in, monkeypatch):
    from chalicelib.web import auth, session

    monkeypatch.setattr(auth, "agent_for_token", session.agent_for_token)

    def call(web_client, method: str, path: str, body: object = None, email: str = "admin@example.com"):
        headers = {"authorization": f"Bearer agent:{email}", "content-type": "application/json"}
        return web_client.http.request(method, path, body=json.dumps(body or {}).encode(), headers=headers)

    return call


def page_form(web_client, page: str, path: str, **fields):
    html = web_client.http.get(page, headers=cookie()).body.decode()
    return post(web_client, path, {"csrf": csrf_of(html), **fields})


RULE_FORM = {
    "name": "Refunds",
    "triggers": ["created", "customer_replied"],
    "match": "any",
    "cond_field_0": "text",
    "cond_op_0": "contains_any",
    "cond_value_0": "refund, money back",
    "act_type_0": "add_tags",
    "act_value_0": "refund, billing",
    "act_type_1": "set_team",
    "act_value_1": "Billing",
    "enabled": "1",
}


def test_an_admin_adds_edits_moves_disables_tests_and_deletes_a_rule_on_the_page(web_client):
    assert page_form(web_client, "/admin/rules", "/admin/rules", **RULE_FORM).status_code == 303
    page_form(web_client, "/admin/rules", "/admin/rules", **{**RULE_FORM, "name": "Second"})
    first, second = store.stored()
    assert first.rule and first.rule.triggers == ("created", "customer_replied") and first.rule.match == "any"
    assert first.data["conditions"] == [
        {"field": "text", "op": "contains_any", "value": ["refund", "money back"]}
    ]
    assert first.data["actions"][0] == {"type": "add_tags", "value": ["refund", "billing"]}
    edit = web_client.http.get(f"/admin/rules/{first.id}", headers=cookie()).body.decode()
    assert 'value="refund, money back"' in edit
    page_form(web_client, "/admin/rules", f"/admin/rules/{second.id}/move", direction="up")
    assert [s.id for s in store.stored()] == [second.id, first.id]
    page_form(web_client, "/admin/rules", f"/admin/rules/{first.id}/enabled", enabled="0")
    assert store.get(first.id).data["enabled"] is False
    tested = page_form(web_client, "/admin/rules", f"/admin/rules/{first.id}/test")
    assert "would have matched 0 of the last 0 tickets" in tested.body.decode()
    page_form(web_client, "/admin/rules", f"/admin/rules/{first.id}", **{**RULE_FORM, "name": "Renamed"})
    assert store.get(first.id).data["name"] == "Renamed"
    page_form(web_client, "/admin/rules", f"/admin/rules/{first.id}/delete")
    assert [s.id for s in store.stored()] == [second.id]


def test_a_refused_rule_is_shown_naming_the_field_and_the_form_kept(web_client):
    response = page_form(
        web_client, "/admin/rules", "/admin/rules", **{**RULE_FORM, "act_value_1": "Nowhere"}
    )
    assert response.status_code == 400
    html = response.body.decode()
    assert "actions[1].value: &#39;Nowhere&#39; is not one of Billing, Support" in html
    assert 'value="Refunds"' in html
    assert store.stored() == ()


def test_forms_need_the_csrf_token_and_the_admin_role(web_client):
    Agent(email="agent@example.com", name="Agent", role="agent", teams=["Support"]).save()
    assert post(web_client, "/admin/rules", RULE_FORM).status_code == 403
    assert web_client.http.get("/admin/rules", headers=cookie("agent@example.com")).status_code == 403
    assert store.stored() == ()


def test_the_api_creates_lists_reorders_enables_tests_and_deletes(web_client, api):
    body = {
        "name": "VIP",
        "conditions": [{"field": "sender_domain", "op": "is", "value": ["vip.example"]}],
        "actions": [{"type": "set_priority", "value": "high"}],
    }
    created = api(web_client, "POST", "/api/rules", body)
    assert created.status_code == 201
    first = json.loads(created.body)["id"]
    second = json.loads(api(web_client, "POST", "/api/rules", {**body, "name": "Two"}).body)["id"]
    listed = json.loads(api(web_client, "GET", "/api/rules").body)["items"]
    assert [r["name"] for r in listed] == ["VIP", "Two"] and listed[0]["problem"] is None
    reordered = api(web_client, "PUT", "/api/rule-order", {"order": [second, first]})
    assert [r["id"] for r in json.loads(reordered.body)["items"]] == [second, first]
    assert (
        json.loads(api(web_client, "PATCH", f"/api/rules/{first}", {"enabled": False}).body)["enabled"]
        is False
    )
    replaced = api(web_client, "PUT", f"/api/rules/{first}", {**body, "name": "VIP customers"})
    assert json.loads(replaced.body)["name"] == "VIP customers"
    assert json.loads(api(web_client, "POST", f"/api/rules/{first}/test").body) == {
        "tested": 0,
        "matched": [],
    }
    bad = api(web_client, "POST", "/api/rules", {**body, "match": "most"})
    assert bad.status_code == 400 and json.loads(bad.body)["field"] == "match"
    assert api(web_client, "DELETE", f"/api/rules/{first}").status_code == 204
    assert api(web_client, "DELETE", f"/api/rules/{first}").status_code == 404
    Agent(email="agent@example.com", name="Agent", role="agent", teams=["Support"]).save()
    assert api(web_client, "GET", "/api/rules", email="agent@example.com").status_code == 403
    assert api(web_client, "POST", "/api/rules", body, email="agent@example.com").status_code == 403
