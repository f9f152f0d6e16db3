"""Webhooks on moto: `on_event` queues, the real delivery handler (fed by the local runtime's SQS
poller, as Lambda's event source mapping would) POSTs to a real HTTP server on 127.0.0.1.

The in-process settings (local/sandbox.py) allow loopback over http and retry after 1 s, 2 s …
"""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from chalicelib.desk.base.errors import Forbidden, InvalidRequest
from chalicelib.desk.events import TicketEvent
from chalicelib.desk.setup.agents import AgentProfile
from chalicelib.desk.webhooks import delivery, dispatch, endpoints, log, on_event, queue
from chalicelib.desk.webhooks.signature import verify
from chalicelib.models import Ticket, WebhookEndpoint
from local.sqs import SqsPoller
from tests.mailbuilder import raw_mail
from tests.webhook_receiver import webhook_receiver

pytestmark = pytest.mark.usefixtures("fresh_tables")
AGENT = AgentProfile(email="agent@example.com", name="Agent", role="agent", teams=("Support",))


@pytest.fixture
def poll(monkeypatch):
    """One receive-and-handle of a delivery queue of the test's own (FIFO, as provisioned), as the
    local runtime runs it."""
    from app import app
    from chalicelib.config import settings

    url = boto3.client("sqs").create_queue(
        QueueName=f"webhooks-{uuid.uuid4().hex[:8]}.fifo",
        Attributes={"FifoQueue": "true", "VisibilityTimeout": "5"},
    )["QueueUrl"]
    own = dataclasses.replace(settings(), webhook_queue_url=url)
    monkeypatch.setattr(queue, "settings", lambda: own)
    handler = next(f for f in app.pure_lambda_functions if f.name == "webhook_deliveries")
    endpoints.forget()
    yield SqsPoller(url, "webhook_deliveries", handler).poll
    endpoints.forget()


@pytest.fixture
def ticket(deliver) -> Ticket:
    return Ticket.get(deliver(raw_mail(subject="Where is my parcel?")).ticket_number)


def event(ticket: Ticket, suffix: str = "a", **fields) -> TicketEvent:
    at = datetime.now(UTC).replace(microsecond=0)
    values = {
        "id": f"{ticket.number}#{at.isoformat()}#{suffix}",
        "type": "ticket.created",
        "ticket_number": ticket.number,
        "at": at,
        "actor": None,
        "actor_name": None,
        "kind": "customer",
        "text": "Hello, my order has not arrived.",
        "change": {},
        "channel": "email",
    }
    return TicketEvent(**(values | fields))


def settle(poll, rounds: int = 1, wait_s: float = 1.2) -> None:
    """Poll, then let failed messages' backoff (1 s at the first failure) pass, `rounds` times."""
    for _ in range(rounds):
        poll()
        time.sleep(wait_s)


def test_a_delivery_is_signed_retried_after_a_500_and_never_sent_again_after_a_200(admin, ticket, poll):
    with webhook_receiver(500) as receiver:
        endpoint, secret = endpoints.register(admin, receiver.url, ["ticket.created"], include_notes=False)
        happened = event(ticket)
        on_event(happened, ticket)
        on_event(happened, ticket)  # the consumer retried: SQS deduplicates on event and endpoint
        settle(poll, rounds=3)
        assert len(receiver.requests) == 2
        first, second = receiver.requests
        assert first.body == second.body and first.path == "/hook"
        assert first.headers["Helpdesk-Delivery"] == second.headers["Helpdesk-Delivery"]
        assert first.headers["Helpdesk-Event"] == "ticket.created"
        assert first.headers["Content-Type"] == "application/json"
        now = int(time.time())
        for request in receiver.requests:
            assert verify(secret, request.headers["Helpdesk-Signature"], request.body, now)
            assert not verify(secret + "x", request.headers["Helpdesk-Signature"], request.body, now)
        sent = json.loads(first.body)
        assert sent["event"]["id"] == happened.id
        assert sent["ticket"]["number"] == ticket.number
        assert sent["ticket"]["subject"] == "Where is my parcel?"
        assert sent["ticket"]["links"]["agent_app"] == f"https://desk.example.test/tickets/{ticket.number}"

        [logged] = dispatch.deliveries(admin, endpoint.id)
        assert logged.status == "delivered" and logged.attempt_count == 2
        assert [a.get("status_code") for a in logged.attempts] == [500, 200]
        assert all(a["duration_ms"] >= 0 for a in logged.attempts)

        # A repeat after SQS's five-minute deduplication: the log knows it was delivered.
        again = queue.from_message(
            queue.message_body(
                log.Delivery(
                    endpoint=endpoint.id,
                    delivery_id=queue.delivery_id(happened.id, endpoint.id),
                    created_at=happened.at,
                    event_id=happened.id,
                    event_type=happened.type,
                    ticket_number=ticket.number,
                    body=first.body.decode(),
                )
            )
        )
        assert delivery.attempt(again, 1).kind == "duplicate"
        settle(poll)
        assert len(receiver.requests) == 2


def test_one_tickets_deliveries_stay_in_order_behind_a_retry(admin, ticket, poll):
    with webhook_receiver(503) as receiver:
        endpoints.register(admin, receiver.url, ["ticket.created", "ticket.assigned"], include_notes=False)
        created = event(ticket, "a")
        assigned = event(
            ticket,
            "b",
            type="ticket.assigned",
            kind="event",
            text="Assigned to Demo Admin",
            change={"type": "assignee"},
        )
        on_event(created, ticket)
        on_event(assigned, ticket)
        settle(poll, rounds=3)
        order = [json.loads(r.body)["event"]["id"] for r in receiver.requests]
        assert order == [created.id, created.id, assigned.id]


def test_internal_events_and_unwanted_types_are_not_sent(admin, ticket, poll):
    with webhook_receiver() as receiver, webhook_receiver() as notes_receiver:
        endpoints.register(admin, receiver.url, ["ticket.note_added", "ticket.created"], include_notes=False)
        endpoints.register(admin, notes_receiver.url, ["ticket.note_added"], include_notes=True)
        note = event(ticket, "n", type="ticket.note_added", kind="note", internal=True, text="VIP customer")
        on_event(note, ticket)
        on_event(event(ticket, "r", type="ticket.customer_replied"), ticket)
        settle(poll, wait_s=0.2)
        assert receiver.requests == []
        [received] = notes_receiver.requests
        assert json.loads(received.body)["event"]["text"] == "VIP customer"


def test_an_admin_resends_a_delivery_as_a_new_one(admin, ticket, poll):
    with webhook_receiver() as receiver:
        endpoint, _ = endpoints.register(admin, receiver.url, ["ticket.created"], include_notes=False)
        on_event(event(ticket), ticket)
        settle(poll, wait_s=0.1)
        [original] = dispatch.deliveries(admin, endpoint.id)
        with pytest.raises(Forbidden):
            dispatch.resend(AGENT, endpoint.id, original.key)
        again = dispatch.resend(admin, endpoint.id, original.key)
        settle(poll, wait_s=0.1)
        first, second = receiver.requests
        assert first.body == second.body
        assert second.headers["Helpdesk-Delivery"] == again.delivery_id != first.headers["Helpdesk-Delivery"]
        newest, oldest = dispatch.deliveries(admin, endpoint.id)
        assert (newest.resend_of, newest.status, oldest.key) == (
            original.delivery_id,
            "delivered",
            original.key,
        )


def test_an_endpoint_failing_for_a_day_is_disabled_and_the_admins_are_mailed(admin, ticket, poll, sent_mail):
    with webhook_receiver(500, 500) as receiver:
        endpoint, _ = endpoints.register(admin, receiver.url, ["ticket.created"], include_notes=False)
        on_event(event(ticket, "a"), ticket)
        settle(poll)  # fails once: failing since now, retried
        assert endpoints.row(endpoint.id).failing_since is not None
        day_ago = datetime.now(UTC) - timedelta(hours=24, minutes=1)
        WebhookEndpoint(scope="webhook", id=endpoint.id).update(
            actions=[WebhookEndpoint.failing_since.set(day_ago)]
        )
        mails_before = len(sent_mail())
        settle(poll)  # fails again, a day after the first failure: disabled, not retried
        stored = endpoints.row(endpoint.id)
        assert stored.enabled is False and "HTTP 500" in (stored.disabled_reason or "")
        [mail] = sent_mail()[mails_before:]
        assert mail["To"] == "Demo Admin <admin@example.com>"
        assert mail["Subject"] == f"Webhook disabled: {receiver.url}"
        assert "enable it on the Admin page" in mail.get_body(("plain",)).get_content()
        on_event(event(ticket, "b"), ticket)  # a disabled endpoint gets nothing queued
        settle(poll, wait_s=0.1)
        assert len(receiver.requests) == 2
        assert [d.status for d in dispatch.deliveries(admin, endpoint.id)] == ["failed"]

        endpoints.update(admin, endpoint.id, ["ticket.created"], include_notes=False, enabled=True)
        assert endpoints.row(endpoint.id).failing_since is None


def test_the_address_is_checked_again_at_every_delivery(admin, ticket, poll, monkeypatch):
    with webhook_receiver() as receiver:
        port = receiver.url.split(":")[2].split("/")[0]
        endpoint, _ = endpoints.register(admin, f"http://localhost:{port}/hook", ["ticket.created"], False)
        # DNS rebinding: the name that resolved to loopback at registration now answers a private
        # address (the system resolver stands in for the attacker's DNS server here).
        monkeypatch.setattr(delivery, "resolve", lambda host, port: ["10.0.0.7"])
        on_event(event(ticket), ticket)
        settle(poll, wait_s=0.1)
        assert receiver.requests == []
        [logged] = dispatch.deliveries(admin, endpoint.id)
        assert logged.status == "retrying"
        assert logged.attempts[0]["error"] == "refused: localhost resolves to 10.0.0.7, a private address"
        # A stored URL that is no longer acceptable is refused the same way.
        WebhookEndpoint(scope="webhook", id=endpoint.id).update(
            actions=[WebhookEndpoint.url.set("https://169.254.169.254/latest/meta-data/")]
        )
        time.sleep(1.1)
        settle(poll, wait_s=0.1)
        [logged] = dispatch.deliveries(admin, endpoint.id)
        assert logged.attempts[1]["error"] == "refused: 169.254.169.254 is the cloud metadata service"
        assert receiver.requests == []


def test_registration_refuses_what_delivery_would_and_only_admins_register(admin):
    for url, words in (
        ("http://hooks.example.com/", "https://"),
        ("https://169.254.169.254/latest", "metadata"),
        ("https://[fd00:ec2::254]/", "metadata"),
        ("http://10.0.0.1/", "https://"),
    ):
        with pytest.raises(InvalidRequest, match=words):
            endpoints.register(admin, url, ["ticket.created"], include_notes=False)
    with pytest.raises(InvalidRequest, match=r"unknown event types: ticket\.exploded"):
        endpoints.register(admin, "http://127.0.0.1:9/h", ["ticket.exploded"], include_notes=False)
    with pytest.raises(Forbidden):
        endpoints.register(AGENT, "http://127.0.0.1:9/h", ["ticket.created"], include_notes=False)
    assert endpoints.list_endpoints(admin) == ()


def test_the_secret_is_shown_to_admins_and_can_be_replaced(admin):
    endpoint, secret = endpoints.register(
        admin, "http://127.0.0.1:9/h", ["ticket.created"], include_notes=True
    )
    assert endpoints.reveal_secret(admin, endpoint.id) == secret
    with pytest.raises(Forbidden):
        endpoints.reveal_secret(AGENT, endpoint.id)
    rotated = endpoints.rotate_secret(admin, endpoint.id)
    assert rotated != secret and endpoints.reveal_secret(admin, endpoint.id) == rotated
    endpoints.remove(admin, endpoint.id)
    assert endpoints.list_endpoints(admin) == ()


def test_requests_per_delivery(admin, ticket, poll, requests_made):
    """docs/COST.md's figures: what one event costs with one endpoint, delivered at once or retried."""
    with webhook_receiver(500) as receiver:
        endpoints.register(admin, receiver.url, ["ticket.created", "ticket.assigned"], include_notes=False)
        endpoints.enabled_endpoints()  # the consumer's cached list, read once a minute per container
        with requests_made.measure() as queued:
            on_event(event(ticket, "a"), ticket)
        assert dict(queued) == {"sqs:SendMessageBatch": 1}
        with requests_made.measure() as failed:
            poll()
        assert dict(failed) == {
            "sqs:ReceiveMessage": 1,
            "dynamodb:GetItem": 2,  # the endpoint, the delivery's log (delivered already?)
            "dynamodb:UpdateItem": 2,  # the log, the endpoint's failing_since
            "sqs:ChangeMessageVisibility": 1,  # the backoff
        }
        time.sleep(1.2)
        with requests_made.measure() as delivered:
            poll()
        assert dict(delivered) == {
            "sqs:ReceiveMessage": 1,
            "dynamodb:GetItem": 2,
            "dynamodb:UpdateItem": 2,  # the log, and the endpoint's failing spell ended
            "sqs:DeleteMessageBatch": 1,
        }
        with requests_made.measure() as healthy:
            on_event(event(ticket, "b", type="ticket.assigned", kind="event", text="Assigned"), ticket)
            poll()
        assert dict(healthy) == {
            "sqs:SendMessageBatch": 1,
            "sqs:ReceiveMessage": 1,
            "dynamodb:GetItem": 2,
            "dynamodb:UpdateItem": 1,
            "sqs:DeleteMessageBatch": 1,
        }
        sizes = [len(r.body) for r in receiver.requests]
        assert max(sizes) < 1500, sizes  # a short text's payload: the log item stays within 2 KB (2 WRU)
