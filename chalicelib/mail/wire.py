"""What an outgoing header can carry: ASCII addresses (IDN domains punycoded) and ASCII message ids.

Inbound mail holds whatever a mail server accepted: internationalised local parts, quoted local
parts, domain literals, non-ASCII ids. SES raw sending takes none of them, and a value that does not
fit its header is how header injection starts. One set of rules therefore decides both who ingestion
may copy on replies and what `compose` refuses.
"""

from __future__ import annotations

import re

from chalicelib.mail.addresses import split_address

MAX_ADDRESS_LENGTH = 254  # RFC 5321's limit for a path; anything longer is not an address
_MAX_LOCAL_PART = 64
_LOCAL_PART = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
_MESSAGE_ID = re.compile(r"<[\x21-\x3b\x3d\x3f-\x7e]+>")  # printable ASCII without '<' and '>'


class UnmailableAddress(ValueError):
    """An address no outgoing header can carry; the message says why, in words an agent understands."""


def outbound_address(email: str) -> tuple[str, str]:
    """(local part, ASCII domain) of an address we can send to; raises UnmailableAddress."""
    local, domain = split_address(email or "")
    if not local or not domain or "@" in local:
        raise UnmailableAddress("it is not an email address")
    if len(email) > MAX_ADDRESS_LENGTH or len(local) > _MAX_LOCAL_PART:
        raise UnmailableAddress("it is longer than an email address may be")
    if not local.isascii():
        raise UnmailableAddress(
            "its part before the @ has non-ASCII characters (SMTPUTF8), which our mail service cannot send to"
        )
    if not _LOCAL_PART.fullmatch(local):
        raise UnmailableAddress("its part before the @ is quoted or has characters mail headers cannot carry")
    if domain.startswith("["):
        raise UnmailableAddress("its domain is an IP address literal")
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise UnmailableAddress("its domain is not a valid host name") from None
    if not _DOMAIN.fullmatch(ascii_domain):
        raise UnmailableAddress("its domain is not a valid host name")
    return local, ascii_domain


def wire_address(email: str) -> str:
    """The address as SMTP carries it (an IDN domain punycoded); raises UnmailableAddress."""
    local, domain = outbound_address(email)
    return f"{local}@{domain}"


def unmailable_reason(email: str) -> str | None:
    """Why mail cannot be sent to this address, or None when it can."""
    try:
        outbound_address(email)
    except UnmailableAddress as error:
        return str(error)
    return None


def is_outbound_id(message_id: str) -> bool:
    """Whether a message id ("<...>") can go into Message-ID, In-Reply-To or References as it is."""
    return bool(_MESSAGE_ID.fullmatch(message_id or ""))
