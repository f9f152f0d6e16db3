"""Lambda's SQS event source mapping as the local runtime plays it (local/sqs.py), on moto in-process."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from local.provision import SLA_MAX_RECEIVES, SLA_VISIBILITY_TIMEOUT_S, create_sla_resources
from local.sqs import SqsPoller, lambda_event, succeeded

MESSAGES = [
    {
        "MessageId": f"id-{n}",
        "ReceiptHandle": f"handle-{n}",
        "MD5OfBody": f"md5-{n}",
        "Body": json.dumps({"n": n}),
        "Attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1795385945834"},
    }
    for n in range(3)
]


def test_the_event_has_lambdas_record_shape():
    message = {
        **MESSAGES[0],
        "MessageAttributes": {
            "kind": {"StringValue": "warning", "DataType": "String"},
            "blob": {"BinaryValue": b"\x00\x01", "DataType": "Binary"},
        },
    }
    [record] = lambda_event([message], "arn:aws:sqs:eu-west-1:123456789012:q")["Records"]
    assert record == {
        "messageId": "id-0",
        "receiptHandle": "handle-0",
        "body": '{"n": 0}',
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1795385945834"},
        "messageAttributes": {
            "kind": {
                "stringValue": "warning",
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": "String",
            },
            "blob": {
                "binaryValue": "AAE=",
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": "Binary",
            },
        },
        "md5OfBody": "md5-0",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:q",
        "awsRegion": "eu-west-1",
    }


@pytest.mark.parametrize("response", [None, "", {}, {"batchItemFailures": []}, {"other": 1}])
def test_no_failure_report_is_complete_success(response):
    assert succeeded(MESSAGES, response) == MESSAGES


def test_reported_failures_stay_in_the_queue():
    response = {"batchItemFailures": [{"itemIdentifier": "id-1"}]}
    assert [m["MessageId"] for m in succeeded(MESSAGES, response)] == ["id-0", "id-2"]


@pytest.mark.parametrize("failure", [{"itemIdentifier": "id-9"}, {"itemIdentifier": ""}, {}, "id-1"])
def test_a_failure_naming_no_message_of_the_batch_fails_it_all(failure):
    assert succeeded(MESSAGES, {"batchItemFailures": [{"itemIdentifier": "id-0"}, failure]}) == []


@pytest.fixture
def queue() -> Iterator[str]:
    """A fresh SLA queue (a new stage name: the service tests' mock may be active and shared)."""
    with mock_aws():
        yield create_sla_resources(f"unit{uuid.uuid4().hex[:8]}")["HELPDESK_SLA_QUEUE_URL"]


def queue_depth(url: str) -> int:
    attributes = boto3.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def test_poll_deletes_what_the_handler_did_not_report(queue):
    sqs = boto3.client("sqs")
    for n in range(3):
        sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"n": n}))
    seen = []

    def handler(event, context):
        seen.extend(json.loads(r["body"])["n"] for r in event["Records"])
        assert context.function_name == "sla_events" and context.get_remaining_time_in_millis() > 0
        return {
            "batchItemFailures": [
                {"itemIdentifier": r["messageId"]} for r in event["Records"] if '"n": 1' in r["body"]
            ]
        }

    SqsPoller(queue, "sla_events", handler).poll()
    assert sorted(seen) == [0, 1, 2]
    assert queue_depth(queue) == 1  # message 1, invisible until its visibility timeout ends


def test_a_raising_handler_deletes_nothing(queue):
    boto3.client("sqs").send_message(QueueUrl=queue, MessageBody="{}")

    def handler(event, context):
        raise RuntimeError("boom")

    SqsPoller(queue, "sla_events", handler).poll()
    assert queue_depth(queue) == 1


def test_failures_come_back_within_seconds_and_go_to_the_dead_letter_queue_at_last(queue):
    sqs = boto3.client("sqs")
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == str(SLA_VISIBILITY_TIMEOUT_S)
    assert json.loads(attributes["RedrivePolicy"]) == {
        "deadLetterTargetArn": f"{attributes['QueueArn']}-dlq",
        "maxReceiveCount": SLA_MAX_RECEIVES,
    }
