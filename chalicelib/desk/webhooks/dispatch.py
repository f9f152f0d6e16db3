"""What enters the delivery queue: an event's deliveries (`on_event`) and an admin's resend.

`on_event` is what the event stream's consumer (desk.fan_out) calls once per event: it picks the
enabled endpoints that want the event's type (internal events only for those that asked for
notes), builds the payload once, and queues one message per endpoint in one SendMessageBatch.
No endpoint, no request beyond the cached list.
"""

from __future__ import annotations

from chalicelib.desk.base.errors import InvalidRequest, NotFound
from chalicelib.desk.events import TicketEvent
from chalicelib.desk.setup.admin import require_admin
from chalicelib.desk.setup.agents import AgentProfile
from chalicelib.desk.ticket.records import utcnow
from chalicelib.desk.webhooks import endpoints, log, payload, queue
from chalicelib.models import Ticket, WebhookDelivery
from chalicelib.origin import public_url


def on_event(event: TicketEvent, ticket: Ticket) -> None:
    """Queue the event for every endpoint that wants it (at most once per event and endpoint)."""
    chosen = [
        e
        for e in endpoints.enabled_endpoints()
        if e.wants(event.type) and payload.deliverable(event, e.include_notes)
    ]
    if not chosen:
        return
    body = payload.body(event, ticket, public_url())
    queue.enqueue(
        [
            log.Delivery(
                endpoint=e.id,
                delivery_id=queue.delivery_id(event.id, e.id),
                created_at=event.at,
                event_id=event.id,
                event_type=event.type,
                ticket_number=event.ticket_number,
                body=body,
            )
            for e in chosen
        ]
    )


def deliveries(actor: AgentProfile, endpoint_id: str, limit: int = 20) -> list[WebhookDelivery]:
    """An endpoint's newest deliveries with their attempts, for the Admin page and the API."""
    require_admin(actor)
    return log.recent(endpoint_id, limit)


def resend(actor: AgentProfile, endpoint_id: str, key: str) -> log.Delivery:
    """Queue a logged delivery again, as a new delivery (its own id and log row) with the same body."""
    require_admin(actor)
    endpoint = endpoints.row(endpoint_id)
    if not endpoint.enabled:
        raise InvalidRequest("this endpoint is disabled: enable it before resending")
    original = log.stored(endpoint_id, key)
    if original is None:
        raise NotFound("no such delivery")
    again = log.Delivery(
        endpoint=endpoint_id,
        delivery_id=queue.resend_id(),
        created_at=utcnow(),
        event_id=original.event_id,
        event_type=original.event_type,
        ticket_number=original.ticket_number,
        body=original.body,
        resend_of=original.delivery_id,
    )
    queue.enqueue([again])
    return again
