"""The public request form in Chromium on the local runtime: a customer with an attachment, then the agent."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.conftest import sign_in
from tests.runtime import Runtime, outbox_messages, wait_for

pytestmark = pytest.mark.e2e


def customer_page(browser, runtime: Runtime, path: str):
    """A fresh, signed-out browser on the form; what went wrong (CSP refusals, failed requests but
    the favicon nobody serves) is collected."""
    context = browser.new_context(viewport={"width": 420, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on(
        "console",
        lambda message: errors.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.on(
        "response",
        lambda response: (
            errors.append(f"{response.status} {response.request.method} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico")
            else None
        ),
    )
    page.goto(f"{runtime.http_url}{path}")
    return page, errors


def attach(page, path: Path) -> None:
    page.set_input_files("#f-files", str(path))
    page.wait_for_selector(f"ul.files li:has-text('{path.name}') .state:text('attached')")


def acknowledgement_for(runtime: Runtime, address: str, number: int):
    def found():
        return next(
            (m for m in outbox_messages(runtime) if address in m["To"] and f"[#{number}]" in m["Subject"]),
            None,
        )

    return wait_for(found, timeout=30)


def test_a_customer_sends_a_request_with_an_attachment_and_the_agent_downloads_it(
    browser, runtime: Runtime, tmp_path: Path
):
    receipt = tmp_path / "receipt.pdf"
    receipt.write_bytes(b"%PDF-1.4\n" + b"the receipt " * 2000)
    page, errors = customer_page(browser, runtime, "/support/billing")
    assert page.locator("#attachments").is_visible()  # the script ran under the page's CSP
    page.fill("#f-name", "Grace Hopper")
    page.fill("#f-email", "grace@customer.test")
    page.fill("#f-subject", "Charged twice for March")
    page.fill("#f-message", "Hello,\nmy card was charged twice. Receipt attached.")
    attach(page, receipt)
    page.click("button:has-text('Send request')")
    number = int(re.search(r"#(\d+)", page.locator(".ticket-number").inner_text()).group(1))
    assert "grace@customer.test" in page.locator(".received").inner_text()
    assert errors == []
    page.context.close()

    ack = acknowledgement_for(runtime, "grace@customer.test", number)
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["From"].addresses[0].addr_spec == "billing@example.com"

    agent = sign_in(browser, runtime, runtime.admin_email, runtime.admin_password)
    agent.goto(f"{runtime.http_url}/tickets/{number}")
    assert "Charged twice for March" in agent.locator("main").inner_text()
    customer_message = agent.locator("li.message.customer").inner_text()
    assert "my card was charged twice" in customer_message and "via the web form" in customer_message
    link = agent.locator("ul.attachments a:has-text('receipt.pdf')")
    downloaded = agent.request.get(f"{runtime.http_url}{link.get_attribute('href')}")
    assert downloaded.ok and downloaded.body() == receipt.read_bytes()
    agent.context.close()


def test_a_validation_error_keeps_what_was_typed_and_the_uploaded_file(
    browser, runtime: Runtime, tmp_path: Path
):
    notes = tmp_path / "steps.txt"
    notes.write_text("1. open the app\n2. it crashes\n")
    page, errors = customer_page(browser, runtime, "/support")
    page.fill("#f-name", "Linus")
    page.fill("#f-email", "linus-at-customer.test")
    page.fill("#f-subject", "App crashes on start")
    page.fill("#f-message", "Every time I open it.\nSteps attached.")
    attach(page, notes)
    page.click("button:has-text('Send request')")
    page.wait_for_selector("#e-email")
    assert "does not look like an email address" in page.locator("#e-email").inner_text()
    assert page.input_value("#f-name") == "Linus"
    assert page.input_value("#f-subject") == "App crashes on start"
    assert page.input_value("#f-message") == "Every time I open it.\nSteps attached."
    assert page.locator("ul.files li:has-text('steps.txt')").count() == 1

    page.fill("#f-email", "linus@customer.test")
    page.click("button:has-text('Send request')")
    number = int(re.search(r"#(\d+)", page.locator(".ticket-number").inner_text()).group(1))
    assert errors == [f"400 POST {runtime.http_url}/support/support"]  # the page with the error
    page.context.close()
    assert acknowledgement_for(runtime, "linus@customer.test", number)

    agent = sign_in(browser, runtime, runtime.admin_email, runtime.admin_password)
    agent.goto(f"{runtime.http_url}/tickets/{number}")
    link = agent.locator("ul.attachments a:has-text('steps.txt')")
    assert agent.request.get(f"{runtime.http_url}{link.get_attribute('href')}").body() == notes.read_bytes()
    agent.context.close()
