"""An event as JSON: the one shape `GET /api/events` answers and webhooks deliver (no I/O).

    {"id": "1042#2026-12-07T10:00:00.000000Z#a1b2c3d4", "type": "ticket.assigned",
     "at": "2026-12-07T10:00:00.000000Z", "ticket": {"number", "subject", "status", "priority",
     "team", "assignee", "requester": {"email", "name"}, "channel"?...} | null,
     "actor": {"email", "name"} | null, "kind": "event", "text": "Assignee changed from nobody to
     a@x", "change": {"type": "assignee", "from": "", "to": "a@x"}, "mentions": [...],
     "channel": null, "internal": false, "automatic": false}

Never in it: a customer link (status or survey token), bodies beyond the item's visible text
(a long body's stored preview), attachments. Whether internal notes go out at all is the
caller's decision (the agents' API shows them; a webhook only when its endpoint asked).
"""

from __future__ import annotations

from typing import Any

from chalicelib.desk.base.times import sortable_time
from chalicelib.desk.events.ticket_event import TicketEvent
from chalicelib.models import Ticket


def ticket_summary(ticket: Ticket) -> dict[str, Any]:
    """What an integration needs to know of the ticket an event is about."""
    return {
        "number": ticket.number,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "team": ticket.team,
        "assignee": ticket.assignee,
        "mailbox": ticket.mailbox,
        "requester": {"email": ticket.requester_email, "name": ticket.requester_name},
        "tags": list(ticket.tags or ()),
        "created_at": sortable_time(ticket.created_at),
        "updated_at": sortable_time(ticket.updated_at),
        "follow_up_of": ticket.follow_up_of,
        "merged_into": ticket.merged_into,
    }


def event_json(event: TicketEvent, ticket: Ticket | None) -> dict[str, Any]:
    """The event's JSON; `ticket` as read when it is sent (None: the ticket no longer exists)."""
    return {
        **event_fields(event),
        "ticket": ticket_summary(ticket) if ticket is not None else None,
        "ticket_number": event.ticket_number,
    }


def event_fields(event: TicketEvent) -> dict[str, Any]:
    """The event itself, without its ticket (a webhook sends the ticket beside it)."""
    return {
        "id": event.id,
        "type": event.type,
        "at": sortable_time(event.at),
        "actor": {"email": event.actor, "name": event.actor_name} if event.actor else None,
        "kind": event.kind,
        "text": event.text,
        "change": dict(event.change),
        "mentions": list(event.mentions),
        "channel": event.channel,
        "internal": event.internal,
        "automatic": event.automatic,
    }
