from pathlib import Path

import pytest

from chalicelib.mail.autoreply import auto_reply_block_reason
from chalicelib.mail.parse import parse_mail

FIXTURES = Path(__file__).parent.parent / "fixtures" / "mail"
OWN = frozenset({"support@example.com", "billing@example.com"})


def mail(*headers: str, sender: str = "Customer <customer@example.org>"):
    lines = [f"From: {sender}", "To: support@example.com", "Subject: hi", *headers, "", "body"]
    return parse_mail("\r\n".join(lines).encode())


@pytest.mark.parametrize(
    ("fixture", "reason_contains"),
    [
        ("dsn_bounce.eml", "Auto-Submitted"),
        ("out_of_office.eml", "Auto-Submitted"),
        ("autorespond_header.eml", "x-autorespond"),
        ("mailing_list.eml", "list-id"),
        ("newsletter_html.eml", "Precedence"),
        ("bulk_precedence.eml", "Precedence"),
        ("noreply_sender.eml", "machine sender"),
        ("missing_from.eml", "no usable From"),
        ("malformed_from.eml", "no usable From"),
        ("eai_sender_and_odd_copies.eml", "non-ASCII"),
    ],
)
def test_fixtures_that_must_not_be_answered(fixture, reason_contains):
    reason = auto_reply_block_reason(parse_mail((FIXTURES / fixture).read_bytes()), OWN)
    assert reason is not None
    assert reason_contains in reason


@pytest.mark.parametrize(
    "fixture", ["gmail_reply.eml", "outlook_reply.eml", "plus_address_reply.eml", "calendar_invite.eml"]
)
def test_ordinary_customer_mail_may_be_answered(fixture):
    assert auto_reply_block_reason(parse_mail((FIXTURES / fixture).read_bytes()), OWN) is None


@pytest.mark.parametrize(
    "headers",
    [
        ("Auto-Submitted: auto-generated",),
        ("Auto-Submitted: Auto-Replied; owner-email=x@y",),
        ("Precedence: JUNK",),
        ("Precedence: list",),
        ("List-Unsubscribe: <mailto:u@x>",),
        ("List-Id: <x.y>",),
        ("X-Auto-Response-Suppress: DR, OOF",),
        ("X-Auto-Response-Suppress: all",),
        ("X-Auto-Response-Suppress: AutoReply",),
        ("X-Autoreply: yes",),
        ("X-Autorespond: ",),
        ("Return-Path: <>",),
        ("Return-Path: < >",),
        ("Content-Type: multipart/report; report-type=delivery-status; boundary=x",),
    ],
)
def test_headers_that_block(headers):
    assert auto_reply_block_reason(mail(*headers), OWN) is not None


@pytest.mark.parametrize(
    "headers",
    [
        (),
        ("Auto-Submitted: no",),
        ("Auto-Submitted: No ; comment",),
        ("Precedence: first-class",),
        ("X-Auto-Response-Suppress: DR, RN",),
        ("Return-Path: <customer@example.org>",),
        ("Content-Type: multipart/mixed; boundary=x",),
    ],
)
def test_headers_that_allow(headers):
    assert auto_reply_block_reason(mail(*headers), OWN) is None


@pytest.mark.parametrize(
    "sender",
    [
        "MAILER-DAEMON@mx.example.net",
        "postmaster@example.net",
        "noreply@example.net",
        "no-reply@example.net",
        "NoReply+tag@example.net",
        "do-not-reply@example.net",
        "donotreply@example.net",
        "bounce@example.net",
        "bounces+abc=def@lists.example.net",
        "bounce-12345@mail.example.net",
        "noreply-xyz@example.net",
        "shop.noreply@example.net",
        "support@example.com",
        "Support+1042@Example.com",
        "billing@example.com",
    ],
)
def test_senders_that_block(sender):
    assert auto_reply_block_reason(mail(sender=sender), OWN) is not None


@pytest.mark.parametrize(
    "sender",
    ["noreen@example.org", "bouncer.joe@example.org", "support@example.com.evil.org", "replyguy@x.org"],
)
def test_senders_that_allow(sender):
    assert auto_reply_block_reason(mail(sender=sender), OWN) is None


def test_a_null_envelope_sender_is_never_answered():
    """A vacation reply with clean headers still came with MAIL FROM:<> (RFC 3834 section 2)."""
    assert auto_reply_block_reason(mail(), OWN) is None
    assert "null envelope sender" in auto_reply_block_reason(mail(), OWN, null_sender=True)
