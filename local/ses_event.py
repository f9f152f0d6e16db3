"""The event an SES receipt rule's Lambda action delivers, built from a raw mail (pure code).

Shaped as AWS documents it (`Records[].ses.{mail,receipt}`): headers and verdicts, never the body,
which the handler reads from the S3 object the S3 action stored. Header parsing here must survive
any mail a stranger can send, so every field falls back to an empty value instead of raising.

Sender authentication: SES checks SPF, DKIM and DMARC with DNS and reports them as receipt verdicts
and as an `Authentication-Results: amazonses.com; ...` header above the mail's own. Locally there is
no DNS, so the verdicts are GRAY (unauthenticated) unless the mail carries the local test hook
`X-Local-Verdicts: spf=pass; dkim=pass; dmarc=pass` (any of the three; `dkim=pass header.i=@other.test`
names another signer). The hook is read only here: in AWS nothing reads it.
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import formataddr, getaddresses
from typing import Any

INBOUND_FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:helpdesk-local-inbound_email"
# The industry test patterns real scanners flag: SpamAssassin's GTUBE and the EICAR test file.
GTUBE = b"XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"

_ID_ALPHABET = string.ascii_lowercase + string.digits
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_ADDRESS_HEADERS = {"from": "from", "to": "to", "cc": "cc", "reply-to": "replyTo", "sender": "sender"}
LOCAL_VERDICTS_HEADER = "X-Local-Verdicts"
_AUTHENTICATION = ("spf", "dkim", "dmarc")
_HOOK_RESULT = re.compile(r"\s*(spf|dkim|dmarc)\s*=\s*([a-z]+)\s*(.*)", re.IGNORECASE)
_STATUS_RESULTS = {"PASS": "pass", "FAIL": "fail", "GRAY": "none", "PROCESSING_FAILED": "temperror"}
_PLAIN_VALUE = re.compile(r"[^\s;\"()\\]+")


def new_message_id() -> str:
    """An id shaped like SES's inbound ones (40 lowercase alphanumerics), unique per mail."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(40))


def scan_verdicts(raw: bytes) -> dict[str, str]:
    """What SES's scanners would say locally: FAIL only for the standard test patterns."""
    return {
        "spam": "FAIL" if GTUBE in raw else "PASS",
        "virus": "FAIL" if EICAR in raw else "PASS",
        "spf": "GRAY",
        "dkim": "GRAY",
        "dmarc": "GRAY",
    }


def ses_event(  # noqa: PLR0917 -- the service tests pass the SES fields positionally
    raw: bytes,
    message_id: str,
    source: str,
    destination: list[str],
    own_domains: Iterable[str],
    verdicts: Mapping[str, str] | None = None,
    *,
    received_at: datetime | None = None,
    processing_ms: int = 0,
) -> dict[str, Any]:
    """The Lambda action event for one received mail.

    `destination` are the envelope RCPT TOs; `receipt.recipients` keeps those on our domains (what
    the receipt rule matched). `verdicts` ({"spam": "FAIL", ...}) override the local scan and the
    mail's `X-Local-Verdicts`; the SES `Authentication-Results` header is made from the outcome.
    """
    domains = {d.lower() for d in own_domains}
    timestamp = _iso(received_at or datetime.now(UTC))
    headers = _parse_headers(raw)
    hook = local_verdicts(_first(headers, LOCAL_VERDICTS_HEADER.lower()))
    status = scan_verdicts(raw) | {method: result for method, (result, _) in hook.items()}
    status |= dict(verdicts or {})
    properties = {method: extra for method, (_, extra) in hook.items()}
    from_domain = next(iter(_addresses(_first(headers, "from"), formatted=False)), "").rpartition("@")[2]
    results = authentication_results(status, source, from_domain, properties)
    headers = [("Authentication-Results", results), *headers]
    receipt: dict[str, Any] = {
        "timestamp": timestamp,
        "processingTimeMillis": processing_ms,
        "recipients": [r for r in destination if r.rpartition("@")[2].lower() in domains],
    }
    receipt |= {f"{name}Verdict": {"status": value} for name, value in status.items()}
    receipt["action"] = {"type": "Lambda", "functionArn": INBOUND_FUNCTION_ARN, "invocationType": "Event"}
    mail = {
        "timestamp": timestamp,
        "source": source,
        "messageId": message_id,
        "destination": list(destination),
        "headersTruncated": False,
        "headers": [{"name": name, "value": value} for name, value in headers],
        "commonHeaders": _common_headers(headers, source),
    }
    return {
        "Records": [
            {"eventSource": "aws:ses", "eventVersion": "1.0", "ses": {"mail": mail, "receipt": receipt}}
        ]
    }


def local_verdicts(value: str) -> dict[str, tuple[str, str]]:
    """The local hook's verdicts: `spf=pass; dkim=fail header.i=@x.test` → {"spf": ("PASS", ""),
    "dkim": ("FAIL", "header.i=@x.test")}; a result other than pass or fail is GRAY."""
    found = {}
    for part in value.split(";"):
        match = _HOOK_RESULT.fullmatch(part)
        if match:
            result = match[2].upper()
            found[match[1].lower()] = (result if result in {"PASS", "FAIL"} else "GRAY", match[3].strip())
    return found


def authentication_results(
    status: Mapping[str, str], source: str, from_domain: str, properties: Mapping[str, str]
) -> str:
    """The `Authentication-Results` value SES adds, as its inbound mail shows it
    (`amazonses.com; spf=pass ... envelope-from=...; dkim=pass header.i=@d; dmarc=pass header.from=d;`).
    `properties` replace a method's default ones (the DKIM signer, say)."""
    defaults = {
        "spf": f"envelope-from={_value(source)}",
        "dkim": f"header.i=@{from_domain}" if from_domain else "",
        "dmarc": f"header.from={from_domain}" if from_domain else "",
    }
    results = []
    for method in _AUTHENTICATION:
        result = _STATUS_RESULTS.get(status.get(method, "GRAY"), "none")
        extra = properties.get(method) or defaults[method]
        results.append(f" {method}={result}{f' {extra}' if extra else ''};")
    return "amazonses.com;" + "".join(results)


def _value(text: str) -> str:
    """A property value as RFC 8601 writes it: plain, or quoted when it has spaces or specials."""
    if _PLAIN_VALUE.fullmatch(text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse_headers(raw: bytes) -> list[tuple[str, str]]:
    """Header (name, unfolded value) pairs in order; [] when the mail has no parseable head."""
    try:
        message: Message = BytesHeaderParser(policy=compat32).parsebytes(raw)
        return [(str(name), _clean(value)) for name, value in message.items()]
    except Exception:
        return []


def _clean(value: object) -> str:
    """Unfold, and replace undecodable bytes so the event is always valid JSON text."""
    text = str(value).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return _FOLD.sub("", text).strip()


def _first(headers: list[tuple[str, str]], name: str) -> str:
    return next((value for key, value in headers if key.lower() == name), "")


def _addresses(value: str, *, formatted: bool = True) -> list[str]:
    """`Name <address>` (or the bare addresses) of an address header; [] when it cannot be read."""
    try:
        return [formataddr(pair) if formatted else pair[1] for pair in getaddresses([value]) if pair[1]]
    except Exception:
        return []


def _common_headers(headers: list[tuple[str, str]], source: str) -> dict[str, Any]:
    common: dict[str, Any] = {
        "returnPath": _first(headers, "return-path").strip("<>") or source,
        "from": _addresses(_first(headers, "from")),
        "date": _first(headers, "date"),
        "to": _addresses(_first(headers, "to")),
        "messageId": _first(headers, "message-id"),
        "subject": _first(headers, "subject"),
    }
    for header, key in _ADDRESS_HEADERS.items():
        if key not in common and _first(headers, header):
            common[key] = _addresses(_first(headers, header))
    return common
