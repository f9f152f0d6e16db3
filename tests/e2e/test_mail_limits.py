"""Mail real receivers accept, over real SMTP into the local runtime: long lines, quoted senders,
and SES's 40 MB limit refused with a 552 that says so, storing nothing."""

from __future__ import annotations

import smtplib
import urllib.parse
from pathlib import Path

import pytest

from local.smtp import SES_MAX_MESSAGE_BYTES
from tests.runtime import aws, call, outbox_messages, send_mail, wait_for

pytestmark = pytest.mark.e2e
BUCKET = "helpdesk-local-mail"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mail"


@pytest.fixture(scope="module")
def token(runtime) -> str:
    status, body = call(
        runtime, "POST", "/api/session", {"email": runtime.admin_email, "password": runtime.admin_password}
    )
    assert status == 200, body
    return body["token"]


def ticket_of(runtime, token: str, requester: str) -> dict:
    """The one ticket of a requester, with its messages, once ingestion has made it."""

    def found() -> list:
        query = urllib.parse.quote(requester)
        status, body = call(runtime, "GET", f"/api/tickets?requester={query}", token=token)
        assert status == 200, body
        return body["items"]

    [ticket] = wait_for(found)
    status, full = call(runtime, "GET", f"/api/tickets/{ticket['number']}", token=token)
    assert status == 200, full
    return full


def stored_keys(runtime) -> set[str]:
    pages = aws(runtime, "s3").get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix="inbound/")
    return {item["Key"] for page in pages for item in page.get("Contents", [])}


def test_a_mail_with_a_64_kb_line_becomes_a_ticket_with_the_line_intact(runtime, token):
    raw = (FIXTURES / "long_line_64k.eml").read_bytes()
    longest = max(raw.split(b"\n"), key=len)
    assert len(longest) > 64 * 1024
    message_id = send_mail(runtime, raw, "reports@customer.test", ["support@example.com"])
    stored = aws(runtime, "s3").get_object(Bucket=BUCKET, Key=f"inbound/{message_id}")["Body"].read()
    assert stored == raw.replace(b"\n", b"\r\n")
    ticket = ticket_of(runtime, token, "reports@customer.test")
    [message] = [m for m in ticket["messages"] if m["kind"] == "customer"]
    assert longest.decode() in message["body_text"].split("\n")
    assert message["body_text"].endswith("After the long line.")


def test_a_quoted_local_part_is_the_requester(runtime, token):
    raw = (FIXTURES / "quoted_local_part_sender.eml").read_bytes()
    send_mail(runtime, raw, "bounces@example.com", ["support@example.com"])
    ticket = ticket_of(runtime, token, '"first last"@example.com')
    assert ticket["requester"]["email"] == '"first last"@example.com'
    notes = [m["body_text"] for m in ticket["messages"] if m["kind"] == "note"]
    assert any("cannot be sent" in note and "quoted" in note for note in notes), ticket["messages"]
    assert not [m for m in outbox_messages(runtime) if "first last" in str(m["To"])]


def test_mail_announced_over_the_ses_limit_is_refused_before_its_data(runtime):
    with smtplib.SMTP(runtime.smtp_host, runtime.smtp_port, timeout=30) as smtp:
        smtp.ehlo()
        assert int(smtp.esmtp_features["size"]) == SES_MAX_MESSAGE_BYTES
        code, reply = smtp.mail("big@customer.test", [f"SIZE={SES_MAX_MESSAGE_BYTES + 1}"])
    assert code == 552
    assert b"40 MB" in reply and b"nothing was stored" in reply


def test_mail_over_the_ses_limit_is_refused_unstored(runtime):
    before = stored_keys(runtime)
    line = b"x" * 998 + b"\r\n"
    raw = b"Subject: big\r\n\r\n" + line * (SES_MAX_MESSAGE_BYTES // len(line) + 1)
    assert len(raw) > SES_MAX_MESSAGE_BYTES
    with pytest.raises(smtplib.SMTPDataError) as refused:
        send_mail(runtime, raw, "big@customer.test", ["support@example.com"])
    assert refused.value.smtp_code == 552
    assert b"40 MB" in refused.value.smtp_error and b"nothing was stored" in refused.value.smtp_error
    assert stored_keys(runtime) == before
