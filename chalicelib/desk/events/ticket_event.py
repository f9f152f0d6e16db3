"""What happened to a ticket, as one value: read from a history item (a Message), no I/O.

Every history item is written in the same transaction as the change it records (the message, the
note, the status or assignee event...), so the messages table's stream of INSERTs is the ticket
event stream, and one item is one event. A merge copy (`merged_from`) repeats an older message on
the target ticket: no event. The event id is the item's own key, so a stream retry of the same
record, or the feed index read twice, names the same event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, get_args

from chalicelib.desk.events.descriptions import describe_event
from chalicelib.models import Message

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
    "ticket.changed",  # any other history event: follow_up, notified, links_revoked, automatic mail
]
EVENT_TYPES: tuple[EventType, ...] = get_args(EventType)
_PYNAMODB_TIME = "%Y-%m-%dT%H:%M:%S.%f%z"  # how UTCDateTimeAttribute stores a time

# The `type` of a kind="event" item's map → the event type (everything else: "ticket.changed").
_CHANGE_TYPES: dict[str, EventType] = {
    "status": "ticket.status_changed",
    "customer_solved": "ticket.status_changed",
    "priority": "ticket.priority_changed",
    "team": "ticket.team_changed",
    "assignee": "ticket.assigned",
    "tags": "ticket.tags_changed",
    "merged": "ticket.merged",
    "sla_warning": "sla.warning",
    "sla_breach": "sla.breached",
    "csat": "ticket.rated",
}


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
    mentions: tuple[str, ...] = ()  # note_added: mentioned agents' emails
    channel: str | None = None  # customer messages: email | web | phone | api
    internal: bool = False  # notes (and automatic notes): never to customers or webhooks without notes
    automatic: bool = False  # written by the help desk itself (acknowledgement, notices, its notes)


def event_type(kind: str, change: dict[str, str], *, opens_ticket: bool, automatic: bool) -> EventType:
    """The event a history item of `kind` is. The desk's own mail (acknowledgement, solved and
    closing notices) is no agent's reply: "ticket.changed". Whatever item opened the ticket (the
    customer's message, or the "opened" event of a ticket an agent or key opened for them) is
    "ticket.created"."""
    if opens_ticket:
        return "ticket.created"
    if kind == "customer":
        return "ticket.customer_replied"
    if kind == "reply":
        return "ticket.changed" if automatic else "ticket.agent_replied"
    if kind == "note":
        return "ticket.note_added"
    return _CHANGE_TYPES.get(change.get("type", ""), "ticket.changed")


def from_message(message: Message) -> TicketEvent | None:
    """The event a history item records; None for a merge copy (it happened on the other ticket)."""
    return _event(message.attribute_values)


def from_stream_image(new_image: dict[str, Any]) -> TicketEvent | None:
    """The event of a stream record's NewImage (DynamoDB JSON, as Lambda delivers it).

    Read without the Message model (boto3's deserializer, PynamoDB's time format), so that the
    stream consumer, which never reads the messages table, does not need it."""
    from boto3.dynamodb.types import TypeDeserializer

    values = TypeDeserializer().deserialize({"M": new_image})
    created = values.get("created_at")
    if isinstance(created, str):
        values["created_at"] = datetime.strptime(created, _PYNAMODB_TIME)
    return _event(values)


def _event(values: Mapping[str, Any]) -> TicketEvent | None:
    """The event of a history item's attribute values (python values: ints, bools, datetimes)."""
    if values.get("merged_from") is not None:
        return None
    kind = str(values["kind"])
    change = _change(values.get("event")) if kind == "event" else {}
    automatic = bool(values.get("automatic"))
    # The desk's own notes carry the mailbox as author, and events by the desk or the customer no
    # author at all: only an agent's own item names an actor.
    by_agent = kind in ("reply", "note", "event") and not automatic and bool(values.get("from_email"))
    if kind == "event":
        text = describe_event(change) if change.get("type") else str(values.get("body_text") or "")
    else:
        text = str(values.get("visible_text") or values.get("body_text") or "")
    number, key = int(values["ticket_number"]), str(values["key"])
    return TicketEvent(
        id=f"{number}#{key}",
        type=event_type(kind, change, opens_ticket=bool(values.get("opens_ticket")), automatic=automatic),
        ticket_number=number,
        at=values["created_at"],
        actor=values.get("from_email") if by_agent else None,
        actor_name=values.get("from_name") if by_agent else None,
        kind=kind,
        text=text,
        change=change,
        mentions=_mentions(values.get("mentions")),
        channel=values.get("channel") if kind == "customer" else None,
        internal=kind == "note",
        automatic=automatic,
    )


def _change(stored: Any) -> dict[str, str]:
    if stored is None:
        return {}
    values = stored.as_dict() if hasattr(stored, "as_dict") else dict(stored)
    return {str(k): "" if v is None else str(v) for k, v in values.items()}


def _mentions(values: Any) -> tuple[str, ...]:
    """Agent emails, each once: a list keeps its order, a set (unordered) is sorted."""
    if not values:
        return ()
    ordered = sorted(values) if isinstance(values, set | frozenset) else values
    return tuple(dict.fromkeys(str(v) for v in ordered if v))
