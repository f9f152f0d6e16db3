"""Snooze and due dates from the ticket page in Chromium (desk.follow_up)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.browser.conftest import sign_in
from tests.browser.test_agent_app import open_ticket
from tests.mailbuilder import raw_mail
from tests.runtime import send_mail

pytestmark = pytest.mark.e2e


def test_snooze_from_the_ticket_page_with_a_quick_pick_then_a_chosen_time_and_a_due_date(browser, runtime):
    page = sign_in(browser, runtime, runtime.admin_email, runtime.admin_password)
    try:
        subject = "Call me back after the holidays"
        send_mail(
            runtime,
            raw_mail(sender="Noor <noor@customer.test>", subject=subject),
            "noor@customer.test",
            ["support@example.com"],
        )
        number = open_ticket(page, runtime, subject)
        # The quick picks say when they mean, in the agent's zone (the demo admin's is UTC).
        tomorrow = page.locator("#snooze button[value=tomorrow]")
        assert tomorrow.inner_text() == "Tomorrow 9:00"
        assert tomorrow.get_attribute("title").endswith("09:00")
        tomorrow.click()
        page.wait_for_selector("p.snoozed")
        assert page.locator(".bar .status").inner_text() == "pending"
        assert "09:00" in page.locator("p.snoozed time").inner_text()
        assert page.locator("li.event:has-text('Snoozed until')").count() == 1

        day = (datetime.now(UTC) + timedelta(days=20)).date()
        page.fill("#snooze input[name=until]", f"{day.isoformat()}T18:30")
        page.click("#snooze button:has-text('Snooze')")
        page.wait_for_selector(f"p.snoozed time:has-text('{day.day} {day:%b %Y} 18:30')")
        assert page.locator("li.event:has-text('(was until')").count() == 1

        overdue = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
        page.fill("#due-date input[name=due_date]", overdue)
        page.click("#due-date button:has-text('Set due date')")
        page.wait_for_selector(f"li.event:has-text('Due date set to {overdue}')")

        page.goto(f"{runtime.http_url}/queues/overdue")
        row = page.locator(f"tr:has(a[href^='/tickets/{number}'])")
        assert row.locator("td.due.overdue").inner_text() == overdue
        assert f"until {day.day} {day:%b %Y} 18:30" in row.locator("small.snoozed").inner_text()
    finally:
        page.context.close()
