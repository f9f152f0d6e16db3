"""SQS → Lambda: SLA timer events (warning, breach) from the timer state machine.

Wired to the queue by infra/ (an event source mapping with partial batch responses), not by
`@app.on_sqs_message`, whose queue name would have to be known when app.py is imported.
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.desk.service_levels.escalation import SlaEvent, handle
from chalicelib.observability import logger

blueprint = Blueprint(__name__)


@blueprint.lambda_function(name="sla_events")
def sla_events(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Handle each record; report failures so SQS redelivers only those (then its DLQ)."""
    failures = []
    for record in event.get("Records", []):
        try:
            outcome = handle(SlaEvent.from_body(record["body"]))
            logger.info("SLA event handled", extra={"message_id": record["messageId"], "outcome": outcome})
        except Exception:
            logger.exception("SLA event failed", extra={"message_id": record.get("messageId")})
            failures.append({"itemIdentifier": record.get("messageId")})
    return {"batchItemFailures": failures}
