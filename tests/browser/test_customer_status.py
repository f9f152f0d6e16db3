"""The customer's private links in Chromium on the local runtime, taken from the mails they received."""

from __future__ import annotations

import re

import pytest

from tests.mailbuilder import raw_mail
from tests.runtime import Runtime, call, outbox_messages, send_mail, wait_for

pytestmark = pytest.mark.e2e


def agent_token(runtime: Runtime) -> str:
    _, body = call(
        runtime, "POST", "/api/session", {"email": runtime.admin_email, "password": runtime.admin_password}
    )
    return body["token"]


def mail_with(runtime: Runtime, address: str, pattern: str) -> str:
    """The first URL matching `pattern` in a mail sent to `address` (waits for it)."""

    def found() -> str | None:
        for mail in outbox_messages(runtime):
            if address in str(mail["To"]):
                match = re.search(pattern, mail.get_body(("plain",)).get_content())
                if match:
                    return match.group(0)
        return None

    return wait_for(found, timeout=30)


def open_ticket(runtime: Runtime, token: str, address: str) -> dict:
    def listed():
        return call(runtime, "GET", f"/api/tickets?requester={address}", token=token)[1]["items"]

    [ticket] = wait_for(listed)
    return ticket


def test_the_customer_follows_answers_and_closes_their_request(browser, runtime: Runtime):
    customer, token = "status.page@customer.test", agent_token(runtime)
    send_mail(
        runtime,
        raw_mail(sender=customer, subject="Broken hinge", body="The hinge snapped."),
        customer,
        ["support@example.com"],
    )
    ticket = open_ticket(runtime, token, customer)
    link = mail_with(
        runtime, customer, r"http://\S+/t/\S+"
    )  # from the acknowledgement, as the customer sees it
    path = f"/api/tickets/{ticket['number']}"
    assert call(runtime, "POST", f"{path}/notes", {"body": "SECRET internal remark"}, token)[0] == 201
    assert (
        call(runtime, "POST", f"{path}/replies", {"body": "Which model is it?", "status": "pending"}, token)[
            0
        ]
        == 201
    )

    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    page.goto(link)
    assert page.locator("h1").inner_text() == "Broken hinge"
    assert "Waiting for your reply" in page.inner_text("body")
    assert "The hinge snapped." in page.inner_text(".public-thread")
    assert "Which model is it?" in page.inner_text(".public-thread")
    assert "SECRET" not in page.content()

    page.fill("#message", "It is the Model T.")
    page.click("button:has-text('Send reply')")
    page.wait_for_selector(".public-message:has-text('It is the Model T.')")
    _, seen = call(runtime, "GET", path, token=token)
    answer = [m for m in seen["messages"] if m["kind"] == "customer"][-1]
    assert (answer["visible_text"], answer["channel"], seen["status"]) == (
        "It is the Model T.",
        "web",
        "open",
    )

    page.click("button:has-text('close it')")
    page.wait_for_selector("text=Solved")
    assert call(runtime, "GET", path, token=token)[1]["status"] == "solved"
    page.click("#survey a:has-text('Good')")  # asked right there, once
    page.wait_for_selector("text=Thank you for your answer")
    assert call(runtime, "GET", path, token=token)[1]["csat"]["rating"] == "good"


def test_the_survey_link_rates_once_and_the_agent_sees_it(browser, runtime: Runtime):
    customer, token = "survey.link@customer.test", agent_token(runtime)
    send_mail(runtime, raw_mail(sender=customer, subject="Refund"), customer, ["support@example.com"])
    ticket = open_ticket(runtime, token, customer)
    path = f"/api/tickets/{ticket['number']}"
    assert (
        call(runtime, "POST", f"{path}/replies", {"body": "Refunded.", "status": "solved"}, token)[0] == 201
    )
    good = mail_with(runtime, customer, r"http://\S+/s/\S+/good")
    page = browser.new_context().new_page()
    page.goto(good)
    assert "good" in page.inner_text(".survey")
    page.goto(good.replace("/good", "/bad"))
    page.fill("#comment", "It took a week.")
    page.click("button:has-text('Send comment')")
    page.wait_for_selector("text=Your comment is saved")
    csat = call(runtime, "GET", path, token=token)[1]["csat"]
    assert (csat["rating"], csat["comment"]) == ("bad", "It took a week.")


def test_forged_truncated_or_swapped_links_show_nothing(browser, runtime: Runtime):
    customer, token = "forged.link@customer.test", agent_token(runtime)
    send_mail(
        runtime, raw_mail(sender=customer, subject="Top secret subject"), customer, ["support@example.com"]
    )
    open_ticket(runtime, token, customer)
    link = mail_with(runtime, customer, r"http://\S+/t/\S+")
    base, tok = link.rsplit("/t/", 1)
    number, version, expires, key_id, mac = tok.split(".")
    flipped = mac[:-1] + ("A" if mac[-1] != "A" else "B")
    signed = f"{version}.{expires}.{key_id}"
    page = browser.new_context().new_page()
    bodies = set()
    for bad in (tok[:-4], f"{number}.{signed}.{flipped}", f"{int(number) + 1}.{signed}.{mac}", "1"):
        response = page.goto(f"{base}/t/{bad}")
        assert response.status == 404
        assert "Top secret subject" not in page.content()
        bodies.add(page.inner_text("main"))
    assert bodies == {"Page not found\n\nThis page does not exist."}
