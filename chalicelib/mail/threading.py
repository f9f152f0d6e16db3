"""Thread matching: message ids, ticket tags in subjects and plus-addressed mailboxes.

Replies are matched to tickets by In-Reply-To/References first; the subject tag and the plus address are
the fallbacks for clients that drop those headers, so all three are produced and recognised here.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable

from chalicelib.mail.addresses import plus_parts, split_address

_ID_TOKEN = re.compile(r"<([^<>]*)>|[^\s<>,]+")  # a bracketed id (group 1), or a bare token
_BAD_ID_CHAR = re.compile(r"[\s\x00-\x1f\x7f<>]")
_MAX_ID_LENGTH = 500  # ids end up in DynamoDB keys; anything longer is garbage, not a real id
_MAX_HEADER_CHARS = 16_384  # a References chain of 100 real ids is ~7 KB; the rest is garbage or an attack
MAX_IDS = 50  # ids kept of one header: the newest, the ones that find the ticket
MAX_REFERENCES = 20  # ids a ticket keeps for the References of the mail it sends: the newest
_TICKET_TAG = re.compile(r"\[#\s*(\d{1,10})\s*\]")
_REPLY_PREFIX = re.compile(r"^(?:\s*(?:re|aw|fwd?|wg|sv|antw)\s*(?:\[\d+\]|\(\d+\))?\s*:)+\s*", re.IGNORECASE)


def _bounded(value: str) -> str:
    """The newest end of an over-long id header, starting at an id so no cut one is made up."""
    if len(value) <= _MAX_HEADER_CHARS:
        return value
    tail = value[-_MAX_HEADER_CHARS:]
    start = tail.find("<")
    return tail[start:] if start >= 0 else ""


def _strip_comments(value: str) -> str:
    """Remove RFC 5322 comments in one pass (nested ones and quoted pairs too; an unclosed comment runs
    to the end), so hostile parentheses cost linear time."""
    kept: list[str] = []
    depth = 0
    escaped = False
    for char in value:
        if not depth:
            if char == "(":
                depth = 1
            else:
                kept.append(char)
        elif escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in "()":
            depth += 1 if char == "(" else -1
            if not depth:
                kept.append(" ")
    return "".join(kept)


def _valid_id(token: str) -> str | None:
    token = token.strip().strip('"')
    if not token or len(token) > _MAX_ID_LENGTH or _BAD_ID_CHAR.search(token):
        return None
    return f"<{token}>"


def thread_key(message_id: str) -> str:
    """The thread index key of an id: clients re-case ids, so the index compares them lower-cased,
    while the headers we send keep an id exactly as it was written."""
    return message_id.lower()


def normalise_message_id(value: str | None) -> str | None:
    """The id of a Message-ID header as "<local@domain>", case kept (see `thread_key`)."""
    if not value:
        return None
    value = _strip_comments(_bounded(value)).strip()
    bracketed = re.search(r"<([^<>]*)>", value)
    if bracketed:
        return _valid_id(bracketed.group(1))
    return _valid_id(value)


def message_ids(value: str | None) -> tuple[str, ...]:
    """The ids of a References/In-Reply-To header, in order, without duplicates, at most MAX_IDS
    (the newest).

    Bare tokens outside brackets only count when they contain '@': old clients write prose such as
    "your message of Monday" into In-Reply-To.
    """
    if not value:
        return ()
    found: dict[str, str] = {}
    for match in _ID_TOKEN.finditer(_strip_comments(_bounded(value))):
        bracketed = match.group(1)
        if bracketed is None and "@" not in match.group():
            continue
        normalised = _valid_id(match.group() if bracketed is None else bracketed)
        if normalised:
            found.setdefault(thread_key(normalised), normalised)
    return tuple(found.values())[-MAX_IDS:]


def extended_references(references: Iterable[str] | None, message_id: str | None) -> list[str]:
    """A ticket's References chain once `message_id` (None: a message without one) joined the thread:
    the newest MAX_REFERENCES ids, oldest first as the header lists them."""
    return [*(references or ()), *([message_id] if message_id else [])][-MAX_REFERENCES:]


def _positive(digits: str) -> int | None:
    number = int(digits)
    return number if number > 0 else None


def ticket_number_in_subject(subject: str) -> int | None:
    """The ticket number of the last "[#N]" tag; we append ours at the end, clients prepend prefixes."""
    tags = _TICKET_TAG.findall(subject or "")
    return _positive(tags[-1]) if tags else None


def ticket_number_in_address(address: str, mailbox_address: str) -> int | None:
    """N from "support+N@domain" when the address is our mailbox with a numeric plus tag."""
    base, tag, domain = plus_parts((address or "").strip().strip("<>").lower())
    box_local, box_domain = split_address(mailbox_address.strip().lower())
    if tag is None or base != box_local or domain != box_domain or not re.fullmatch(r"\d{1,10}", tag):
        return None
    return _positive(tag)


def plus_address(mailbox_address: str, number: int) -> str:
    """The Reply-To address that carries the ticket number through clients that drop headers."""
    local, domain = split_address(mailbox_address)
    if not local or number <= 0:
        raise ValueError(f"cannot plus-address {mailbox_address!r} with {number!r}")
    return f"{local}+{number}@{domain}"


def bare_subject(subject: str) -> str:
    """Subject without reply/forward prefixes and ticket tags; repeated until nothing changes."""
    text = " ".join((subject or "").split())
    previous = None
    while previous != text:
        previous = text
        text = _REPLY_PREFIX.sub("", _TICKET_TAG.sub(" ", text))
        text = " ".join(text.split())
    return text


def reply_subject(subject: str, number: int, answering: bool = True) -> str:
    """The "Re: <subject> [#N]" subject; earlier prefixes and tags are removed so they never accumulate.
    Not `answering` (the thread's first mail: a ticket opened by an agent, a form or a call), no "Re:"."""
    tagged = f"{bare_subject(subject) or '(no subject)'} [#{number}]"
    return f"Re: {tagged}" if answering else tagged


def new_message_id(domain: str, number: int) -> str:
    """A unique id that also names the ticket, so a reply's In-Reply-To alone identifies it."""
    return f"<helpdesk.{number}.{secrets.token_hex(16)}@{domain.lower()}>"


def ses_message_ids(ses_id: str, region: str) -> tuple[str, ...]:
    """The thread keys of the ids SES may substitute for ours in mail it sends; index them so replies
    still thread."""
    candidates = (f"<{ses_id}@{region}.amazonses.com>", f"<{ses_id}@email.amazonses.com>")
    return tuple(dict.fromkeys(thread_key(n) for n in map(normalise_message_id, candidates) if n))
