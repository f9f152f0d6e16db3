"""SQS → Lambda: delayed flushes of batched notification mail (desk.notifications.mail.flush).

Wired to its queue by infra/notifications.py (an event source mapping with partial batch
responses), like handlers/sla.py. A failed flush (SES refused) is redelivered alone, then goes to
the queue's DLQ, whose alarm fires.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from chalicelib.desk.notifications.mail import flush
from chalicelib.handlers.batches import each_record
from chalicelib.observability import logger, with_lambda_context

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

blueprint = Blueprint(__name__)


def handle_record(record: SQSRecord) -> int:
    """One flush; raising marks it failed, so SQS redelivers it alone."""
    data = json.loads(record.body)
    try:
        mailed = flush(
            str(data["agent"]),
            str(data.get("name") or ""),
            int(data["ticket"]),
            str(data["subject"]),
            now=int(time.time()),
        )
    except Exception:
        logger.exception("notification flush failed", extra={"message_id": record.message_id})
        raise
    logger.info("notification flush handled", extra={"ticket": data["ticket"], "lines": mailed})
    return mailed


@with_lambda_context
@blueprint.lambda_function(name="notification_mail")
def notification_mail(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    """Every record of the batch, answering `batchItemFailures` for the ones that failed."""
    return each_record("sqs", event, handle_record, context)
