"""Every record of a batch through one handler, answering `batchItemFailures` for the ones that
raised (powertools' `BatchProcessor`), for the queue- and stream-fed functions.

A whole batch failing is reported like a partial one, not raised: the answer says which records to
deliver again either way, and the invocation is not counted as a Lambda error (the queues' and the
stream's dead-letter queues alarm instead). The batch package is imported on the first batch: it
loads every event data class and asyncio (~30 ms), which the other functions importing app.py
would pay at each cold start.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse


def each_record(
    source: Literal["sqs", "dynamodb_stream"],
    event: dict[str, Any],
    handle_record: Callable[[Any], object],
    context: Any,
) -> PartialItemFailureResponse:
    """`handle_record` on each record of `event`; the records that raised, as Lambda's answer."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    kind = EventType.SQS if source == "sqs" else EventType.DynamoDBStreams
    processor = BatchProcessor(kind, raise_on_entire_batch_failure=False)
    return process_partial_response(event, handle_record, processor, context)
