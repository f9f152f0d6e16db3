"""JSON of webhook endpoints and deliveries for the API (never the secret: that has its own route)."""

from __future__ import annotations

from typing import Any

from chalicelib.desk.webhooks.endpoints import Endpoint
from chalicelib.models import WebhookDelivery


def endpoint_json(endpoint: Endpoint) -> dict[str, Any]:
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "events": list(endpoint.events),
        "include_notes": endpoint.include_notes,
        "enabled": endpoint.enabled,
        "created_at": endpoint.created_at.isoformat(),
        "created_by": endpoint.created_by,
        "failing_since": endpoint.failing_since.isoformat() if endpoint.failing_since else None,
        "disabled_reason": endpoint.disabled_reason,
    }


def delivery_json(item: WebhookDelivery) -> dict[str, Any]:
    return {
        "key": item.key,
        "delivery_id": item.delivery_id,
        "event_id": item.event_id,
        "event_type": item.event_type,
        "ticket_number": item.ticket_number,
        "status": item.status,
        "created_at": item.created_at.isoformat(),
        "resend_of": item.resend_of,
        "attempts": list(item.attempts or []),
    }
