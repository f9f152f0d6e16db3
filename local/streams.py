"""Lambda's DynamoDB Streams event source mapping, locally: read moto's stream, invoke the handler.

As in AWS (starting position LATEST, `ReportBatchItemFailures`, a bounded number of retries, an
on-failure destination): each poll reads up to a batch from every shard (GetRecords), converts
the records to Lambda's event shape and invokes the real handler. The shard's position moves past
the records that succeeded: all of them, or those before the lowest sequence number the handler
named in `batchItemFailures` (a raise or a report naming no record of the batch fails it whole).
The failed records come again on the next poll, from that sequence number; after
`MAX_RETRIES` retries of the same record the batch from it is written to
`<dead letters>/ticket_events-<sequence>.json` (Lambda's on-failure record, plus the records) and
the shard moves on.

Restarts: moto keeps its stream in memory, and the state restore re-puts every saved item, which
the stream reports as INSERTs. The poller therefore starts at LATEST once the restore is done
(`start`, called after it), so restored history is not delivered again (the claims would stop a
second delivery anyway, while they last). A record written and not yet polled when the runtime
stops is delivered by the poller's last run at stop. An iterator moto no longer knows (or the
stream of a recreated table) is replaced from the last position, or at LATEST for a new stream.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3

from local.files import write_atomically
from local.invoke import LambdaContext

log = logging.getLogger("local.streams")
BATCH_SIZE = 25  # chalicelib.handlers.ticket_events.BATCH_SIZE, as the mapping is configured
MAX_RETRIES = 3  # infra's MaximumRetryAttempts for the mapping, kept small locally

Handler = Callable[[dict[str, Any], Any], Any]


def _binary_as_base64(value: dict[str, Any]) -> dict[str, Any]:
    """Lambda's event carries B and BS values base64-encoded; boto3 hands them over as bytes."""
    ((kind, inner),) = value.items()
    if kind == "B":
        return {"B": base64.b64encode(inner).decode()}
    if kind == "BS":
        return {"BS": [base64.b64encode(v).decode() for v in inner]}
    if kind == "M":
        return {"M": {k: _binary_as_base64(v) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [_binary_as_base64(v) for v in inner]}
    return value


def _image(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _binary_as_base64(value) for name, value in item.items()}


def lambda_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """One GetRecords record as Lambda delivers it: the stream's ARN added, the creation time in
    epoch seconds (boto3 parses it to a datetime), binary values base64."""
    dynamodb = dict(record["dynamodb"])
    created = dynamodb.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        aware = created if created.tzinfo else created.replace(tzinfo=UTC)
        dynamodb["ApproximateCreationDateTime"] = float(int(aware.timestamp()))
    for image in ("Keys", "NewImage", "OldImage"):
        if image in dynamodb:
            dynamodb[image] = _image(dynamodb[image])
    converted = {key: value for key, value in record.items() if key != "dynamodb"}
    converted["dynamodb"] = dynamodb
    converted["eventSourceARN"] = stream_arn
    return converted


def lambda_event(records: list[dict[str, Any]], stream_arn: str) -> dict[str, Any]:
    return {"Records": [lambda_record(record, stream_arn) for record in records]}


def first_failure(records: list[dict[str, Any]], response: Any) -> str | None:
    """The sequence number to retry from: the lowest one named in `batchItemFailures`, None when
    all succeeded; the batch's first when the report names a record not in it (Lambda fails it whole)."""
    failures = response.get("batchItemFailures") if isinstance(response, dict) else None
    if not failures:
        return None
    sequence = [r["dynamodb"]["SequenceNumber"] for r in records]
    named = {str(f.get("itemIdentifier")) if isinstance(f, dict) else "" for f in failures}
    if not named <= set(sequence):
        log.warning("batchItemFailures names %s, not in the batch: the whole batch failed", named)
        return sequence[0]
    return min(named, key=int)


@dataclass
class _Shard:
    iterator: str | None = None
    done: str | None = None  # the last sequence number handled (succeeded or dead-lettered)
    failing: str | None = None  # the sequence number retried from
    retries: int = 0


class StreamPoller:
    """Feeds one table's stream to one handler; `poll` handles at most one batch per shard."""

    def __init__(self, table_name: str, name: str, handler: Handler, dead_letter_dir: Path) -> None:
        self._dynamodb = boto3.client("dynamodb")
        self._streams = boto3.client("dynamodbstreams")
        self._table, self._name, self._handler = table_name, name, handler
        self._dead_letter_dir = dead_letter_dir
        self._stream_arn = ""
        self._shards: dict[str, _Shard] = {}

    def start(self) -> None:
        """Begin at LATEST on every shard: what exists now (the restored state) is not news."""
        self._stream_arn = self._dynamodb.describe_table(TableName=self._table)["Table"]["LatestStreamArn"]
        self._shards = {shard_id: _Shard() for shard_id in self._shard_ids()}
        for shard_id, shard in self._shards.items():
            shard.iterator = self._iterator(shard_id, "LATEST")

    def poll(self) -> None:
        for shard_id, shard in self._shards.items():
            try:
                self._poll_shard(shard_id, shard)
            except Exception as error:  # a ClientError from the server; in-process moto raises its own
                log.warning(
                    "%s: shard %s iterator lost (%s); resuming from the last position",
                    self._name,
                    shard_id,
                    error,
                )
                shard.iterator = None

    def _shard_ids(self) -> list[str]:
        stream = self._streams.describe_stream(StreamArn=self._stream_arn)["StreamDescription"]
        return [shard["ShardId"] for shard in stream["Shards"]]

    def _iterator(self, shard_id: str, kind: str, sequence: str | None = None) -> str:
        extra = {"SequenceNumber": sequence} if sequence is not None else {}
        response = self._streams.get_shard_iterator(
            StreamArn=self._stream_arn, ShardId=shard_id, ShardIteratorType=kind, **extra
        )
        return str(response["ShardIterator"])

    def _resume(self, shard_id: str, shard: _Shard) -> str:
        if shard.failing is not None:
            return self._iterator(shard_id, "AT_SEQUENCE_NUMBER", shard.failing)
        if shard.done is not None:
            return self._iterator(shard_id, "AFTER_SEQUENCE_NUMBER", shard.done)
        return self._iterator(shard_id, "LATEST")

    def _poll_shard(self, shard_id: str, shard: _Shard) -> None:
        iterator = shard.iterator or self._resume(shard_id, shard)
        response = self._streams.get_records(ShardIterator=iterator, Limit=BATCH_SIZE)
        records = response.get("Records", [])
        if not records:
            shard.iterator = response.get("NextShardIterator")
            return
        context = LambdaContext(function_name=self._name)
        context.start_attempt()
        try:
            failed_from = first_failure(
                records, self._handler(lambda_event(records, self._stream_arn), context)
            )
        except Exception:
            log.exception("%s failed; its %d records will be read again", self._name, len(records))
            failed_from = records[0]["dynamodb"]["SequenceNumber"]
        if failed_from is None:
            shard.done, shard.failing, shard.retries = records[-1]["dynamodb"]["SequenceNumber"], None, 0
            shard.iterator = response.get("NextShardIterator")
            return
        before = [r for r in records if int(r["dynamodb"]["SequenceNumber"]) < int(failed_from)]
        if before:
            shard.done = before[-1]["dynamodb"]["SequenceNumber"]
        shard.retries = shard.retries + 1 if shard.failing == failed_from else 1
        shard.failing = failed_from
        if shard.retries > MAX_RETRIES:
            rest = [r for r in records if int(r["dynamodb"]["SequenceNumber"]) >= int(failed_from)]
            self._dead_letter(shard_id, rest)
            shard.done, shard.failing, shard.retries = rest[-1]["dynamodb"]["SequenceNumber"], None, 0
        shard.iterator = None  # resume from the position (AT the failed record, or after the dead letters)
        log.warning("%s: records from %s failed (attempt %d)", self._name, failed_from, shard.retries)

    def _dead_letter(self, shard_id: str, records: list[dict[str, Any]]) -> None:
        """What Lambda sends the on-failure destination (the batch's coordinates), plus the records."""
        first, last = records[0]["dynamodb"]["SequenceNumber"], records[-1]["dynamodb"]["SequenceNumber"]
        body = {
            "requestContext": {
                "functionArn": LambdaContext(self._name).invoked_function_arn,
                "condition": "RetryAttemptsExhausted",
            },
            "timestamp": datetime.now(UTC).isoformat(),
            "DDBStreamBatchInfo": {
                "shardId": shard_id,
                "startSequenceNumber": first,
                "endSequenceNumber": last,
                "batchSize": len(records),
                "streamArn": self._stream_arn,
            },
            "records": lambda_event(records, self._stream_arn)["Records"],
        }
        path = self._dead_letter_dir / f"{self._name}-{first}.json"
        write_atomically(path, json.dumps(body, indent=2, default=str).encode())
        log.error(
            "%s: records %s to %s failed %d times; kept in %s", self._name, first, last, MAX_RETRIES + 1, path
        )
