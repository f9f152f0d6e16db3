"""The ticket event stream on the local runtime: a mail over SMTP becomes events that reach the
stream consumer through moto's DynamoDB stream (local/streams.py, no direct call), each consumer's
delivery claimed once, and the integrations' `GET /api/events` over HTTP."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.desk.events.feed import SETTLE_SECONDS
from tests.mailbuilder import raw_mail
from tests.runtime import aws, call, send_mail, wait_for

pytestmark = pytest.mark.e2e
COUNTERS = "helpdesk-local-counters"
CONSUMERS = ("notifications", "webhooks")


def _token(runtime) -> str:
    status, body = call(
        runtime, "POST", "/api/session", {"email": runtime.admin_email, "password": runtime.admin_password}
    )
    assert status == 200, body
    return body["token"]


def _mail_a_new_ticket(runtime, token: str) -> dict:
    sender = f"stream-{uuid.uuid4().hex[:8]}@customer.test"
    send_mail(runtime, raw_mail(sender=sender, subject="Stream me"), sender, ["support@example.com"])

    def acknowledged() -> dict | None:
        _, found = call(runtime, "GET", f"/api/tickets?requester={sender}", token=token)
        if not found["items"]:
            return None
        _, ticket = call(runtime, "GET", f"/api/tickets/{found['items'][0]['number']}", token=token)
        return ticket if len(ticket["messages"]) >= 2 else None

    return wait_for(acknowledged, timeout=30)


def _claims(runtime, event_id: str) -> dict[str, str | None]:
    dynamodb = aws(runtime, "dynamodb")
    found = {}
    for consumer in CONSUMERS:
        item = dynamodb.get_item(
            TableName=COUNTERS, Key={"key": {"S": f"event#{event_id}#{consumer}"}}, ConsistentRead=True
        )
        found[consumer] = item.get("Item", {}).get("ref", {}).get("S")
    return found


def _delivered(runtime) -> list[dict]:
    """The consumer's log lines for delivered events (powertools JSON on the runtime's output)."""
    lines = []
    for line in runtime.log().splitlines():
        if line.startswith("{") and '"ticket event delivered"' in line:
            lines.append(json.loads(line))
    return lines


def test_a_mail_over_smtp_reaches_fan_out_through_the_stream_once_per_consumer(runtime):
    token = _token(runtime)
    since = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    ticket = _mail_a_new_ticket(runtime, token)
    ids = [f"{ticket['number']}#{message['id']}" for message in ticket["messages"]]
    for event_id in ids:  # the customer's message (ticket.created) and the acknowledgement
        wait_for(
            lambda event_id=event_id: _claims(runtime, event_id) == dict.fromkeys(CONSUMERS, "done"),
            timeout=30,
        )
    delivered = [line for line in _delivered(runtime) if line.get("event_id") in ids]
    assert sorted(line["event_id"] for line in delivered) == sorted(ids)  # each once
    assert {line["event_id"]: line["type"] for line in delivered}[ids[0]] == "ticket.created"

    time.sleep(SETTLE_SECONDS + 1)  # the feed leaves the newest seconds for the next call
    status, page = call(runtime, "GET", f"/api/events?since={since.replace('+', '%2B')}", token=token)
    assert status == 200, page
    mine = [item for item in page["items"] if item["ticket_number"] == ticket["number"]]
    assert [item["id"] for item in mine] == ids
    assert mine[0]["type"] == "ticket.created" and mine[0]["channel"] == "email"
    status, later = call(runtime, "GET", f"/api/events?since={page['next_cursor']}", token=token)
    assert status == 200 and all(item["ticket_number"] != ticket["number"] for item in later["items"])
    assert call(runtime, "GET", "/api/events")[0] == 401


def test_restored_history_is_not_delivered_again_after_a_restart(runtime):
    token = _token(runtime)
    before = _mail_a_new_ticket(runtime, token)
    first = f"{before['number']}#{before['messages'][0]['id']}"
    wait_for(lambda: _claims(runtime, first) == dict.fromkeys(CONSUMERS, "done"), timeout=30)
    time.sleep(2.5)  # the state snapshot (every ~2 s) holds the claims too

    runtime.restart()  # the restore re-puts every saved item: the stream reports INSERTs for them

    token = _token(runtime)
    after = _mail_a_new_ticket(runtime, token)
    fresh = f"{after['number']}#{after['messages'][0]['id']}"
    wait_for(lambda: _claims(runtime, fresh) == dict.fromkeys(CONSUMERS, "done"), timeout=30)
    handled = {line.get("event_id") for line in _delivered(runtime)}
    assert fresh in handled and first not in handled
