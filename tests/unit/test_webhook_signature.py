"""Webhook signatures (desk.webhooks.signature), and docs/WEBHOOKS.md's receiver example run
against them: the example is read from the doc, so the doc cannot drift from what is sent."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from chalicelib.desk.webhooks import signature
from chalicelib.desk.webhooks.retry import RETRY_WINDOW_S, receives_for

DOC = Path(__file__).resolve().parents[2] / "docs" / "WEBHOOKS.md"
SECRET = "whsec_unit-test-secret"
BODY = '{"event":{"id":"7#k","type":"ticket.created"},"ticket":{"number":7,"subject":"Grüße"}}'.encode()


def documented_verify():
    section = DOC.read_text().split("## Verifying the signature", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert code, "docs/WEBHOOKS.md lost its verification example"
    lines = [line for line in code.group(1).splitlines() if line.strip()]
    assert len(lines) <= 10, "the example should stay about ten lines"
    scope: dict = {}
    exec(compile(code.group(1), str(DOC), "exec"), scope)
    return scope["verify"]


def test_the_header_is_the_time_and_the_hmac_of_time_dot_body():
    header = signature.header_value(SECRET, 1796668800, BODY)
    assert re.fullmatch(r"t=1796668800,v1=[0-9a-f]{64}", header)
    import hashlib
    import hmac

    expected = hmac.new(SECRET.encode(), b"1796668800." + BODY, hashlib.sha256).hexdigest()
    assert header.endswith(expected)


def test_the_documented_example_accepts_what_the_desk_signs():
    verify = documented_verify()
    now = int(time.time())
    assert verify(SECRET, signature.header_value(SECRET, now, BODY), BODY)
    assert verify(SECRET, signature.header_value(SECRET, now - 299, BODY), BODY)


@pytest.mark.parametrize(
    "case", ["other secret", "changed body", "old", "future", "no v1", "garbage", "empty", "no time"]
)
def test_the_documented_example_and_ours_refuse_the_same_forgeries(case):
    verify, now = documented_verify(), int(time.time())
    header, body = signature.header_value(SECRET, now, BODY), BODY
    if case == "other secret":
        header = signature.header_value("whsec_other", now, BODY)
    elif case == "changed body":
        body = BODY.replace(b"7", b"8")
    elif case == "old":
        header = signature.header_value(SECRET, now - 301, BODY)
    elif case == "future":
        header = signature.header_value(SECRET, now + 400, BODY)
    elif case == "no v1":
        header = f"t={now}"
    elif case == "garbage":
        header = "v1=zz,t=abc,nonsense"
    elif case == "empty":
        header = ""
    elif case == "no time":
        header = header.split(",", 1)[1]
    assert verify(SECRET, header, body) is False
    assert signature.verify(SECRET, header, body, now) is False


def test_our_verify_takes_the_clock_as_an_argument():
    header = signature.header_value(SECRET, 1796668800, BODY)
    assert signature.verify(SECRET, header, BODY, now=1796668800 + 300)
    assert not signature.verify(SECRET, header, BODY, now=1796668800 + 301)


def test_secrets_are_random_and_prefixed():
    first, second = signature.new_secret(), signature.new_secret()
    assert first != second and first.startswith("whsec_") and len(first) > 40


def test_the_documented_tolerance_and_retry_figures_are_the_codes():
    text = " ".join(DOC.read_text().split())
    assert "more than five minutes off" in text and signature.TOLERANCE_S == 300
    assert f"({receives_for(RETRY_WINDOW_S, 60)} attempts)" in text
    assert "within 10 seconds" in text
    from chalicelib.desk.webhooks.sending import TIMEOUT_S

    assert TIMEOUT_S == 10
