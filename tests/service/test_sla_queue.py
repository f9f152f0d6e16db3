"""The sla_events Lambda on moto, fed as Lambda's SQS poller feeds it: through Chalice's test client
and through the local runtime's poller. A message that fails is reported alone; the rest are acted on."""

from __future__ import annotations

import json
import uuid

import boto3
import pytest
from chalice.test import Client

from chalicelib.desk.ticket.tickets import thread
from chalicelib.models import Ticket
from local.sqs import SqsPoller
from tests.mailbuilder import raw_mail

POISON = "not an SLA event"


@pytest.fixture(scope="module")
def client():
    from app import app

    with Client(app) as test_client:
        yield test_client


def warning(number: int) -> str:
    """The message the timer state machine sends when a ticket's first-response warning is due."""
    return json.dumps(
        {
            "type": "warning",
            "ticket_number": number,
            "metric": "first_response",
            "sla_version": Ticket.get(number).sla_version,
            "due_at": "2026-11-23T10:00:00Z",
        }
    )


def sqs_event(client: Client, bodies: dict[str, str]) -> dict:
    """Chalice's SQS test event, with each record's own message id (Chalice gives them all one)."""
    event = client.events.generate_sqs_event(list(bodies.values()))
    for record, message_id in zip(event["Records"], bodies, strict=True):
        record["messageId"] = message_id
    return event


def warnings_recorded(number: int) -> int:
    return [m.event.as_dict()["type"] for m in thread(number) if m.kind == "event"].count("sla_warning")


def test_a_poison_message_fails_alone_and_the_rest_of_the_batch_is_handled(client, deliver):
    first, second = (deliver(raw_mail()).ticket_number for _ in range(2))
    event = sqs_event(
        client,
        {
            "m-1": warning(first),
            "m-2": POISON,
            "m-3": json.dumps({"type": "breach", "metric": "resolution"}),  # no ticket: KeyError
            "m-4": warning(second),
            "m-5": warning(first),  # a redelivery: recognised, not a failure
        },
    )
    response = client.lambda_.invoke("sla_events", event)
    assert response.payload == {"batchItemFailures": [{"itemIdentifier": "m-2"}, {"itemIdentifier": "m-3"}]}
    assert (warnings_recorded(first), warnings_recorded(second)) == (1, 1)


def test_a_batch_failing_entirely_names_every_message_instead_of_raising(client):
    response = client.lambda_.invoke("sla_events", sqs_event(client, {"m-1": POISON, "m-2": "{}"}))
    assert response.payload == {"batchItemFailures": [{"itemIdentifier": "m-1"}, {"itemIdentifier": "m-2"}]}


def test_a_batch_handled_entirely_reports_no_failure(client, deliver):
    number = deliver(raw_mail()).ticket_number
    response = client.lambda_.invoke("sla_events", sqs_event(client, {"m-1": warning(number)}))
    assert response.payload == {"batchItemFailures": []}
    assert warnings_recorded(number) == 1


def test_the_local_poller_leaves_only_the_failed_message_in_the_queue(deliver):
    """The local runtime's event source mapping reads the answer the powertools processor gives."""
    from app import app

    sqs = boto3.client("sqs")
    # Visible again at once when not deleted, so the next receive shows what the poller left.
    queue = sqs.create_queue(QueueName=f"sla-{uuid.uuid4().hex[:8]}", Attributes={"VisibilityTimeout": "0"})
    number = deliver(raw_mail()).ticket_number
    for body in (warning(number), POISON):
        sqs.send_message(QueueUrl=queue["QueueUrl"], MessageBody=body)
    sla_events = next(f for f in app.pure_lambda_functions if f.name == "sla_events")
    SqsPoller(queue["QueueUrl"], "sla_events", sla_events).poll()
    left = sqs.receive_message(QueueUrl=queue["QueueUrl"], MaxNumberOfMessages=10).get("Messages", [])
    assert [m["Body"] for m in left] == [POISON]
    assert warnings_recorded(number) == 1
