"""The deliveries log: one item per delivery (endpoint + `<created>#<delivery id>`), its attempts
appended as they happen, kept for LOG_DAYS (TTL).

The first attempt creates the item (`if_not_exists` on what never changes), so enqueuing writes
nothing; each attempt is one UpdateItem. The Admin page reads an endpoint's newest deliveries with
one Query, newest first. `delivered` is what keeps a redelivered message (Lambda crashed after the
POST, SQS delivered twice) from being sent again after a success.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from chalicelib.models import WebhookDelivery

LOG_DAYS = 30
Status = Literal["delivered", "retrying", "failed", "skipped"]


@dataclass(frozen=True)
class Delivery:
    """What a queued message says: which delivery of which event to which endpoint, and its body."""

    endpoint: str
    delivery_id: str
    created_at: datetime
    event_id: str
    event_type: str
    ticket_number: int
    body: str
    resend_of: str | None = None

    @property
    def key(self) -> str:
        return f"{self.created_at.isoformat()}#{self.delivery_id}"


def delivered(delivery: Delivery) -> bool:
    try:
        item = WebhookDelivery.get(delivery.endpoint, delivery.key, consistent_read=True)
    except WebhookDelivery.DoesNotExist:
        return False
    return item.status == "delivered"


def record(
    delivery: Delivery,
    at: datetime,
    status: Status,
    *,
    status_code: int | None = None,
    error: str | None = None,
    duration_ms: int = 0,
) -> None:
    attempt: dict[str, Any] = {"at": at.isoformat(), "duration_ms": duration_ms}
    if status_code is not None:
        attempt["status_code"] = status_code
    if error:
        attempt["error"] = error[:500]
    item = WebhookDelivery(endpoint=delivery.endpoint, key=delivery.key)
    fixed = WebhookDelivery
    item.update(
        actions=[
            fixed.delivery_id.set(fixed.delivery_id | delivery.delivery_id),
            fixed.event_id.set(fixed.event_id | delivery.event_id),
            fixed.event_type.set(fixed.event_type | delivery.event_type),
            fixed.ticket_number.set(fixed.ticket_number | delivery.ticket_number),
            fixed.body.set(fixed.body | delivery.body),
            fixed.created_at.set(fixed.created_at | delivery.created_at),
            fixed.expires_at.set(int((delivery.created_at + timedelta(days=LOG_DAYS)).timestamp())),
            fixed.status.set(status),
            fixed.attempts.set((fixed.attempts | []).append([attempt])),
            fixed.attempt_count.add(1),
            *([fixed.resend_of.set(delivery.resend_of)] if delivery.resend_of else []),
        ]
    )


def recent(endpoint_id: str, limit: int = 20) -> list[WebhookDelivery]:
    """The endpoint's newest deliveries, newest first (one Query)."""
    return list(WebhookDelivery.query(endpoint_id, scan_index_forward=False, limit=limit))


def stored(endpoint_id: str, key: str) -> WebhookDelivery | None:
    try:
        return WebhookDelivery.get(endpoint_id, key, consistent_read=True)
    except WebhookDelivery.DoesNotExist:
        return None
