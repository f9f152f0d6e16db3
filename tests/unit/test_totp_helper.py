"""The tests' TOTP helper against RFC 6238's own test vectors (Appendix B, SHA-1)."""

from __future__ import annotations

import base64

import pytest

from tests.totp import totp

SECRET = base64.b32encode(b"12345678901234567890").decode().rstrip("=")


@pytest.mark.parametrize(
    ("at", "code"),
    [(59, "94287082"), (1111111109, "07081804"), (1234567890, "89005924"), (20000000000, "65353130")],
)
def test_codes_match_rfc_6238(at, code):
    assert totp(SECRET, at, digits=8) == code
    assert totp(SECRET, at) == code[-6:]
