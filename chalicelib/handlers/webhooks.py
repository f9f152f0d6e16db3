"""SQS FIFO → Lambda: webhook deliveries (desk.webhooks.delivery), one POST per message.

Wired by infra/ (an event source mapping with partial batch responses), like handlers/sla.py. The
records of a batch are handled in order; once one fails, the later records of its message group
(endpoint + ticket) are not attempted but reported with it, so one ticket's deliveries stay in
order, and other groups go on. A failed attempt's message is postponed (ChangeMessageVisibility)
by the backoff for its receive count; the skipped ones are made visible again at once, since the
group waits behind its in-flight failed message anyway: so that message's backoff alone decides
when the group is tried again, not the queue's default visibility timeout. (powertools'
SqsFifoPartialProcessor does the skipping too, but does not say which records it skipped.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from chalicelib.desk.webhooks import delivery, queue
from chalicelib.observability import logger, with_lambda_context

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

blueprint = Blueprint(__name__)


def handle_record(record: SQSRecord) -> bool:
    """One delivery attempt; False when it failed and the message was postponed for its retry."""
    receives = int(record.attributes.approximate_receive_count or 1)
    outcome = delivery.attempt(queue.from_message(record.body), receives)
    extra = {"message_id": record.message_id, "outcome": outcome.kind, "detail": outcome.detail}
    if outcome.kind == "retry":
        queue.postpone(record.receipt_handle, outcome.retry_after_s)
        logger.warning("webhook delivery failed", extra={**extra, "retry_after_s": outcome.retry_after_s})
        return False
    logger.info("webhook delivery handled", extra=extra)
    return True


@with_lambda_context
@blueprint.lambda_function(name="webhook_deliveries")
def webhook_deliveries(event: dict[str, Any], context: Any) -> dict[str, list[dict[str, str]]]:
    """Every record of the batch in order, answering `batchItemFailures` for the ones to retry."""
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

    failed_groups: set[str] = set()
    failures: list[str] = []
    skipped: list[str] = []
    for raw in event.get("Records", []):
        record = SQSRecord(raw)
        group = record.attributes.message_group_id or record.message_id
        if group in failed_groups:
            failures.append(record.message_id)
            skipped.append(record.receipt_handle)
            continue
        try:
            done = handle_record(record)
        except Exception:
            logger.exception("webhook delivery raised", extra={"message_id": record.message_id})
            done = False
        if not done:
            failed_groups.add(group)
            failures.append(record.message_id)
    if skipped:
        try:
            queue.release(skipped)
        except Exception:
            logger.exception("skipped webhook deliveries not released; they return with the queue's timeout")
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failures]}
