"""The help center in Chromium: an agent writes and publishes, a customer finds and reads it (and
nothing an author pasted runs), the acknowledgement points to it, and a reply becomes a draft."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.conftest import sign_in
from tests.mailbuilder import raw_mail
from tests.runtime import outbox_messages, send_mail, wait_for

pytestmark = pytest.mark.e2e
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
HOSTILE = (
    "<script>window.__pwned = 1</script>\n\n[details](javascript:window.__pwned=2)\n\n"
    "<img src=x onerror=alert(1)>"
)


@pytest.fixture(scope="module")
def agent(browser, runtime):
    page = sign_in(browser, runtime, runtime.admin_email, runtime.admin_password)
    yield page
    page.context.close()


@pytest.fixture
def customer(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.dialogs = dialogs
    yield page
    context.close()


def publish(agent, runtime, title: str, body: str) -> None:
    """Write and publish an article from the agent app."""
    agent.goto(f"{runtime.http_url}/articles/new")
    agent.fill("input[name=title]", title)
    agent.fill("#article-body", body)
    agent.click("button:has-text('Publish')")
    agent.wait_for_selector("button:has-text('Unpublish')")


def customer_writes(runtime, sender: str, subject: str, body: str) -> None:
    send_mail(runtime, raw_mail(sender=sender, subject=subject, body=body), sender, ["support@example.com"])


def test_an_agent_publishes_and_a_customer_finds_and_reads_it(agent, customer, runtime):
    base = runtime.http_url
    agent.click("nav.me a:has-text('Help center')")
    agent.click("a:has-text('New article')")
    agent.fill("input[name=title]", "Change the delivery address")
    agent.fill("input[name=category]", "Shipping")
    agent.fill("#article-body", "Open **My orders**, choose the order and press *Change address*.")
    agent.click("button:has-text('Save draft')")
    agent.wait_for_url("**/articles/change-the-delivery-address")
    assert agent.locator(".article-preview strong").inner_text() == "My orders"

    assert customer.goto(f"{base}/help/change-the-delivery-address").status == 404  # a draft is private
    agent.click("button:has-text('Publish')")
    agent.wait_for_selector("button:has-text('Unpublish')")

    customer.goto(f"{base}/help")
    customer.fill("input[name=q]", "delivery")
    customer.click("button:has-text('Search')")
    customer.click("a:has-text('Change the delivery address')")
    customer.wait_for_selector("h1:has-text('Change the delivery address')")
    assert customer.locator(".article-body strong").inner_text() == "My orders"
    customer.goto(f"{base}/help?q=refund")
    assert customer.locator("#no-articles").is_visible()


def test_the_acknowledgement_links_to_matching_articles(agent, customer, runtime):
    base = runtime.http_url
    publish(agent, runtime, "Track your parcel", "Every shipping mail has a **tracking link**.")
    sender = "parcel.asker@customer.test"
    customer_writes(runtime, sender, "Where is it?", "How can I track my parcel?")

    def suggested() -> str | None:
        for mail in outbox_messages(runtime):
            if sender in str(mail["To"]):
                match = re.search(
                    r"http://\S+/help/track-your-parcel", mail.get_body(("plain",)).get_content()
                )
                if match:
                    return match.group(0)
        return None

    customer.goto(wait_for(suggested, timeout=30))
    assert customer.locator(".article-body strong").inner_text() == "tracking link"
    customer.goto(f"{base}/help")
    customer.screenshot(path=str(SCREENSHOTS / "help-center-phone.png"))


def test_nothing_an_author_pastes_runs_on_the_public_page(agent, customer, runtime):
    publish(agent, runtime, "Pasted from somewhere", f"Careful **now**.\n\n{HOSTILE}")
    assert agent.locator(".article-preview strong").inner_text() == "now"
    customer.goto(f"{runtime.http_url}/help/pasted-from-somewhere")
    customer.wait_for_selector("h1:has-text('Pasted from somewhere')")
    customer.wait_for_timeout(500)
    assert customer.dialogs == [] and customer.evaluate("window.__pwned") is None
    assert agent.evaluate("window.__pwned") is None
    assert customer.locator("body script, .article-body img").count() == 0
    assert customer.locator(".article-body a").count() == 0  # the javascript: link is text


def test_a_reply_becomes_a_draft_in_one_click(agent, runtime):
    base = runtime.http_url
    customer_writes(runtime, "csv.export@customer.test", "Export my invoices as CSV", "Is that possible?")

    def listed() -> bool:  # by address: the shared runtime's queues fill up with other tests' work
        agent.goto(f"{base}/search?q=csv.export@customer.test")
        return agent.locator("a:has-text('Export my invoices as CSV')").count() > 0

    wait_for(listed, timeout=30, interval=0.5)
    agent.click("a:has-text('Export my invoices as CSV')")
    agent.fill("#reply-body", "Open Reports and press Export: you get one CSV file.")
    agent.click("form#reply button:has-text('Send and solve')")
    agent.wait_for_selector("li.message.reply >> text=Open Reports and press Export")
    agent.click("li.message.reply:not(.automatic) button:has-text('Make an article')")
    agent.wait_for_selector("h1:has-text('Edit article')")
    assert agent.input_value("input[name=title]") == "Export my invoices as CSV"
    assert "Open Reports and press Export" in agent.input_value("#article-body")
    assert agent.locator("button:has-text('Publish')").count() == 1  # a draft until an agent publishes
    agent.set_viewport_size({"width": 1280, "height": 800})
    agent.screenshot(path=str(SCREENSHOTS / "article-editor.png"))
