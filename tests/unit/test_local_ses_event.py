"""The SES Lambda-action event the local SMTP receiver builds (local/ses_event.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from local.ses_event import EICAR, GTUBE, INBOUND_FUNCTION_ARN, new_message_id, ses_event

RAW = (
    b"Return-Path: <bounce@customer.test>\r\n"
    b"From: Ada Lovelace <ada@customer.test>\r\n"
    b"To: support@example.com, Someone <someone@elsewhere.test>\r\n"
    b"Cc: billing@example.com\r\n"
    b"Date: Tue, 1 Apr 2025 10:00:00 +0000\r\n"
    b"Message-ID: <abc@customer.test>\r\n"
    b"Subject: Order\r\n  problem\r\n"
    b"\r\n"
    b"Body.\r\n"
)


def event_for(raw: bytes = RAW, **kwargs):
    return ses_event(
        raw,
        "m1",
        "ada@customer.test",
        ["support@example.com", "someone@elsewhere.test"],
        {"example.com"},
        **kwargs,
    )


def test_the_event_has_the_documented_shape():
    at = datetime(2025, 4, 1, 10, 0, 1, 500000, tzinfo=UTC)
    [record] = event_for(received_at=at, processing_ms=12)["Records"]
    assert (record["eventSource"], record["eventVersion"]) == ("aws:ses", "1.0")
    mail, receipt = record["ses"]["mail"], record["ses"]["receipt"]
    assert mail["timestamp"] == receipt["timestamp"] == "2025-04-01T10:00:01.500Z"
    assert (mail["source"], mail["messageId"], mail["headersTruncated"]) == ("ada@customer.test", "m1", False)
    assert mail["destination"] == ["support@example.com", "someone@elsewhere.test"]
    assert receipt["recipients"] == ["support@example.com"]
    assert mail["headers"][0]["name"] == "Authentication-Results"  # SES's own, above the mail's headers
    assert mail["headers"][1] == {"name": "Return-Path", "value": "<bounce@customer.test>"}
    assert {"name": "Subject", "value": "Order  problem"} in mail["headers"]
    assert mail["commonHeaders"] == {
        "returnPath": "bounce@customer.test",
        "from": ["Ada Lovelace <ada@customer.test>"],
        "date": "Tue, 1 Apr 2025 10:00:00 +0000",
        "to": ["support@example.com", "Someone <someone@elsewhere.test>"],
        "cc": ["billing@example.com"],
        "messageId": "<abc@customer.test>",
        "subject": "Order  problem",
    }
    assert receipt["processingTimeMillis"] == 12
    assert receipt["action"] == {
        "type": "Lambda",
        "functionArn": INBOUND_FUNCTION_ARN,
        "invocationType": "Event",
    }
    verdicts = {
        name: receipt[f"{name}Verdict"]["status"] for name in ("spam", "virus", "spf", "dkim", "dmarc")
    }
    assert verdicts == {"spam": "PASS", "virus": "PASS", "spf": "GRAY", "dkim": "GRAY", "dmarc": "GRAY"}


@pytest.mark.parametrize(("pattern", "verdict"), [(GTUBE, "spamVerdict"), (EICAR, "virusVerdict")])
def test_the_standard_test_patterns_fail_their_scan(pattern, verdict):
    receipt = event_for(RAW + pattern + b"\r\n")["Records"][0]["ses"]["receipt"]
    assert receipt[verdict] == {"status": "FAIL"}
    other = "virusVerdict" if verdict == "spamVerdict" else "spamVerdict"
    assert receipt[other] == {"status": "PASS"}


def test_given_verdicts_override_the_scan():
    receipt = event_for(verdicts={"spam": "FAIL", "dkim": "PASS"})["Records"][0]["ses"]["receipt"]
    assert (receipt["spamVerdict"], receipt["dkimVerdict"]) == ({"status": "FAIL"}, {"status": "PASS"})


def test_a_mail_without_headers_gives_empty_values():
    common = event_for(b"just a body, no headers at all")["Records"][0]["ses"]["mail"]["commonHeaders"]
    assert common == {
        "returnPath": "ada@customer.test",
        "from": [],
        "date": "",
        "to": [],
        "messageId": "",
        "subject": "",
    }


@given(st.binary(max_size=2000))
def test_any_bytes_give_a_json_event(raw):
    json.dumps(event_for(raw))


def test_message_ids_look_like_ses_ones_and_do_not_repeat():
    ids = {new_message_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(len(i) >= 20 and i.isalnum() and i == i.lower() for i in ids)


def _authentication(event) -> tuple[str, dict[str, str]]:
    ses = event["Records"][0]["ses"]
    [header] = [h["value"] for h in ses["mail"]["headers"] if h["name"] == "Authentication-Results"]
    verdicts = {name: ses["receipt"][f"{name}Verdict"]["status"] for name in ("spf", "dkim", "dmarc")}
    return header, verdicts


def test_without_the_hook_the_sender_is_unauthenticated():
    header, verdicts = _authentication(event_for())
    assert verdicts == {"spf": "GRAY", "dkim": "GRAY", "dmarc": "GRAY"}
    assert header == (
        "amazonses.com; spf=none envelope-from=ada@customer.test; dkim=none header.i=@customer.test;"
        " dmarc=none header.from=customer.test;"
    )


def test_the_local_verdicts_hook_becomes_receipt_verdicts_and_ses_s_header():
    raw = b"X-Local-Verdicts: spf=pass; DKIM=Pass header.i=@signer.test; dmarc=softfail\r\n" + RAW
    header, verdicts = _authentication(event_for(raw))
    assert verdicts == {"spf": "PASS", "dkim": "PASS", "dmarc": "GRAY"}
    assert "dkim=pass header.i=@signer.test;" in header and "dmarc=none header.from=customer.test;" in header
    overridden, _ = _authentication(event_for(raw, verdicts={"dkim": "FAIL"}))
    assert "dkim=fail header.i=@signer.test;" in overridden


def test_an_envelope_sender_with_specials_is_quoted_in_the_header():
    event = ses_event(RAW, "m1", '"a; dkim=pass"@x.test', ["support@example.com"], {"example.com"})
    header, _ = _authentication(event)
    assert 'envelope-from="\\"a; dkim=pass\\"@x.test";' in header
