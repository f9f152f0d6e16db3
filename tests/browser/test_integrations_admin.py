"""The admin's integration pages in Chromium: an API key made, used and revoked; a webhook endpoint
registered, its delivery listed with its attempt, and resent from the endpoint's page."""

from __future__ import annotations

import json
import time

import pytest

from chalicelib.desk.webhooks.signature import verify
from tests.browser.conftest import sign_in
from tests.mailbuilder import raw_mail
from tests.runtime import call, send_mail, wait_for
from tests.webhook_receiver import webhook_receiver

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def admin_page(browser, runtime):
    page = sign_in(browser, runtime, runtime.admin_email, runtime.admin_password)
    yield page
    page.context.close()


def test_a_key_is_shown_once_works_shows_its_last_use_and_is_refused_once_revoked(admin_page, runtime):
    page = admin_page
    name = f"CRM {time.time_ns()}"
    page.goto(f"{runtime.http_url}/admin#api-keys")
    form = page.locator("form#key-new")
    form.locator("input[name=name]").fill(name)
    form.locator("select[name=role]").select_option("agent")
    form.locator("input[name=teams][value=Support]").check()
    form.locator("button:has-text('Make key')").click()
    secret = page.locator(".api-key-secret").inner_text().strip()
    assert secret.startswith("hd_")

    status, listed = call(runtime, "GET", "/api/tickets", token=secret)
    assert status == 200, listed
    page.goto(f"{runtime.http_url}/admin#api-keys")
    row = page.locator("table.api-keys tr", has_text=name)
    assert "never" not in row.locator("td").nth(4).inner_text()
    assert page.locator(".api-key-secret").count() == 0  # shown once: the desk keeps only its hash

    row.locator(f"button[aria-label='Revoke API key {name}']").click()
    page.wait_for_selector(f"table.api-keys tr.inactive:has-text('{name}')")
    assert call(runtime, "GET", "/api/tickets", token=secret)[0] == 401


def test_an_endpoint_registered_on_the_page_gets_a_ticket_and_a_resend_from_the_page(admin_page, runtime):
    page = admin_page
    with webhook_receiver() as receiver:
        page.goto(f"{runtime.http_url}/admin/webhooks")
        form = page.locator("form#webhook-new")
        form.locator("input[name=url]").fill(receiver.url)
        form.locator("input[name=events][value='ticket.created']").check()
        form.locator("button:has-text('Register')").click()
        secret = page.locator("#new-secret code.secret").inner_text().strip()
        page.click(f"a:has-text('{receiver.url}')")
        page.wait_for_selector("#deliveries")
        try:
            subject = f"Webhook page {time.time_ns()}"
            send_mail(runtime, raw_mail(subject=subject), "ada@customer.test", ["support@example.com"])
            [first] = receiver.wait_for(1, timeout_s=60)
            assert json.loads(first.body)["ticket"]["subject"] == subject

            def delivered_row():
                page.reload()
                return page.locator("tr.delivery-delivered").count() == 1

            wait_for(delivered_row, timeout=30, interval=0.5)
            row = page.locator("tr.delivery-delivered")
            assert "HTTP 200" in row.locator("ol.attempts").inner_text()
            row.locator("button:has-text('Resend')").click()
            first, second = receiver.wait_for(2, timeout_s=30)
            assert second.body == first.body
            assert verify(secret, second.headers["Helpdesk-Signature"], second.body, int(time.time()))

            def resent_row():
                page.reload()
                return page.locator("tr:has-text('resent')").count() == 1

            wait_for(resent_row, timeout=30, interval=0.5)
        finally:
            page.click("button:has-text('Remove endpoint')")
        page.wait_for_url(f"{runtime.http_url}/admin/webhooks")
        assert page.locator(f"a:has-text('{receiver.url}')").count() == 0
