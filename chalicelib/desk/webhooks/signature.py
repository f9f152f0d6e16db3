"""The webhook signature: HMAC-SHA256 over `"<unix time>.<body>"` under the endpoint's secret.

Sent as `Helpdesk-Signature: t=<unix time>,v1=<hex digest>`. The time is inside what is signed, so
a receiver that refuses old timestamps also refuses a captured delivery replayed later; `v1` names
the scheme, so a second one could be sent beside it while receivers move over.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "Helpdesk-Signature"
DELIVERY_HEADER = "Helpdesk-Delivery"
EVENT_HEADER = "Helpdesk-Event"
SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)
TOLERANCE_S = 300  # what the documented receiver accepts: five minutes of clock skew and transit


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def digest(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def header_value(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={digest(secret, timestamp, body)}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance_s: int = TOLERANCE_S) -> bool:
    """What a receiver does (docs/WEBHOOKS.md shows the same in ten lines): parse, check the time,
    compare digests in constant time."""
    fields: dict[str, list[str]] = {}
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        fields.setdefault(name, []).append(value)
    try:
        timestamp = int(fields.get("t", [""])[0])
    except ValueError:
        return False
    if abs(now - timestamp) > tolerance_s:
        return False
    expected = digest(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in fields.get("v1", []))
