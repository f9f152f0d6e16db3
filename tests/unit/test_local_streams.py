"""Lambda's DynamoDB Streams event source mapping as the local runtime plays it (local/streams.py):
the record conversion, and the poller on a real moto stream in-process."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from local.streams import MAX_RETRIES, StreamPoller, first_failure, lambda_event, lambda_record

ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026-12-07T00:00:00.000"


def test_a_record_has_lambdas_shape():
    record = {
        "eventID": "e1",
        "eventName": "INSERT",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": datetime(2026, 12, 7, 10, 0, 0, 500000, tzinfo=UTC),
            "Keys": {"pk": {"S": "a"}},
            "NewImage": {
                "pk": {"S": "a"},
                "blob": {"B": b"\x00\x01"},
                "m": {"M": {"l": {"L": [{"BS": [b"\x02"]}]}}},
            },
            "SequenceNumber": "100",
            "SizeBytes": 42,
            "StreamViewType": "NEW_IMAGE",
        },
    }
    assert lambda_record(record, ARN) == {
        "eventID": "e1",
        "eventName": "INSERT",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "eventSourceARN": ARN,
        "dynamodb": {
            "ApproximateCreationDateTime": 1796637600.0,
            "Keys": {"pk": {"S": "a"}},
            "NewImage": {
                "pk": {"S": "a"},
                "blob": {"B": "AAE="},
                "m": {"M": {"l": {"L": [{"BS": ["Ag=="]}]}}},
            },
            "SequenceNumber": "100",
            "SizeBytes": 42,
            "StreamViewType": "NEW_IMAGE",
        },
    }


RECORDS = [{"dynamodb": {"SequenceNumber": str(n)}} for n in (100, 101, 102)]


@pytest.mark.parametrize("response", [None, {}, {"batchItemFailures": []}])
def test_no_failure_report_is_complete_success(response):
    assert first_failure(RECORDS, response) is None


def test_the_lowest_reported_failure_is_where_the_retry_starts():
    response = {"batchItemFailures": [{"itemIdentifier": "102"}, {"itemIdentifier": "101"}]}
    assert first_failure(RECORDS, response) == "101"


def test_a_failure_naming_no_record_of_the_batch_fails_it_all():
    assert first_failure(RECORDS, {"batchItemFailures": [{"itemIdentifier": "9"}]}) == "100"


@pytest.fixture
def table() -> Iterator[str]:
    with mock_aws():
        name = f"unit-{uuid.uuid4().hex[:8]}"
        boto3.client("dynamodb", region_name="us-east-1").create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        )
        yield name


def _put(table: str, *keys: str) -> None:
    for key in keys:
        boto3.client("dynamodb", region_name="us-east-1").put_item(TableName=table, Item={"pk": {"S": key}})


class Handler:
    """Fails the records whose key is in `failing` (by reporting them), records what it saw."""

    def __init__(self, failing: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.failing, self.seen = set(failing), []

    def __call__(self, event, context):
        assert context.function_name == "ticket_events"
        keys = [r["dynamodb"]["NewImage"]["pk"]["S"] for r in event["Records"]]
        assert all(r["eventSourceARN"].startswith("arn:aws:dynamodb:") for r in event["Records"])
        self.seen.append(keys)
        return {
            "batchItemFailures": [
                {"itemIdentifier": r["dynamodb"]["SequenceNumber"]}
                for r in event["Records"]
                if r["dynamodb"]["NewImage"]["pk"]["S"] in self.failing
            ]
        }


def test_what_existed_before_the_start_is_not_delivered(table, tmp_path: Path):
    _put(table, "restored")
    handler = Handler()
    poller = StreamPoller(table, "ticket_events", handler, tmp_path)
    poller.start()
    poller.poll()
    _put(table, "new")
    poller.poll()
    poller.poll()
    assert handler.seen == [["new"]]


def test_the_position_moves_only_past_succeeded_records(table, tmp_path: Path):
    handler = Handler(failing={"b"})
    poller = StreamPoller(table, "ticket_events", handler, tmp_path)
    poller.start()
    _put(table, "a", "b", "c")
    poller.poll()
    poller.poll()  # b failed: read again from b, with c after it
    handler.failing.clear()
    poller.poll()
    poller.poll()
    assert handler.seen == [["a", "b", "c"], ["b", "c"], ["b", "c"]]


def test_a_raising_handler_gets_the_whole_batch_again(table, tmp_path: Path):
    calls = []

    def handler(event, context):
        calls.append(len(event["Records"]))
        if len(calls) == 1:
            raise RuntimeError("boom")

    poller = StreamPoller(table, "ticket_events", handler, tmp_path)
    poller.start()
    _put(table, "a", "b")
    poller.poll()
    poller.poll()
    poller.poll()
    assert calls == [2, 2]


def test_after_its_retries_a_failing_record_goes_to_the_dead_letters_and_the_shard_moves_on(
    table, tmp_path: Path
):
    handler = Handler(failing={"bad"})
    poller = StreamPoller(table, "ticket_events", handler, tmp_path)
    poller.start()
    _put(table, "ok", "bad")
    for _ in range(MAX_RETRIES + 2):
        poller.poll()
    _put(table, "later")
    poller.poll()
    assert handler.seen == [["ok", "bad"]] + [["bad"]] * MAX_RETRIES + [["later"]]
    [dead] = list(tmp_path.glob("ticket_events-*.json"))
    body = json.loads(dead.read_text())
    assert body["DDBStreamBatchInfo"]["batchSize"] == 1
    assert body["records"][0]["dynamodb"]["NewImage"]["pk"] == {"S": "bad"}


def test_a_lost_iterator_resumes_from_the_last_position(table, tmp_path: Path):
    handler = Handler()
    poller = StreamPoller(table, "ticket_events", handler, tmp_path)
    poller.start()
    _put(table, "a")
    poller.poll()
    for shard in poller._shards.values():
        shard.iterator = "not-an-iterator-moto-knows"
    poller.poll()  # refused: resumes from the position at the next poll
    _put(table, "b")
    poller.poll()
    assert handler.seen == [["a"], ["b"]]


def test_the_event_converts_every_record():
    assert len(lambda_event(RECORDS_FULL, ARN)["Records"]) == 2


RECORDS_FULL = [
    {"eventName": "INSERT", "dynamodb": {"SequenceNumber": str(n), "NewImage": {"pk": {"S": str(n)}}}}
    for n in (1, 2)
]
