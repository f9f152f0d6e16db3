"""Lambda's SQS event source mapping, locally: receive a batch, invoke the handler, delete what succeeded.

As in AWS with `ReportBatchItemFailures`: the handler gets the Lambda SQS event and may answer
`{"batchItemFailures": [{"itemIdentifier": <messageId>}]}`; those messages (all of them when the
handler raises or names a message not in the batch) stay in the queue, come back after its
visibility timeout and, after the queue's maxReceiveCount, go to its dead-letter queue.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from typing import Any

import boto3

from local.invoke import LambdaContext

log = logging.getLogger("local.sqs")
BATCH_SIZE = 10  # the event source mapping's default and SQS's maximum per receive

Handler = Callable[[dict[str, Any], Any], Any]


def _message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    converted: dict[str, Any] = {
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": value["DataType"],
    }
    if "StringValue" in value:
        converted["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        converted["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    return converted


def lambda_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The event Lambda builds from received messages (SQS API shapes → Lambda's record shapes)."""
    region = queue_arn.split(":")[3]
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "messageAttributes": {
                    name: _message_attribute(value)
                    for name, value in message.get("MessageAttributes", {}).items()
                },
                "md5OfBody": message["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for message in messages
        ]
    }


def succeeded(messages: list[dict[str, Any]], response: Any) -> list[dict[str, Any]]:
    """The messages a handler's answer lets go: all but its `batchItemFailures`.

    No report (None, `{}`, an empty list) is complete success; a failure naming no message of the
    batch makes the whole batch fail, as Lambda does.
    """
    failures = response.get("batchItemFailures") if isinstance(response, dict) else None
    if not failures:
        return messages
    failed = {f.get("itemIdentifier") if isinstance(f, dict) else None for f in failures}
    if not failed <= {m["MessageId"] for m in messages}:
        log.warning("batchItemFailures names %s, not in the batch: the whole batch failed", failed)
        return []
    return [m for m in messages if m["MessageId"] not in failed]


class SqsPoller:
    """Feeds one queue to one handler; `poll` handles at most one batch (run it in a `Periodic`).

    It never long-polls: the embedded AWS answers one request at a time, so a waiting receive
    would hold up every other call, including the state machine's SendMessage.
    """

    def __init__(self, queue_url: str, name: str, handler: Handler) -> None:
        self._sqs = boto3.client("sqs")
        self._queue_url, self._name, self._handler = queue_url, name, handler
        attributes = self._sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
        self._queue_arn = attributes["Attributes"]["QueueArn"]

    def poll(self) -> None:
        messages = self._sqs.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=BATCH_SIZE,
            WaitTimeSeconds=0,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return
        context = LambdaContext(function_name=self._name)
        context.start_attempt()
        try:
            response = self._handler(lambda_event(messages, self._queue_arn), context)
        except Exception:
            log.exception("%s failed; its %d messages will be received again", self._name, len(messages))
            return
        done = succeeded(messages, response)
        if len(done) < len(messages):
            log.warning("%s: %d of %d messages failed", self._name, len(messages) - len(done), len(messages))
        if done:
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)]
            deleted = self._sqs.delete_message_batch(QueueUrl=self._queue_url, Entries=entries)
            for failure in deleted.get("Failed", []):
                log.warning("%s: message not deleted, it will come again: %s", self._name, failure)
