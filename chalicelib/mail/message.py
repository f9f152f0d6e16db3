"""Value types shared by the mail code: what a parsed inbound mail and an outbound mail hold."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Address:
    email: str  # lower-cased addr-spec, as received (mail.wire says whether we can send to it); or ""
    name: str = ""


@dataclass(frozen=True)
class Attachment:
    filename: str  # decoded, path components removed, never empty ("attachment-1.bin")
    content_type: str  # lower-cased "type/subtype"
    content: bytes
    content_id: str | None = None  # without angle brackets, for cid: references
    inline: bool = False

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True)
class ParsedMail:
    """An inbound message reduced to what the help desk uses. Every field has a safe value."""

    message_id: str | None  # "<local@domain>" as written; mail.threading.thread_key gives its index key
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    from_: Address | None
    reply_to: tuple[Address, ...]
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    subject: str  # decoded, whitespace folded, may be ""
    date: datetime | None  # timezone-aware UTC, None when missing or unparseable
    text: str  # full plain-text body (derived from the HTML when there is no text part)
    html: str | None  # sanitised HTML body, None when the mail had no HTML part
    visible_text: str  # the new text of this message, quoted history and signatures stripped
    attachments: tuple[Attachment, ...]
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case name → first decoded value
    defects: tuple[str, ...] = ()  # what was malformed and how it was repaired


@dataclass(frozen=True)
class OutboundMail:
    """A mail we send; every text field is checked for header injection when composed."""

    from_: Address
    to: tuple[Address, ...]
    subject: str
    text: str
    message_id: str  # with angle brackets, e.g. "<helpdesk.42.x1y2@example.com>"
    reply_to: Address | None = None
    cc: tuple[Address, ...] = ()
    html: str | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    auto_submitted: str | None = None  # "auto-replied" for acknowledgements (RFC 3834)
