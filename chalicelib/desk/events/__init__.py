"""The ticket event stream's value, as BRIEF.md's shared contract defines it.

A placeholder on the webhooks branch (the TicketEvent dataclass and EventType only): helper
"events" owns this package, and its version replaces this file at the merge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

EventType = Literal[
    "ticket.created",
    "ticket.customer_replied",
    "ticket.agent_replied",
    "ticket.note_added",
    "ticket.assigned",
    "ticket.status_changed",
    "ticket.priority_changed",
    "ticket.team_changed",
    "ticket.tags_changed",
    "ticket.merged",
    "sla.warning",
    "sla.breached",
    "ticket.rated",
    "ticket.changed",
]  # ticket.changed: any other event item (follow_up, links_revoked…)


@dataclass(frozen=True)
class TicketEvent:
    id: str  # f"{ticket_number}#{message key}": unique and stable across stream retries
    type: EventType
    ticket_number: int
    at: datetime
    actor: str | None  # the agent's email (the agent id) who caused it; None for customer/system
    actor_name: str | None
    kind: str  # the Message kind: customer | reply | note | event
    text: str  # customer: visible text; reply/note: body text; event: its one-line description
    change: dict[str, str]  # kind=event: the event map ({"type","from","to",...}); {} otherwise
    # note_added: mentioned agents' emails (helper "notify" adds Message.mentions)
    mentions: tuple[str, ...] = ()
    channel: str | None = None  # customer messages: email | web | phone | api
    internal: bool = False  # notes (and automatic notes): never to customers or webhooks without notes
