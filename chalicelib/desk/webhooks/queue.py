"""The delivery queue (SQS FIFO): what one message says, sending a batch of them, postponing one.

FIFO, because the message group (endpoint + ticket) is how SQS keeps one ticket's deliveries to one
endpoint in order: while a message of a group waits for its retry, the group's later messages wait
behind it, and other tickets' go on. The deduplication id is a hash of event id and endpoint, so
an event handed over twice (a stream retry within SQS's five-minute window) is queued once; the
delivery id is the same hash, so the log and its `delivered` check catch a later repeat too.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Sequence
from datetime import datetime

from chalicelib.aws import client
from chalicelib.config import ConfigError, settings
from chalicelib.desk.webhooks.log import Delivery

BATCH = 10  # SendMessageBatch's maximum


def delivery_id(event_id: str, endpoint_id: str) -> str:
    return hashlib.sha256(f"{event_id}|{endpoint_id}".encode()).hexdigest()[:32]


def resend_id() -> str:
    return "r" + secrets.token_hex(15)


def message_body(delivery: Delivery) -> str:
    return json.dumps(
        {
            "endpoint": delivery.endpoint,
            "delivery": delivery.delivery_id,
            "created_at": delivery.created_at.isoformat(),
            "event_id": delivery.event_id,
            "event_type": delivery.event_type,
            "ticket_number": delivery.ticket_number,
            "body": delivery.body,
            "resend_of": delivery.resend_of,
        }
    )


def from_message(text: str) -> Delivery:
    data = json.loads(text)
    return Delivery(
        endpoint=str(data["endpoint"]),
        delivery_id=str(data["delivery"]),
        created_at=datetime.fromisoformat(data["created_at"]),
        event_id=str(data["event_id"]),
        event_type=str(data["event_type"]),
        ticket_number=int(data["ticket_number"]),
        body=str(data["body"]),
        resend_of=data.get("resend_of"),
    )


def _queue_url() -> str:
    url = settings().webhook_queue_url
    if not url:
        raise ConfigError("HELPDESK_WEBHOOK_QUEUE_URL is not set: webhooks have no queue")
    return url


def enqueue(deliveries: Sequence[Delivery]) -> None:
    """Queue the deliveries, ten per request; raises when SQS refused any (the caller retries the
    event, and deduplication keeps the ones that went in from going twice)."""
    for start in range(0, len(deliveries), BATCH):
        chunk = deliveries[start : start + BATCH]
        answer = client("sqs").send_message_batch(
            QueueUrl=_queue_url(),
            Entries=[
                {
                    "Id": str(n),
                    "MessageBody": message_body(d),
                    "MessageGroupId": f"{d.endpoint}#{d.ticket_number}",
                    "MessageDeduplicationId": d.delivery_id,
                }
                for n, d in enumerate(chunk)
            ],
        )
        if answer.get("Failed"):
            raise RuntimeError(f"SQS refused webhook deliveries: {answer['Failed']}")


def postpone(receipt_handle: str, seconds: int) -> None:
    """The message comes back (for its next attempt) after `seconds`, not the queue's default."""
    client("sqs").change_message_visibility(
        QueueUrl=_queue_url(), ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
    )


def release(receipt_handles: Sequence[str]) -> None:
    """Messages visible again at once (their group still waits behind its failed message)."""
    for start in range(0, len(receipt_handles), BATCH):
        chunk = receipt_handles[start : start + BATCH]
        client("sqs").change_message_visibility_batch(
            QueueUrl=_queue_url(),
            Entries=[{"Id": str(n), "ReceiptHandle": h, "VisibilityTimeout": 0} for n, h in enumerate(chunk)],
        )
