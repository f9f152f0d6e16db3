"""What happens to tickets, as events: one per history item (the messages table's stream and its
feed index), their JSON, the feed for integrations that poll, and the once-only claims of the
stream's consumers. May import base and setup only."""

from chalicelib.desk.events.payload import event_json, ticket_summary
from chalicelib.desk.events.ticket_event import (
    EVENT_TYPES,
    EventType,
    TicketEvent,
    from_message,
    from_stream_image,
)

__all__ = [
    "EVENT_TYPES",
    "EventType",
    "TicketEvent",
    "event_json",
    "from_message",
    "from_stream_image",
    "ticket_summary",
]
