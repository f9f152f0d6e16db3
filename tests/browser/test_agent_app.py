"""The agent app in Chromium: the day's main flow, team isolation, and hostile mail HTML."""

from __future__ import annotations

import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlencode

import pytest

from tests.browser.conftest import sign_in
from tests.mailbuilder import raw_mail
from tests.runtime import outbox_messages, send_mail, wait_for

pytestmark = pytest.mark.e2e
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def open_ticket(page, runtime, subject: str) -> int:
    """Find the ticket by its subject (it arrived by SMTP moments ago; the shared runtime's queues hold
    other tests' work too, so it may not be on All open's first page) and open it once its
    acknowledgement is recorded: that write changes the ticket's version, so a form of the page
    loaded before it would be refused as stale."""

    def listed():
        page.goto(f"{runtime.http_url}/search?{urlencode({'q': subject})}")
        return page.locator(f"a:has-text('{subject}')").count() > 0

    def acknowledged():
        page.reload()
        return page.locator(".message.automatic").count() > 0

    wait_for(listed, timeout=30, interval=0.5)
    page.click(f"a:has-text('{subject}')")
    page.wait_for_selector("form#reply")
    wait_for(acknowledged, timeout=30, interval=0.5)
    return int(re.search(r"/tickets/(\d+)", page.url).group(1))


@pytest.fixture(scope="module")
def admin_page(browser, runtime):
    page = sign_in(browser, runtime, runtime.admin_email, runtime.admin_password)
    yield page
    page.context.close()


def test_sign_in_answer_with_a_canned_reply_note_assign_solve(admin_page, runtime, browser):
    page = admin_page
    # Setup an admin does once: a canned reply with placeholders, and an agent of another team.
    page.goto(f"{runtime.http_url}/admin")
    page.fill("#canned-new input[name=title]", "Thanks")
    page.fill(
        "#canned-new textarea[name=body]",
        "Hi {{customer.first_name}}, ticket {{ticket.number}} is sorted. {{agent.name}}",
    )
    page.click("#canned-new button")
    page.fill("#invite input[name=email]", "bo.billing@example.com")
    page.fill("#invite input[name=name]", "Bo Billing")
    page.check("#invite input[value=Billing]")
    page.click("#invite button")
    password = page.locator("code.password").inner_text()

    # A realistic queue for the screenshot: a few customers, one of them urgent and one billing.
    for sender, subject, to in (
        (
            "Charles Babbage <charles@customer.test>",
            "Invoice shows the wrong VAT number",
            "billing@example.com",
        ),
        ("Grace Hopper <grace@customer.test>", "Cannot log in after password reset", "support@example.com"),
        ("Alan Turing <alan@customer.test>", "Export to CSV times out", "support@example.com"),
    ):
        send_mail(runtime, raw_mail(sender=sender, subject=subject, to=to), sender.split("<")[1][:-1], [to])
    send_mail(
        runtime,
        raw_mail(
            sender="Ada Lovelace <ada.browser@customer.test>", subject="Engine stopped", body="It stopped."
        ),
        "ada.browser@customer.test",
        ["support@example.com"],
    )
    page.set_viewport_size({"width": 1280, "height": 800})
    grace = open_ticket(page, runtime, "Cannot log in after password reset")
    page.select_option("#properties select[name=priority]", "urgent")
    page.wait_for_selector("text=Priority changed from normal to urgent")
    number = open_ticket(page, runtime, "Engine stopped")
    page.goto(f"{runtime.http_url}/queues/open")
    rows = page.locator("table.tickets tbody tr")
    if page.locator("p.more").count() == 0:  # the whole queue is on this page
        assert page.locator(".side a:has-text('All open') .count").inner_text() == str(rows.count())
    assert f"/tickets/{grace}?" in (
        rows.first.locator("a").first.get_attribute("href") or ""
    )  # SLA due first
    assert page.locator("table.tickets .sla").count() == rows.count()
    page.screenshot(path=str(SCREENSHOTS / "queue.png"))
    page.goto(f"{runtime.http_url}/tickets/{number}")

    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.id") == "reply-body"
    page.select_option("select.canned", label="Thanks")
    assert page.input_value("#reply-body") == f"Hi Ada, ticket {number} is sorted. Demo Admin"
    page.click("button:has-text('Send and set pending')")
    page.wait_for_selector(".message.reply >> text=is sorted")
    assert page.locator(".bar .status").inner_text() == "pending"
    sent = wait_for(
        lambda: [m for m in outbox_messages(runtime) if "is sorted" in str(m.get_body(("plain",)))]
    )
    assert f"[#{number}]" in sent[-1]["Subject"]

    page.fill("#note-body", "Customer called too; nothing else to do.")
    page.click("#note button")
    page.wait_for_selector(".message.note >> text=Customer called too")
    page.select_option("#properties select[name=assignee]", "admin@example.com")
    page.wait_for_selector("text=Assignee changed from nobody to admin@example.com")
    page.select_option("#properties select[name=status]", "solved")
    page.wait_for_selector("text=Status changed from pending to solved")
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.screenshot(path=str(SCREENSHOTS / "ticket.png"), full_page=True)
    assert not [
        m for m in outbox_messages(runtime) if "nothing else to do" in m.as_string()
    ]  # notes are never mailed

    # Phone width: same page, one column.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.locator("form#reply").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "ticket-phone.png"))
    page.set_viewport_size({"width": 1280, "height": 800})

    # An agent of another team neither sees it in a queue nor opens it.
    other = sign_in(browser, runtime, "bo.billing@example.com", password, new_password="Bo-Billing-Own-42")
    other.goto(f"{runtime.http_url}/queues/solved")
    assert other.locator(f"a[href^='/tickets/{number}?']").count() == 0
    response = other.goto(f"{runtime.http_url}/tickets/{number}")
    assert response.status == 404
    other.context.close()


def test_merge_from_the_ticket_page(admin_page, runtime):
    page = admin_page
    for subject, body in (
        ("Printer jammed", "Paper stuck in tray 2."),
        ("Paper stuck again", "Same again."),
    ):
        send_mail(
            runtime,
            raw_mail(sender="Kay <kay@customer.test>", subject=subject, body=body),
            "kay@customer.test",
            ["support@example.com"],
        )
    target = open_ticket(page, runtime, "Printer jammed")
    source = open_ticket(page, runtime, "Paper stuck again")
    page.fill("#merge input[name=into]", str(target))
    page.check("#merge input[name=confirm]")
    page.click("#merge button")
    page.wait_for_url(f"**/tickets/{target}")
    page.wait_for_selector(f"text=#{source} merged into this ticket")
    assert page.locator(".message.customer >> text=Same again.").count() == 1
    page.goto(f"{runtime.http_url}/tickets/{source}")
    assert page.locator(".merged-note").inner_text().startswith(f"This ticket was merged into #{target}")
    assert page.locator("#merge").count() == 0


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/gif")
        self.end_headers()
        self.wfile.write(
            b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
        )

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[str]:
    """An HTTP server on localhost that records every request: the 'remote' side of hostile mail."""
    _Recorder.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_hostile_mail_html_runs_nothing_and_loads_nothing(admin_page, runtime, recorder):
    page = admin_page
    hostile = f"""<html><head>
<script>window.top.__pwned = 1; alert('script');</script>
<link rel="stylesheet" href="{recorder}/sheet.css">
<style>body {{ background: url({recorder}/style-bg.png); width: expression(alert('css')); }}</style>
<meta http-equiv="refresh" content="0;url={recorder}/refresh">
</head><body onload="alert('onload')">
<p>Please see the picture <img src="{recorder}/remote.png" onerror="alert('onerror')"></p>
<img src="x" onerror="window.top.__pwned = 2; alert('handler')">
<a href="javascript:alert('link')" id="jslink">click me</a>
<div style="background-image: url({recorder}/inline-style.png)">styled</div>
<table background="{recorder}/table-bg.png"><tr><td>cell</td></tr></table>
<iframe src="{recorder}/frame"></iframe><object data="{recorder}/object"></object>
<svg onload="alert('svg')"><image href="{recorder}/svg.png"/></svg>
<form action="{recorder}/form"><button>Go</button></form>
</body></html>"""
    send_mail(
        runtime,
        raw_mail(sender="Mallory <mallory@evil.test>", subject="Invoice attached", html=hostile),
        "mallory@evil.test",
        ["support@example.com"],
    )
    dialogs: list[str] = []
    errors: list[str] = []
    opened: list[str] = []  # any new tab, window or popup, from the page or the frame
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("popup", lambda popup: opened.append(popup.url))
    page.context.on("page", lambda new_page: opened.append(new_page.url))
    open_ticket(page, runtime, "Invoice attached")
    frame = page.frame_locator("iframe.mail").first
    frame.locator("text=Please see the picture").wait_for()
    frame.locator("text=click me").click()
    page.wait_for_timeout(1500)
    assert dialogs == [] and opened == []
    assert page.context.pages == [page]
    assert page.evaluate("window.__pwned") is None
    assert _Recorder.hits == []
    assert (
        page.locator("iframe.mail").first.get_attribute("sandbox")
        == "allow-popups allow-popups-to-escape-sandbox"
    )
    assert page.locator("body script:not([src])").count() == 0  # mail HTML never entered the page's DOM

    # Remote images load only when asked for, and still nothing runs.
    page.click("a:has-text('Load images')")
    page.frame_locator("iframe.mail").first.locator("text=Please see the picture").wait_for()
    wait_for(lambda: "/remote.png" in _Recorder.hits, timeout=10)
    page.wait_for_timeout(500)
    assert set(_Recorder.hits) == {"/remote.png"}
    assert dialogs == [] and opened == [] and page.evaluate("window.__pwned") is None


def test_a_mail_s_own_inline_picture_shows_without_asking(admin_page, runtime):
    raw = (Path(__file__).parents[1] / "fixtures" / "mail" / "inline_cid_image.eml").read_bytes()
    raw = raw.replace(b"Subject: Screenshot", b"Subject: Inline screenshot")
    raw = raw.replace(b"<cid@", b"<cid-browser@")  # a Message-ID of its own: not a duplicate
    send_mail(runtime, raw, "designer@example.com", ["support@example.com"])
    open_ticket(admin_page, runtime, "Inline screenshot")
    picture = admin_page.frame_locator("iframe.mail").first.locator("img[alt='screenshot.png']")
    picture.wait_for()
    wait_for(lambda: picture.evaluate("img => img.complete && img.naturalWidth") == 1, timeout=10)
    assert admin_page.locator("a:has-text('Load images')").count() == 0  # nothing remote to ask about


def test_drafts_survive_an_inline_change_and_a_sign_in_after_the_session_expired(browser, runtime):
    page = sign_in(browser, runtime, runtime.admin_email, runtime.admin_password)
    send_mail(
        runtime,
        raw_mail(sender="Dora <dora@customer.test>", subject="Keep my draft"),
        "dora@customer.test",
        ["support@example.com"],
    )
    number = open_ticket(page, runtime, "Keep my draft")
    page.fill("#reply-body", "Half a reply")
    page.fill("#note-body", "Half a note")
    page.select_option("#properties select[name=priority]", "high")  # submits and reloads at once
    page.wait_for_selector("text=Priority changed from normal to high")
    assert page.input_value("#reply-body") == "Half a reply"
    assert page.input_value("#note-body") == "Half a note"

    page.context.clear_cookies()  # the session expires while the agent writes
    page.fill("#note-body", "A whole note, sent too late")
    page.click("#note button")
    page.wait_for_selector("input[name=password]")
    assert f"next=%2Ftickets%2F{number}" in page.url
    page.fill("input[name=email]", runtime.admin_email)
    page.fill("input[name=password]", runtime.admin_password)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"**/tickets/{number}")
    assert page.input_value("#note-body") == "A whole note, sent too late"

    page.click("#note button")
    page.wait_for_selector(".message.note >> text=A whole note, sent too late")
    page.reload()
    assert (page.input_value("#reply-body"), page.input_value("#note-body")) == ("Half a reply", "")
    page.context.close()
