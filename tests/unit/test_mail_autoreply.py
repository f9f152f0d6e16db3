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
    ("fixture", "reason"),
    [
        ("dsn_bounce.eml", "Auto-Submitted: auto-replied"),
        ("out_of_office.eml", "Auto-Submitted: auto-replied"),
        ("autorespond_header.eml", "auto-reply header (x-autorespond)"),
        ("mailing_list.eml", "mailing list (list-id)"),
        ("newsletter_html.eml", "Precedence: bulk"),
        ("bulk_precedence.eml", "Precedence: bulk"),
        ("noreply_sender.eml", "machine sender (noreply-notifications@service.example)"),
        ("missing_from.eml", "no usable From address"),
        ("malformed_from.eml", "no usable From address"),
        (
            "eai_sender_and_odd_copies.eml",
            "mail cannot be sent to jörg@exämple.com: its part before the @ has non-ASCII characters"
            " (SMTPUTF8), which our mail service cannot send to",
        ),
    ],
)
def test_fixtures_that_must_not_be_answered(fixture, reason):
    assert auto_reply_block_reason(parse_mail((FIXTURES / fixture).read_bytes()), OWN) == reason


@pytest.mark.parametrize(
    "fixture", ["gmail_reply.eml", "outlook_reply.eml", "plus_address_reply.eml", "calendar_invite.eml"]
)
def test_ordinary_customer_mail_may_be_answered(fixture):
    assert auto_reply_block_reason(parse_mail((FIXTURES / fixture).read_bytes()), OWN) is None


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("Auto-Submitted: auto-generated", "Auto-Submitted: auto-generated"),
        ("Auto-Submitted: Auto-Replied; owner-email=x@y", "Auto-Submitted: Auto-Replied; owner-email=x@y"),
        ("Precedence: JUNK", "Precedence: JUNK"),
        ("Precedence: list", "Precedence: list"),
        ("List-Unsubscribe: <mailto:u@x>", "mailing list (list-unsubscribe)"),
        ("List-Id: <x.y>", "mailing list (list-id)"),
        ("X-Auto-Response-Suppress: DR, OOF", "X-Auto-Response-Suppress: DR, OOF"),
        ("X-Auto-Response-Suppress: all", "X-Auto-Response-Suppress: all"),
        ("X-Auto-Response-Suppress: AutoReply", "X-Auto-Response-Suppress: AutoReply"),
        ("X-Autoreply: yes", "auto-reply header (x-autoreply)"),
        ("X-Autorespond: ", "auto-reply header (x-autorespond)"),
        ("Return-Path: <>", "null Return-Path (bounce)"),
        ("Return-Path: < >", "null Return-Path (bounce)"),
        (
            "Content-Type: multipart/report; report-type=delivery-status; boundary=x",
            "delivery report (multipart/report)",
        ),
    ],
)
def test_headers_that_block(header, reason):
    assert auto_reply_block_reason(mail(header), OWN) == reason


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
    ("sender", "reason"),
    [
        ("MAILER-DAEMON@mx.example.net", "machine sender (mailer-daemon@mx.example.net)"),
        ("postmaster@example.net", "machine sender (postmaster@example.net)"),
        ("noreply@example.net", "machine sender (noreply@example.net)"),
        ("no-reply@example.net", "machine sender (no-reply@example.net)"),
        ("NoReply+tag@example.net", "machine sender (noreply+tag@example.net)"),
        ("do-not-reply@example.net", "machine sender (do-not-reply@example.net)"),
        ("donotreply@example.net", "machine sender (donotreply@example.net)"),
        ("bounce@example.net", "machine sender (bounce@example.net)"),
        ("bounces+abc=def@lists.example.net", "machine sender (bounces+abc=def@lists.example.net)"),
        ("bounce-12345@mail.example.net", "machine sender (bounce-12345@mail.example.net)"),
        ("noreply-xyz@example.net", "machine sender (noreply-xyz@example.net)"),
        ("shop.noreply@example.net", "machine sender (shop.noreply@example.net)"),
        ("support@example.com", "sent by our own address (support@example.com)"),
        ("Support+1042@Example.com", "sent by our own address (support+1042@example.com)"),
        ("billing@example.com", "sent by our own address (billing@example.com)"),
    ],
)
def test_senders_that_block(sender, reason):
    """The reason names the address lower-cased, as it was compared."""
    assert auto_reply_block_reason(mail(sender=sender), OWN) == reason


@pytest.mark.parametrize(
    "sender",
    ["noreen@example.org", "bouncer.joe@example.org", "support@example.com.evil.org", "replyguy@x.org"],
)
def test_senders_that_allow(sender):
    assert auto_reply_block_reason(mail(sender=sender), OWN) is None


def test_a_null_envelope_sender_is_never_answered():
    """A vacation reply with clean headers still came with MAIL FROM:<> (RFC 3834 section 2)."""
    assert auto_reply_block_reason(mail(), OWN) is None
    assert (
        auto_reply_block_reason(mail(), OWN, null_sender=True)
        == "null envelope sender (bounce or automatic reply)"
    )
