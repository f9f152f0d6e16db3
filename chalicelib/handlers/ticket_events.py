"""DynamoDB Streams → Lambda: the ticket event stream (the messages table's INSERTs) fanned out.

Registered with Chalice's `on_dynamodb_record`, as the issue asks. Its `stream_arn` must be a
string when app.py is imported, and the table's stream ARN is known only once CloudFormation made
the table (aws/chalice#1882; under `cdk synth` it is a token): so the decorator gets a placeholder
and infra/functions.py overrides the packaged SAM event's `Stream` with the table's
`StreamArn`, adding what Chalice cannot say (partial batch responses, retries, bisecting, the
on-failure queue). Locally `local/streams.py` reads moto's stream and invokes this same function.

Each record runs through powertools' `BatchProcessor` (DynamoDB Streams): a record that raises is
named in `batchItemFailures` by its sequence number, and Lambda retries from it; the ones before
it are checkpointed. Only INSERTs are events (history items are never changed, but a REMOVE, a
MODIFY or a merge copy is not news). `fan_out` holds the once-only claims per consumer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint
from chalice.app import DynamoDBEvent

from chalicelib.desk.events.ticket_event import from_stream_image
from chalicelib.desk.fan_out import fan_out
from chalicelib.handlers.batches import each_record
from chalicelib.observability import logger, with_lambda_context

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

blueprint = Blueprint(__name__)

# Replaced in the deployed template by the messages table's stream (infra/functions.py).
STREAM_ARN_PLACEHOLDER = "arn:aws:dynamodb:us-east-1:000000000000:table/messages/stream/set-by-infra"
BATCH_SIZE = 25


def handle_record(record: DynamoDBRecord) -> str:
    """One stream record; raising marks it failed (the stream retries from it)."""
    if record.raw_event.get("eventName") != "INSERT":
        return "skipped: not an insert"
    image = record.raw_event["dynamodb"].get("NewImage")
    event = from_stream_image(image) if image else None
    if event is None:
        return "skipped: no event (a merge copy)"
    try:
        outcome = fan_out(event)
    except Exception:
        logger.exception("ticket event failed", extra={"event_id": event.id, "type": event.type})
        raise
    logger.info(
        "ticket event delivered", extra={"event_id": event.id, "type": event.type, "outcome": outcome}
    )
    return str(outcome)


@with_lambda_context
@blueprint.on_dynamodb_record(
    stream_arn=STREAM_ARN_PLACEHOLDER, name="ticket_events", batch_size=BATCH_SIZE, starting_position="LATEST"
)
def ticket_events(event: DynamoDBEvent) -> PartialItemFailureResponse:
    """Every record of the batch, answering `batchItemFailures` for the ones that failed."""
    context: Any = event.context  # Lambda's context object (Chalice types it as a dict)
    return each_record("dynamodb_stream", event.to_dict(), handle_record, context)
