"""Notifications in Chromium: the bell and its list, the settings page, and the note box's `@`
picker (keyboard and mouse), on the shared local runtime."""

from __future__ import annotations

import uuid

import pytest

from tests.browser.conftest import sign_in
from tests.browser.test_agent_app import open_ticket
from tests.mailbuilder import raw_mail
from tests.runtime import send_mail, wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def page(browser, runtime):
    signed_in = sign_in(browser, runtime, runtime.admin_email, runtime.admin_password)
    yield signed_in
    signed_in.context.close()


def _new_ticket(runtime, subject: str) -> None:
    sender = f"bell-{uuid.uuid4().hex[:6]}@customer.test"
    send_mail(runtime, raw_mail(sender=sender, subject=subject), sender, ["support@example.com"])


def test_the_bell_counts_lists_and_clears(page, runtime):
    tag = uuid.uuid4().hex[:6]
    first, second = f"Bell {tag} one", f"Bell {tag} two"
    _new_ticket(runtime, first)
    _new_ticket(runtime, second)

    def listed() -> bool:
        page.goto(f"{runtime.http_url}/notifications")
        return page.locator(f"li.notification.unread:has-text('Bell {tag}')").count() == 2

    wait_for(listed, timeout=40, interval=1)
    count = int(page.locator("#bell-count").inner_text())
    assert count >= 2 and page.title().startswith(f"({count}) ")
    page.click(f"li.notification:has-text('{first}') form.open button")  # opens the ticket, read
    page.wait_for_selector("form#note")
    assert first in page.locator("h1").inner_text()
    assert int(page.locator("#bell-count").inner_text()) == count - 1
    page.click("a#bell")
    assert page.locator(f"li.notification.read:has-text('{first}')").count() == 1
    page.click("button#read-all")
    page.wait_for_selector("button#read-all[disabled]")
    assert page.locator("#bell-count").count() == 0 and not page.title().startswith("(")
    assert page.locator("li.notification.unread").count() == 0


def test_the_settings_page_keeps_what_is_turned_off(page, runtime):
    page.goto(f"{runtime.http_url}/account/notifications")
    box = page.locator("input[value='new_ticket:mail']")
    assert box.is_checked() and page.locator("input[type=checkbox]").count() == 12  # 6 topics x 2
    box.uncheck()
    page.click("form.preferences button")
    page.wait_for_selector("text=Saved.")
    page.reload()
    assert not page.locator("input[value='new_ticket:mail']").is_checked()
    assert page.locator("input[value='new_ticket:in_app']").is_checked()
    page.locator("input[value='new_ticket:mail']").check()
    page.click("form.preferences button")
    page.wait_for_selector("text=Saved.")


def test_the_mention_picker_offers_the_teams_agents_by_keyboard_and_mouse(page, runtime):
    tag = uuid.uuid4().hex[:6]
    name = f"Sam Mention{tag}"
    page.goto(f"{runtime.http_url}/admin")
    page.fill("#invite input[name=email]", f"sam.{tag}@example.com")
    page.fill("#invite input[name=name]", name)
    page.check("#invite input[value=Support]")
    page.click("#invite button")
    page.wait_for_selector("code.password")
    subject = f"Mention {tag}"
    _new_ticket(runtime, subject)
    open_ticket(page, runtime, subject)

    box = page.locator("#note-body")
    picker = page.locator("#mention-picker")
    box.click()
    box.type(f"Could you check @Sam Mention{tag[:2]}")
    picker.wait_for(state="visible")
    assert picker.locator("li:visible").count() == 1
    box.press("Escape")
    assert picker.is_hidden() and box.input_value().endswith(f"@Sam Mention{tag[:2]}")
    box.type(tag[2:4])  # typing on opens it again; the keyboard picks
    picker.wait_for(state="visible")
    box.press("ArrowDown")
    box.press("Enter")
    assert picker.is_hidden()
    assert box.input_value() == f"Could you check @{name} "
    assert page.locator(f"form#note input[name=mentions][value='sam.{tag}@example.com']").count() == 1
    box.type("and @Demo")  # the mouse picks too
    picker.wait_for(state="visible")
    picker.locator("li:visible", has_text="Demo Admin").click()
    assert box.input_value() == f"Could you check @{name} and @Demo Admin "
    page.click("form#note button")
    page.wait_for_selector(f"mark.mention:has-text('@{name}')")
    mentioned = page.locator("p.mentions").last.inner_text()
    assert f"@{name}" in mentioned and "@Demo Admin" in mentioned
