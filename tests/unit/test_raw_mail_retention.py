"""When a message's original expires: S3's lifecycle arithmetic, and which originals never expire."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.desk.base.storage import original_expires_at


def test_raw_mail_expires_at_the_midnight_utc_after_its_retention():
    received = datetime(2026, 3, 1, 14, 30, tzinfo=UTC)
    assert original_expires_at("inbound/abc", received, 90) == datetime(2026, 5, 31, tzinfo=UTC)
    at_midnight = datetime(2026, 3, 1, tzinfo=UTC)
    assert original_expires_at("inbound/abc", at_midnight, 1) == datetime(2026, 3, 2, tzinfo=UTC)


def test_form_submissions_and_a_deployment_without_retention_keep_originals():
    received = datetime(2026, 3, 1, 14, 30, tzinfo=UTC)
    assert original_expires_at("forms/abc.json", received, 90) is None
    assert original_expires_at("inbound/abc", received, 0) is None
