"""OutboundMail in, RFC 5322 bytes out, with no way for any field to add a header line.

Addresses and message ids are machine values: one that `mail.wire` says no header can carry is an
attack or a bug, so it raises. Subjects and display names are human text: control characters fold to
spaces.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from email.headerregistry import Address as HeaderAddress
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime

from chalicelib.mail.message import Address, OutboundMail
from chalicelib.mail.wire import UnmailableAddress, is_outbound_id, outbound_address

_ID_HEADERS = frozenset({"message-id", "in-reply-to", "references"})
_TOKEN = re.compile(r"[A-Za-z0-9-]+(?:\s*;\s*[A-Za-z0-9-]+=[A-Za-z0-9.-]+)*")
_MAX_LINE = 78


class HeaderInjectionError(ValueError):
    """A machine value (address, message id) that would break out of its header; names the header."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


class _SmtpPolicy(EmailPolicy):
    """SMTP policy that folds id headers between ids: the default policy turns an id longer than a
    line into RFC 2047 encoded words, which no client matches against its Message-IDs."""

    def fold(self, name: str, value: str) -> str:
        if name.lower() not in _ID_HEADERS:
            folded: str = super().fold(name, value)  # typeshed leaves EmailPolicy.fold's return unannotated
            return folded
        lines = [f"{name}:"]
        for message_id in str(value).split():
            if len(lines[-1]) + 1 + len(message_id) > _MAX_LINE and lines[-1] != f"{name}:":
                lines.append("")
            lines[-1] += f" {message_id}"
        return self.linesep.join(lines) + self.linesep

    def fold_binary(self, name: str, value: str) -> bytes:
        if name.lower() not in _ID_HEADERS:
            return super().fold_binary(name, value)
        return self.fold(name, value).encode("ascii")


_POLICY = _SmtpPolicy(linesep="\r\n")


def _human(text: str) -> str:
    """Free text for a header: every control, line or paragraph separator becomes a space."""
    kept = (" " if unicodedata.category(ch) in {"Cc", "Cs", "Zl", "Zp"} else ch for ch in text or "")
    return " ".join("".join(kept).split())


def _header_address(address: Address, field: str) -> HeaderAddress:
    try:
        username, domain = outbound_address(address.email)
    except UnmailableAddress as error:
        raise HeaderInjectionError(field, f"{address.email!r} cannot be mailed: {error}") from None
    return HeaderAddress(display_name=_human(address.name), username=username, domain=domain)


def _message_id(value: str, field: str) -> str:
    if not is_outbound_id(value):
        raise HeaderInjectionError(field, f"invalid message id {value!r}")
    return value


def _auto_submitted(value: str) -> str:
    if not _TOKEN.fullmatch(value):
        raise HeaderInjectionError("Auto-Submitted", f"invalid value {value!r}")
    return value


def _headers(mail: OutboundMail) -> list[tuple[str, object]]:
    """Every header in order; validation happens here, before anything is written."""
    headers: list[tuple[str, object]] = [
        ("From", _header_address(mail.from_, "From")),
        ("To", [_header_address(a, "To") for a in mail.to]),
        ("Cc", [_header_address(a, "Cc") for a in mail.cc]),
        ("Reply-To", _header_address(mail.reply_to, "Reply-To") if mail.reply_to else None),
        ("Subject", _human(mail.subject)),
        ("Date", format_datetime(datetime.now(UTC))),
        ("Message-ID", _message_id(mail.message_id, "Message-ID")),
        ("In-Reply-To", _message_id(mail.in_reply_to, "In-Reply-To") if mail.in_reply_to else None),
        ("References", " ".join(_message_id(r, "References") for r in mail.references)),
        ("Auto-Submitted", _auto_submitted(mail.auto_submitted) if mail.auto_submitted else None),
    ]
    return [(name, value) for name, value in headers if value or name == "Subject"]


def compose(mail: OutboundMail) -> bytes:
    """The MIME message to hand to SES: text/plain, plus text/html as an alternative when given."""
    message = EmailMessage(policy=_POLICY)
    for name, value in _headers(mail):
        message[name] = value
    message.set_content(mail.text or "", subtype="plain", charset="utf-8", cte="quoted-printable")
    if mail.html is not None:
        message.add_alternative(mail.html, subtype="html", charset="utf-8", cte="quoted-printable")
    return message.as_bytes()
