"""RFC 6238 TOTP codes, computed the way an authenticator app does, for tests that enrol MFA."""

from __future__ import annotations

import base64
import hashlib
import hmac


def totp(secret: str, at: float, digits: int = 6, step: int = 30) -> str:
    """The code an app holding the base32 `secret` shows at Unix time `at` (HMAC-SHA1, RFC 4226 §5.3)."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)
    digest = hmac.new(key, int(at // step).to_bytes(8, "big"), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)
