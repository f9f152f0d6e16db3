"""When an automatic acknowledgement must not be sent (RFC 3834 and the headers real mailers use).

Answering machines, lists, bounces and ourselves causes mail loops and spam; every rule here is a
reason to stay silent. The per-sender rate limit is stateful and lives with the services.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

from chalicelib.mail.addresses import plus_parts, without_plus_tag
from chalicelib.mail.message import ParsedMail
from chalicelib.mail.wire import unmailable_reason

_BULK_PRECEDENCE = frozenset({"bulk", "junk", "list"})
_SUPPRESS_TOKENS = frozenset({"all", "autoreply", "oof"})
_LIST_HEADERS = ("list-id", "list-unsubscribe")
_AUTOREPLY_HEADERS = ("x-autoreply", "x-autorespond")
_MACHINE_LOCAL_PART = re.compile(
    r"(?:^|[-._])(?:mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?)(?:$|[-._])"
)


def normalised_address(address: str) -> str:
    """One form for the addresses that reach the same mailbox: lower-case, plus tag removed
    (`Ann+x@Example.com` → `ann@example.com`)."""
    return without_plus_tag(address.strip().lower())


def _header_reason(headers: Mapping[str, str]) -> str | None:
    auto_submitted = headers.get("auto-submitted")
    if auto_submitted is not None and auto_submitted.split(";")[0].strip().lower() != "no":
        return f"Auto-Submitted: {auto_submitted}"
    if headers.get("precedence", "").strip().lower() in _BULK_PRECEDENCE:
        return f"Precedence: {headers['precedence']}"
    if listed := next((name for name in _LIST_HEADERS if name in headers), None):
        return f"mailing list ({listed})"
    suppress = {token.strip().lower() for token in headers.get("x-auto-response-suppress", "").split(",")}
    if suppress & _SUPPRESS_TOKENS:
        return f"X-Auto-Response-Suppress: {headers['x-auto-response-suppress']}"
    if marked := next((name for name in _AUTOREPLY_HEADERS if name in headers), None):
        return f"auto-reply header ({marked})"
    if headers.get("return-path", "").replace(" ", "") == "<>":
        return "null Return-Path (bounce)"
    if headers.get("content-type", "").strip().lower().startswith("multipart/report"):
        return "delivery report (multipart/report)"
    return None


def _sender_reason(mail: ParsedMail, own_addresses: Collection[str]) -> str | None:
    return sender_block_reason(mail.from_.email if mail.from_ else "", own_addresses)


def sender_block_reason(sender: str, own_addresses: Collection[str]) -> str | None:
    """Why a sender must get no automatic mail (a machine, ourselves, or an address no mail can be
    sent to), whatever channel it used."""
    if "@" not in sender:
        return "no usable From address"
    local, _, _ = plus_parts(sender)
    if _MACHINE_LOCAL_PART.search(local):
        return f"machine sender ({sender})"
    if normalised_address(sender) in {normalised_address(own) for own in own_addresses}:
        return f"sent by our own address ({sender})"
    if unmailable := unmailable_reason(sender):
        return f"mail cannot be sent to {sender}: {unmailable}"
    return None


def auto_reply_block_reason(
    mail: ParsedMail, own_addresses: Collection[str], *, null_sender: bool = False
) -> str | None:
    """Why no auto-acknowledgement may go out for this mail, or None when one is allowed.

    `null_sender`: the envelope sender was empty (MAIL FROM:<>), which RFC 3834 reserves for mail
    that must never be answered automatically (bounces, vacation replies), whatever its headers say.
    """
    if null_sender:
        return "null envelope sender (bounce or automatic reply)"
    return _header_reason(mail.headers) or _sender_reason(mail, own_addresses)
