"""SQS → Lambda: SLA timer events (warning, breach) from the timer state machine, and the follow-up
timers' (a snooze ends, a due date's morning), which share the queue.

Wired to the queue by infra/ (an event source mapping with partial batch responses), not by
`@app.on_sqs_message`, whose queue name would have to be known when app.py is imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from chalicelib.desk.follow_up import events as follow_up
from chalicelib.desk.service_levels.escalation import SlaEvent, handle
from chalicelib.handlers.batches import each_record
from chalicelib.observability import logger, with_lambda_context

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

blueprint = Blueprint(__name__)


def handle_record(record: SQSRecord) -> str:
    """One message; raising marks it failed, so SQS redelivers it alone (then its DLQ)."""
    try:
        wanted = follow_up.FollowUpEvent.from_body(record.body)
        outcome = follow_up.handle(wanted) if wanted else handle(SlaEvent.from_body(record.body))
    except Exception:
        logger.exception("SLA event failed", extra={"message_id": record.message_id})
        raise
    logger.info("SLA event handled", extra={"message_id": record.message_id, "outcome": outcome})
    return outcome


@with_lambda_context
@blueprint.lambda_function(name="sla_events")
def sla_events(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    """Every record of the batch, answering `batchItemFailures` for the ones that failed."""
    return each_record("sqs", event, handle_record, context)
