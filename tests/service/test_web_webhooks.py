"""Webhook admin pages and API through Chalice's test client: admins only, CSRF on every form,
the secret shown once registered and on demand, deliveries listed with a resend."""

from __future__ import annotations

import json
import re

import boto3
import pytest

from chalicelib.desk.webhooks import endpoints, log
from chalicelib.models import Agent
from tests.service.agent_http import cookie, csrf_of, post

pytestmark = pytest.mark.usefixtures("signed_in", "fresh_tables")
RECEIVER = "http://127.0.0.1:9/hook"  # nothing listens: these tests deliver nothing


@pytest.fixture
def api(signed_in, monkeypatch):
    from chalicelib.web import auth, session

    monkeypatch.setattr(auth, "agent_for_token", session.agent_for_token)

    def call(web_client, method: str, path: str, body: dict | None = None, email: str = "admin@example.com"):
        headers = {"authorization": f"Bearer agent:{email}", "content-type": "application/json"}
        return web_client.http.request(method, path, body=json.dumps(body or {}).encode(), headers=headers)

    return call


@pytest.fixture
def agent_row():
    Agent(email="agent@example.com", name="Agent", role="agent", teams=["Support"]).save()


def page_form(web_client, page: str, path: str, **fields):
    html = web_client.http.get(page, headers=cookie()).body.decode()
    return post(web_client, path, {"csrf": csrf_of(html), **fields})


def test_an_admin_registers_an_endpoint_on_the_page_and_sees_its_secret_once_registered(web_client):
    response = page_form(
        web_client,
        "/admin/webhooks",
        "/admin/webhooks",
        url=RECEIVER,
        events=["ticket.created", "sla.breached"],
    )
    assert response.status_code == 200
    html = response.body.decode()
    secret = re.search(r'<code class="secret">(whsec_[^<]+)</code>', html).group(1)
    [endpoint] = endpoints.list_endpoints(endpoints_admin())
    assert endpoint.url == RECEIVER and endpoint.events == ("ticket.created", "sla.breached")
    assert endpoint.include_notes is False
    listed = web_client.http.get("/admin/webhooks", headers=cookie()).body.decode()
    assert RECEIVER in listed and secret not in listed  # only on demand from now on
    shown = page_form(web_client, f"/admin/webhooks/{endpoint.id}", f"/admin/webhooks/{endpoint.id}/secret")
    assert secret in shown.body.decode()
    assert "/admin/webhooks" in web_client.http.get("/admin", headers=cookie()).body.decode()


def test_a_refused_url_is_shown_with_the_form_kept(web_client):
    response = page_form(
        web_client,
        "/admin/webhooks",
        "/admin/webhooks",
        url="https://169.254.169.254/",
        events=["ticket.created"],
    )
    assert response.status_code == 400
    html = response.body.decode()
    assert "the cloud metadata service" in html and 'value="https://169.254.169.254/"' in html
    assert 'value="ticket.created" checked' in html
    assert endpoints.list_endpoints(endpoints_admin()) == ()


def test_forms_need_the_csrf_token_and_the_admin_role(web_client, agent_row):
    refused = post(
        web_client, "/admin/webhooks", {"csrf": "0" * 64, "url": RECEIVER, "events": "ticket.created"}
    )
    assert refused.status_code == 403
    as_agent = web_client.http.get("/admin/webhooks", headers=cookie("agent@example.com"))
    assert as_agent.status_code == 403
    assert endpoints.list_endpoints(endpoints_admin()) == ()


def test_the_endpoint_page_lists_deliveries_newest_first_and_resends_one(web_client, monkeypatch):
    from datetime import UTC, datetime, timedelta

    from chalicelib.desk.webhooks import queue

    endpoint, _ = endpoints.register(endpoints_admin(), RECEIVER, ["ticket.created"], include_notes=False)
    at = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    for n, code in ((1, 500), (2, 200)):
        delivery = log.Delivery(
            endpoint.id, f"d{n}", at + timedelta(minutes=n), f"{n}#k", "ticket.created", n, "{}"
        )
        log.record(
            delivery, at + timedelta(minutes=n), "delivered" if code == 200 else "retrying", status_code=code
        )
    html = web_client.http.get(f"/admin/webhooks/{endpoint.id}", headers=cookie()).body.decode()
    assert html.index("#2</a>") < html.index("#1</a>")
    assert "HTTP 500" in html and "HTTP 200" in html
    own_queue = own_delivery_queue(monkeypatch)
    key = f"{(at + timedelta(minutes=1)).isoformat()}#d1"
    resent = page_form(
        web_client, f"/admin/webhooks/{endpoint.id}", f"/admin/webhooks/{endpoint.id}/resend", delivery=key
    )
    assert resent.status_code == 303
    [message] = boto3.client("sqs").receive_message(QueueUrl=own_queue, MaxNumberOfMessages=10)["Messages"]
    again = queue.from_message(message["Body"])
    assert (again.resend_of, again.ticket_number, again.body) == ("d1", 1, "{}")


def test_the_api_registers_lists_changes_shows_the_secret_and_removes(web_client, api, agent_row):
    created = api(web_client, "POST", "/api/webhooks", {"url": RECEIVER, "events": ["ticket.created"]})
    assert created.status_code == 201
    body = json.loads(created.body)
    assert body["secret"].startswith("whsec_") and body["enabled"] is True
    listed = json.loads(api(web_client, "GET", "/api/webhooks").body)["items"]
    assert [e["id"] for e in listed] == [body["id"]] and "secret" not in listed[0]
    changed = api(
        web_client,
        "PATCH",
        f"/api/webhooks/{body['id']}",
        {"events": ["ticket.assigned"], "include_notes": True, "enabled": False},
    )
    assert json.loads(changed.body)["events"] == ["ticket.assigned"]
    secret = json.loads(api(web_client, "GET", f"/api/webhooks/{body['id']}/secret").body)["secret"]
    assert secret == body["secret"]
    assert (
        api(web_client, "GET", f"/api/webhooks/{body['id']}/secret", email="agent@example.com").status_code
        == 403
    )
    assert api(web_client, "GET", "/api/webhooks", email="agent@example.com").status_code == 403
    assert json.loads(api(web_client, "GET", f"/api/webhooks/{body['id']}/deliveries").body) == {"items": []}
    refused = api(
        web_client, "POST", "/api/webhooks", {"url": "https://10.0.0.1/", "events": ["ticket.created"]}
    )
    assert refused.status_code == 400 and "a private address" in json.loads(refused.body)["message"]
    assert api(web_client, "DELETE", f"/api/webhooks/{body['id']}").status_code == 204
    assert api(web_client, "DELETE", f"/api/webhooks/{body['id']}").status_code == 404


def own_delivery_queue(monkeypatch) -> str:
    """A delivery queue of the test's own (the session's is shared), named in the queue's settings."""
    import dataclasses
    import uuid

    from chalicelib.config import settings
    from chalicelib.desk.webhooks import queue

    url = boto3.client("sqs").create_queue(
        QueueName=f"webhooks-{uuid.uuid4().hex[:8]}.fifo", Attributes={"FifoQueue": "true"}
    )["QueueUrl"]
    own = dataclasses.replace(settings(), webhook_queue_url=url)
    monkeypatch.setattr(queue, "settings", lambda: own)
    return url


def endpoints_admin():
    from chalicelib.desk.setup.agents import load_agent

    return load_agent("admin@example.com")
