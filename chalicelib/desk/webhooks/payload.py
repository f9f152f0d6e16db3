"""What a webhook delivery says: the event and a summary of its ticket, as JSON (pure).

Never in it: the customer's links (status page, survey), whose token is the customer's key to the
request — any `<public url>/t/…` or `/s/…` in a text (an agent reply's footer, a customer quoting
it) is replaced; and internal events (notes, automatic notes) unless the endpoint asked for notes
(`deliverable`). Texts are cut at MAX_TEXT characters so a delivery always fits one SQS message
and one log item; `text_truncated` says so and the API has the whole message.
"""

from __future__ import annotations

import json
import re
from typing import Any

from chalicelib.desk.events import TicketEvent
from chalicelib.desk.events.payload import event_fields, ticket_summary
from chalicelib.models import Ticket

MAX_TEXT = 16_000
LINK_REMOVED = "[customer link removed]"


def deliverable(event: TicketEvent, include_notes: bool) -> bool:
    """Internal events go only to endpoints that asked for notes."""
    return include_notes or not event.internal


def scrub(text: str, public_url: str) -> str:
    """`text` without the customer's links to this desk (status page and survey)."""
    if not public_url:
        return text
    pattern = re.escape(public_url.rstrip("/")) + r"/[ts]/[^\s<>\"')\]]*"
    return re.sub(pattern, LINK_REMOVED, text, flags=re.IGNORECASE)


def payload(event: TicketEvent, ticket: Ticket, public_url: str) -> dict[str, Any]:
    """The event and its ticket in the shape `GET /api/events` uses (`desk.events.payload`), with
    the customer's links scrubbed, the text cut, and links to the ticket in the agent app and API."""
    text = scrub(event.text, public_url)
    base = public_url.rstrip("/")
    return {
        "event": {
            **event_fields(event),
            "text": text[:MAX_TEXT],
            "text_truncated": len(text) > MAX_TEXT,
            "change": {name: scrub(value, public_url) for name, value in event.change.items()},
        },
        "ticket": {
            **ticket_summary(ticket),
            "links": {
                "agent_app": f"{base}/tickets/{ticket.number}",
                "api": f"{base}/api/tickets/{ticket.number}",
            },
        },
    }


def body(event: TicketEvent, ticket: Ticket, public_url: str) -> str:
    """The payload as the bytes' text that is signed and sent (compact, keys in a stable order)."""
    return json.dumps(payload(event, ticket, public_url), separators=(",", ":"), ensure_ascii=False)
