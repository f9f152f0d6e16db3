"""SQS FIFO → Lambda: webhook deliveries (desk.webhooks.delivery), one POST per message.

Wired by infra/ (an event source mapping with partial batch responses), like handlers/sla.py. The
FIFO processor skips the rest of a failed message's group (endpoint + ticket) and reports them with
it, so one ticket's deliveries stay in order; other groups in the batch go on. A failed attempt's
message is postponed (ChangeMessageVisibility) by the backoff for its receive count before it is
reported, so SQS brings it back then, and after the queue's maxReceiveCount to the DLQ.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from chalicelib.desk.webhooks import delivery, queue
from chalicelib.observability import logger, with_lambda_context

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

blueprint = Blueprint(__name__)


class RetryLater(Exception):
    """The attempt failed and the message was postponed: report it as failed, SQS retries it."""


def handle_record(record: SQSRecord) -> str:
    receives = int(record.attributes.approximate_receive_count or 1)
    outcome = delivery.attempt(queue.from_message(record.body), receives)
    extra = {"message_id": record.message_id, "outcome": outcome.kind, "detail": outcome.detail}
    if outcome.kind == "retry":
        queue.postpone(record.receipt_handle, outcome.retry_after_s)
        logger.warning("webhook delivery failed", extra={**extra, "retry_after_s": outcome.retry_after_s})
        raise RetryLater(outcome.detail)
    logger.info("webhook delivery handled", extra=extra)
    return outcome.kind


@with_lambda_context
@blueprint.lambda_function(name="webhook_deliveries")
def webhook_deliveries(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    """Every record of the batch in order, answering `batchItemFailures` for the ones to retry."""
    # Imported here, as in handlers/sla.py: the batch package costs the other functions' cold starts.
    from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response

    processor = SqsFifoPartialProcessor(skip_group_on_error=True)
    return process_partial_response(event, handle_record, processor, context)
