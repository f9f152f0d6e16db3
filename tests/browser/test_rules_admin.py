"""The rules' admin page in Chromium: create, reorder, test and disable a rule."""

from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in
from tests.mailbuilder import raw_mail
from tests.runtime import call, send_mail, wait_for

pytestmark = pytest.mark.e2e
SUBJECT = "Zebra crossing lights are broken"


def add_rule(page, name: str, word: str) -> None:
    page.fill("#rule-form input[name=name]", name)
    page.select_option("#rule-form select[name=cond_field_0]", "subject")
    page.select_option("#rule-form select[name=cond_op_0]", "contains_any")
    page.fill("#rule-form input[name=cond_value_0]", word)
    page.select_option("#rule-form select[name=act_type_0]", "add_tags")
    page.fill("#rule-form input[name=act_value_0]", word)
    page.click("#rule-form button:has-text('Add rule')")
    page.wait_for_selector(f"#rules tr:has-text('{name}')")


def names(page) -> list[str]:
    return page.locator("#rules tbody tr td:nth-child(2) a").all_inner_texts()


def test_create_reorder_test_and_disable_a_rule(browser, runtime):
    customer = "zebra.browser@customer.test"
    send_mail(runtime, raw_mail(sender=customer, subject=SUBJECT), customer, ["support@example.com"])
    _, session = call(
        runtime, "POST", "/api/session", {"email": runtime.admin_email, "password": runtime.admin_password}
    )
    wait_for(
        lambda: call(runtime, "GET", f"/api/tickets?requester={customer}", token=session["token"])[1]["items"]
    )
    page = sign_in(browser, runtime, runtime.admin_email, runtime.admin_password)
    try:
        page.goto(f"{runtime.http_url}/admin")
        page.click("#rules a:has-text('Rules')")
        page.wait_for_selector("h1:has-text('Rules')")
        before = names(page)
        add_rule(page, "Zebra tag", "zebra")
        add_rule(page, "Okapi tag", "okapi")
        assert names(page) == [*before, "Zebra tag", "Okapi tag"]

        page.click("#rules tr:has-text('Okapi tag') button[title='Move up']")
        page.wait_for_load_state()
        assert names(page)[-2:] == ["Okapi tag", "Zebra tag"]

        page.click("#rules tr:has-text('Zebra tag') button:has-text('Test')")
        result = page.locator("#rule-test")
        result.wait_for()
        assert "Test of “Zebra tag”" in result.inner_text()
        assert result.locator(f"li:has-text('{SUBJECT}') a[href^='/tickets/']").count() == 1
        assert "would have matched 1 of the last" in result.inner_text()

        page.click("#rules tr:has-text('Zebra tag') button:has-text('Disable')")
        page.wait_for_selector("#rules tr:has-text('Zebra tag') td.state:has-text('Disabled')")
        assert page.locator("#rules tr:has-text('Okapi tag') td.state").inner_text() == "Enabled"

        _, listed = call(runtime, "GET", "/api/rules", token=session["token"])
        mine = {r["name"]: r for r in listed["items"] if r["name"] in ("Zebra tag", "Okapi tag")}
        assert (mine["Zebra tag"]["enabled"], mine["Okapi tag"]["enabled"]) == (False, True)
    finally:  # the shared runtime's other tests run without these rules
        for name in ("Zebra tag", "Okapi tag"):
            page.goto(f"{runtime.http_url}/admin/rules")
            row = page.locator(f"#rules tr:has-text('{name}')")
            if row.count():
                row.locator("button:has-text('Delete')").click()
                page.wait_for_load_state()
        page.context.close()
