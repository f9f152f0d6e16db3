"""SES receipt rule → Lambda action: each record names a raw mail the S3 action already stored."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.config import settings
from chalicelib.desk.base.storage import INBOUND_PREFIX
from chalicelib.desk.intake.inbound import Delivery, ingest
from chalicelib.mail.addresses import split_address
from chalicelib.mail.authentication import ses_header
from chalicelib.observability import logger, with_lambda_context

blueprint = Blueprint(__name__)

_VERDICTS = ("spam", "virus", "spf", "dkim", "dmarc")
_NULL_SENDERS = frozenset({"", "<>"})  # how an empty MAIL FROM reaches `mail.source`


def delivery_from_record(record: dict[str, Any]) -> Delivery:
    """Translate one SES event record; the S3 action stored the mail under the SES message id."""
    ses = record["ses"]
    mail, receipt = ses["mail"], ses.get("receipt", {})
    own_domains = settings().mail_domains
    recipients = [r.lower() for r in receipt.get("recipients", mail.get("destination", []))]
    return Delivery(
        s3_key=f"{INBOUND_PREFIX}{mail['messageId']}",
        ses_message_id=mail["messageId"],
        recipients=tuple(r for r in recipients if split_address(r)[1] in own_domains),
        envelope_sender=mail.get("source", ""),
        null_sender="source" in mail and mail["source"].strip() in _NULL_SENDERS,
        verdicts={
            name: receipt[f"{name}Verdict"]["status"]
            for name in _VERDICTS
            if isinstance(receipt.get(f"{name}Verdict"), dict) and "status" in receipt[f"{name}Verdict"]
        },
        authentication_results=ses_header(
            (str(h.get("name", "")), str(h.get("value", "")))
            for h in mail.get("headers", [])
            if isinstance(h, dict)
        ),
    )


@with_lambda_context
@blueprint.lambda_function(name="inbound_email")
def inbound_email(event: dict[str, Any], context: Any) -> dict[str, Any]:
    results = []
    for record in event.get("Records", []):
        delivery = delivery_from_record(record)
        logger.append_keys(ses_message_id=delivery.ses_message_id)
        result = ingest(delivery)
        logger.info(
            "mail ingested",
            extra={"outcome": result.outcome, "ticket": result.ticket_number, "note": result.note},
        )
        results.append({"ticket": result.ticket_number, "outcome": result.outcome})
    return {"results": results}
