"""Webhooks on the local runtime: a real HTTP receiver on 127.0.0.1 registered through the API.

The last test is the issue's: a mail to support@ becomes a ticket, its `ticket.created` event
reaches `desk.webhooks.on_event` through the event stream's consumer
(chalicelib/handlers/ticket_events.py, run by the local runtime on the moto server's stream), the
runtime's SQS poller runs `webhook_deliveries`, and the receiver gets a webhook whose signature
verifies, gets it again after answering 500 once, and never again after its 200.
"""

from __future__ import annotations

import json
import time

import pytest

from chalicelib.desk.webhooks.signature import verify
from tests.mailbuilder import raw_mail
from tests.runtime import aws, call, send_mail, wait_for
from tests.webhook_receiver import webhook_receiver

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def token(runtime) -> str:
    status, body = call(
        runtime, "POST", "/api/session", {"email": runtime.admin_email, "password": runtime.admin_password}
    )
    assert status == 200, body
    return body["token"]


def register(runtime, token: str, url: str, events: list[str]) -> tuple[int, dict]:
    return call(runtime, "POST", "/api/webhooks", {"url": url, "events": events}, token=token)


def test_the_runtime_accepts_loopback_receivers_and_refuses_private_and_metadata_ones(runtime, token):
    status, body = register(runtime, token, "http://127.0.0.1:9/hook", ["ticket.created"])
    assert status == 201 and body["secret"].startswith("whsec_"), body
    for url, reason in (
        ("http://10.0.0.1/hook", "https://"),
        ("https://169.254.169.254/latest/meta-data/", "the cloud metadata service"),
        ("https://[fd00:ec2::254]/", "the cloud metadata service"),
        ("https://192.168.1.10/", "a private address"),
    ):
        status, refused = register(runtime, token, url, ["ticket.created"])
        assert status == 400 and reason in refused["message"], (url, refused)
    assert call(runtime, "DELETE", f"/api/webhooks/{body['id']}", token=token)[0] == 204


def test_a_resent_delivery_goes_through_the_runtimes_queue_retried_after_a_500(runtime, token):
    """The runtime's own queue, poller and handler, entered through the API's resend of a delivery
    logged as the handler logs one (no mail, no stream)."""
    with webhook_receiver(500) as receiver:
        status, endpoint = register(runtime, token, receiver.url, ["ticket.created"])
        assert status == 201, endpoint
        key = "2026-12-07T09:00:00+00:00#e2e-original"
        body = json.dumps({"event": {"id": "1#k", "type": "ticket.created"}, "ticket": {"number": 1}})
        aws(runtime, "dynamodb").put_item(
            TableName="helpdesk-local-webhook_deliveries",
            Item={
                "endpoint": {"S": endpoint["id"]},
                "key": {"S": key},
                "delivery_id": {"S": "e2e-original"},
                "event_id": {"S": "1#k"},
                "event_type": {"S": "ticket.created"},
                "ticket_number": {"N": "1"},
                "body": {"S": body},
                "status": {"S": "delivered"},
                "attempt_count": {"N": "1"},
                "created_at": {"S": "2026-12-07T09:00:00.000000+0000"},
            },
        )
        try:
            status, resent = call(
                runtime, "POST", f"/api/webhooks/{endpoint['id']}/resend", {"delivery": key}, token=token
            )
            assert status == 202, resent
            first, second = receiver.wait_for(2, timeout_s=30)
            time.sleep(5)
            assert len(receiver.requests) == 2
            assert first.body == second.body == body.encode()
            assert (
                first.headers["Helpdesk-Delivery"]
                == second.headers["Helpdesk-Delivery"]
                == resent["delivery_id"]
            )
            now = int(time.time())
            assert all(
                verify(endpoint["secret"], r.headers["Helpdesk-Signature"], r.body, now)
                for r in (first, second)
            )

            def delivered():
                _, log = call(runtime, "GET", f"/api/webhooks/{endpoint['id']}/deliveries", token=token)
                return [
                    d
                    for d in log["items"]
                    if d.get("resend_of") == "e2e-original" and d["status"] == "delivered"
                ]

            [logged] = wait_for(delivered)
            assert [a.get("status_code") for a in logged["attempts"]] == [500, 200]
        finally:
            call(runtime, "DELETE", f"/api/webhooks/{endpoint['id']}", token=token)


def test_a_new_ticket_is_delivered_signed_retried_after_a_500_and_never_twice_after_a_200(runtime, token):
    with webhook_receiver(500) as receiver:
        status, endpoint = register(runtime, token, receiver.url, ["ticket.created"])
        assert status == 201, endpoint
        try:
            # No wait for the consumer's cached endpoint list: the runtime runs the consumer in the
            # process whose API registered the endpoint, and registering drops that cache.
            subject = f"Webhook e2e {time.time_ns()}"
            send_mail(runtime, raw_mail(subject=subject), "ada@customer.test", ["support@example.com"])
            first, second = receiver.wait_for(2, timeout_s=60)
            time.sleep(5)  # long enough for another retry (1 s, then 2 s) had the 200 not counted
            assert len(receiver.requests) == 2
            assert first.body == second.body
            assert first.headers["Helpdesk-Delivery"] == second.headers["Helpdesk-Delivery"]
            now = int(time.time())
            for request in (first, second):
                assert verify(endpoint["secret"], request.headers["Helpdesk-Signature"], request.body, now)
            sent = json.loads(first.body)
            assert (sent["event"]["type"], sent["ticket"]["subject"]) == ("ticket.created", subject)

            def delivered():
                _, log = call(runtime, "GET", f"/api/webhooks/{endpoint['id']}/deliveries", token=token)
                return [d for d in log["items"] if d["status"] == "delivered"]

            [logged] = wait_for(delivered)
            assert [a.get("status_code") for a in logged["attempts"]] == [500, 200]
        finally:
            call(runtime, "DELETE", f"/api/webhooks/{endpoint['id']}", token=token)
