"""Notifications on the local runtime, over SMTP and HTTP: the ticket event stream (moto's, read
as Lambda's mapping reads it) reaches the notifications; mail lands in `.local/outbox/`, batched
through the real flush queue (a 3 s window here, HELPDESK_NOTIFICATION_MAIL_WINDOW_SECONDS)."""

from __future__ import annotations

import urllib.request
import uuid

import pytest

from tests.mailbuilder import raw_mail
from tests.runtime import aws, call, outbox_messages, send_mail, started_runtime, wait_for

pytestmark = pytest.mark.e2e
AGENTS = "helpdesk-local-agents"
NOTIFICATIONS = "helpdesk-local-notifications"
ADA = "ada@example.com"


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """A runtime of this module's own (a short mail window) with Ada (Support) and Carol (Billing)
    in it before anything read the agents."""
    env = {"HELPDESK_NOTIFICATION_MAIL_WINDOW_SECONDS": "3"}
    with started_runtime(tmp_path_factory.mktemp("notifications-state"), env=env) as running:
        dynamodb = aws(running, "dynamodb")
        for email, name, team in (
            (ADA, "Ada Lovelace", "Support"),
            ("carol@example.com", "Carol", "Billing"),
        ):
            dynamodb.put_item(
                TableName=AGENTS,
                Item={
                    "email": {"S": email},
                    "name": {"S": name},
                    "role": {"S": "agent"},
                    "teams": {"L": [{"S": team}]},
                    "active": {"BOOL": True},
                    "time_zone": {"S": "UTC"},
                    "scope": {"S": "agent"},
                },
            )
        yield running


@pytest.fixture(scope="module")
def token(desk) -> str:
    status, body = call(
        desk, "POST", "/api/session", {"email": desk.admin_email, "password": desk.admin_password}
    )
    assert status == 200, body
    return body["token"]


def _page(desk, token: str, path: str) -> str:
    request = urllib.request.Request(f"{desk.http_url}{path}")
    request.add_header("Cookie", f"__Host-helpdesk_session={token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read().decode()


def _mails(desk, to: str, number: int) -> list:
    return [
        m for m in outbox_messages(desk) if to in str(m["To"]) and f"(ticket {number})" in str(m["Subject"])
    ]


def _said(desk, to: str, number: int) -> str:
    return "\n".join(m.get_body(("plain",)).get_content() for m in _mails(desk, to, number))


def _unread(desk, email: str) -> int:
    item = aws(desk, "dynamodb").get_item(
        TableName=NOTIFICATIONS, Key={"agent": {"S": email}, "key": {"S": "unread"}}, ConsistentRead=True
    )
    return int(item.get("Item", {}).get("tally", {}).get("N", "0"))


def test_a_new_ticket_an_assignment_a_reply_and_a_mention_reach_bells_and_outboxes(desk, token):
    sender = f"notify-{uuid.uuid4().hex[:8]}@customer.test"
    send_mail(
        desk,
        raw_mail(sender=sender, subject="Printer on fire", body="Smoke everywhere."),
        sender,
        ["support@example.com"],
    )

    def opened() -> dict | None:
        _, found = call(desk, "GET", f"/api/tickets?requester={sender}", token=token)
        if not found["items"]:
            return None
        _, ticket = call(desk, "GET", f"/api/tickets/{found['items'][0]['number']}", token=token)
        return ticket if len(ticket["messages"]) >= 2 else None

    ticket = wait_for(opened, timeout=30)
    number = ticket["number"]
    # The on-duty agents of Support (the admin, Ada) are told; the bell shows it on every page.
    page = wait_for(
        lambda: (p := _page(desk, token, "/queues/open")) and 'id="bell-count"' in p and p, timeout=30
    )
    assert "<title>(1) " in page
    listing = _page(desk, token, "/notifications")
    assert "Printer on fire" in listing and f"#{number}" in listing
    [first] = wait_for(lambda: _mails(desk, desk.admin_email, number), timeout=30)
    assert "Smoke everywhere." in first.get_body(("plain",)).get_content()
    assert f"[#{number}]" not in first["Subject"] and first["Reply-To"] is None
    wait_for(lambda: _mails(desk, ADA, number), timeout=30)
    assert _mails(desk, "carol@example.com", number) == []

    # The admin assigns Ada; then the customer answers: both are for Ada, within her mail window.
    status, changed = call(
        desk, "PATCH", f"/api/tickets/{number}", {"version": ticket["version"], "assignee": ADA}, token
    )
    assert status == 200, changed
    ack = next(m for m in ticket["messages"] if m["kind"] == "reply")
    send_mail(
        desk,
        raw_mail(sender=sender, body="Still burning.", in_reply_to=ack["message_id"]),
        sender,
        ["support@example.com"],
    )
    wait_for(lambda: "Assigned to you by Demo Admin" in _said(desk, ADA, number), timeout=40)
    wait_for(lambda: "Still burning." in _said(desk, ADA, number), timeout=40)

    # A mention tells Ada; one of a Billing agent is refused, naming her.
    status, refused = call(
        desk,
        "POST",
        f"/api/tickets/{number}/notes",
        {"body": "@Carol?", "mentions": ["carol@example.com"]},
        token,
    )
    assert (
        status == 400 and "Carol (carol@example.com) cannot see tickets of team Support" in refused["message"]
    )
    status, note = call(
        desk,
        "POST",
        f"/api/tickets/{number}/notes",
        {"body": "@Ada Lovelace can you call them?", "mentions": [ADA]},
        token,
    )
    assert status == 201 and note["mentions"] == [ADA], note
    wait_for(lambda: "You were mentioned by Demo Admin" in _said(desk, ADA, number), timeout=40)
    assert "can you call them?" in _said(desk, ADA, number)
    assert _unread(desk, ADA) == 4  # new ticket, assigned, customer replied, mentioned
    # The admin caused the assignment and the note: their bell has the new ticket only.
    assert _unread(desk, desk.admin_email) == 1
