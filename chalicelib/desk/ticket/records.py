"""Building the items a ticket's history is made of: messages, events and thread-index entries."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any, Literal, Protocol, TypeGuard, get_args

from chalicelib.desk.base.storage import attachment_key
from chalicelib.desk.base.times import sortable_time
from chalicelib.desk.events.descriptions import describe_event
from chalicelib.desk.setup.agents import AgentProfile
from chalicelib.mail.message import Address
from chalicelib.models import AttachmentRef, Message, ThreadIndex
from chalicelib.sla.policy import PRIORITIES, Priority  # noqa: F401 (the desk's names for the SLA core's)

# A ticket's status. Its priority is the SLA core's `Priority` (re-exported here for the desk).
Status = Literal["new", "open", "pending", "on_hold", "solved", "closed", "spam"]
STATUSES: tuple[Status, ...] = get_args(Status)


def is_status(value: object) -> TypeGuard[Status]:
    return value in STATUSES


def utcnow() -> datetime:
    return datetime.now(UTC)


def message_key(at: datetime) -> str:
    """Sort key of a message: its time first, so a Query returns the thread oldest first."""
    return f"{sortable_time(at)}#{secrets.token_hex(4)}"


def thread_entry(message_id: str, ticket_number: int, direction: str, at: datetime) -> ThreadIndex:
    return ThreadIndex(message_id=message_id, ticket_number=ticket_number, direction=direction, created_at=at)


def customer_message(
    sender: Address,
    channel: str,
    subject: str | None,
    at: datetime,
    *,
    text: str,
    visible: str,
    ticket_number: int = 0,
    **stored: Any,
) -> Message:
    """A message the customer wrote, by mail or on the web (`channel`: "email" or "web").

    `ticket_number` stays 0 for the message that opens a ticket (`opening.open_ticket` sets it);
    `stored` is what only some channels have (recipients, HTML, S3 keys, attachments, verdicts).
    """
    return Message(
        ticket_number=ticket_number,
        key=message_key(at),
        kind="customer",
        channel=channel,
        from_email=sender.email,
        from_name=sender.name or None,
        subject=subject,
        body_text=text,
        visible_text=visible,
        created_at=at,
        **stored,
    )


class StoredFile(Protocol):
    """A file a customer sent: a mail's attachment, or an upload of the web form."""

    @property
    def filename(self) -> str: ...
    @property
    def content_type(self) -> str: ...
    @property
    def size(self) -> int: ...


def attachment_ref(
    blob_prefix: str, position: int, file: StoredFile, *, content_id: str | None = None, inline: bool = False
) -> AttachmentRef:
    """What a message keeps of its attachment at `position`: the file itself goes to its `s3_key`,
    the same place whichever channel brought it."""
    return AttachmentRef(
        id=str(position),
        filename=file.filename,
        content_type=file.content_type,
        size=file.size,
        s3_key=attachment_key(blob_prefix, position, file.filename),
        content_id=content_id,
        inline=inline,
    )


def event_message(
    ticket_number: int, actor: AgentProfile | None, at: datetime, event: dict[str, str]
) -> Message:
    return Message(
        ticket_number=ticket_number,
        key=message_key(at),
        kind="event",
        from_email=actor.email if actor else None,
        from_name=actor.name if actor else None,
        body_text=describe_event(event),
        event=event,
        created_at=at,
    )
