"""Availability in Chromium: an agent sets "away until" with a note, the top bar and the ticket
page's assignee picker mark them, and "I am back" clears it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import sign_in
from tests.browser.test_agent_app import open_ticket
from tests.mailbuilder import raw_mail
from tests.runtime import send_mail

pytestmark = pytest.mark.e2e


def test_an_agent_sets_away_and_the_picker_marks_them_until_they_are_back(browser, runtime):
    page = sign_in(browser, runtime, runtime.admin_email, runtime.admin_password)
    try:
        page.click("header a.availability")
        page.wait_for_selector("text=You are available")
        # The field is a wall-clock time in the agent's zone (the admin's: UTC unless changed).
        zone = re.search(r"Away until \(([^)]+)\)", page.inner_text("form.stack"))[1]  # type: ignore[index]
        until = (datetime.now(ZoneInfo(zone)) + timedelta(days=2)).replace(hour=9, minute=30)
        page.fill("input[name=until]", until.strftime("%Y-%m-%dT%H:%M"))
        page.fill("input[name=note]", "At the customer's site")
        page.click("button:has-text('Set away')")
        page.wait_for_selector("#my-away:has-text('You are away until')")
        assert until.strftime("%-d %b %Y 09:30") in page.inner_text("#my-away")
        assert page.inner_text("header a.availability") == "Away"

        subject = "Who can take this while the admin is away?"
        send_mail(
            runtime,
            raw_mail(sender="picker.browser@customer.test", subject=subject),
            "picker.browser@customer.test",
            ["support@example.com"],
        )
        open_ticket(page, runtime, subject)
        picker = page.locator("select[name=assignee]")
        labels = picker.locator("option").all_inner_texts()
        assert any(label.endswith(f"(away until {until.strftime('%-d %b %Y 09:30')})") for label in labels), (
            labels
        )

        page.click("header a.availability")
        page.click("button:has-text('I am back')")
        page.wait_for_selector("text=You are back.")
        assert page.inner_text("header a.availability") == "Available"
    finally:
        page.context.close()
