"""The public request form on moto: uploads, tickets, double submits, honeypot, rate limits, errors."""

from __future__ import annotations

import base64
import itertools
import json
import re
import time
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
import requests
import time_machine
from chalice.test import Client

from chalicelib.config import settings
from chalicelib.desk.base import storage
from chalicelib.desk.base.errors import InvalidRequest, TooMany
from chalicelib.desk.intake import request_form, web_requests
from chalicelib.desk.setup import directory
from chalicelib.desk.ticket.tickets import thread
from chalicelib.models import Contact, Ledger, SearchTerm, ThreadIndex, Ticket
from chalicelib.web.serialize import message_json
from tests.mailbuilder import raw_mail

_numbers = itertools.count(1)
FORM_TYPE = {"content-type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module")
def client():
    from app import app

    with Client(app) as test_client:
        yield test_client


def address() -> str:
    return f"web.{next(_numbers)}@customer.test"


def token_of(html: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', html).group(1)


def fresh_token(client, path: str = "/support") -> str:
    response = client.http.get(path)
    assert response.status_code == 200
    return token_of(response.body.decode())


def post_form(client, fields: dict, path: str = "/support"):
    return client.http.post(path, body=urlencode(fields, doseq=True), headers=FORM_TYPE)


def upload(client, token: str, filename: str, content: bytes) -> str:
    """What the page's script does: ask for a presigned POST, then post the file to S3 with it."""
    asked = client.http.post(
        "/support/uploads",
        body=json.dumps({"token": token, "filename": filename, "content_type": "", "size": len(content)}),
        headers={"content-type": "application/json"},
    )
    assert asked.status_code == 200, asked.body
    post = json.loads(asked.body)
    stored = requests.post(post["url"], data=post["fields"], files={"file": (filename, content)}, timeout=10)
    assert stored.status_code == 204, stored.text
    return post["key"]


def requests_of(email: str) -> list[Ticket]:
    return list(Ticket.requester_index.query(email))


def test_the_form_page_is_public_locked_down_and_names_the_mailbox(client):
    page = client.http.get("/support/billing")
    html = page.body.decode()
    assert page.status_code == 200
    assert 'action="/support/billing"' in html
    assert '<script src="/static/request-form.js" defer></script>' in html
    assert "<script>" not in html and " style=" not in html
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert f"connect-src 'self' {storage.bucket_origin()};" in policy
    assert storage.bucket_origin() == f"https://{settings().mail_bucket}.s3.amazonaws.com"
    assert request_form.form_id(token_of(html))  # a token we can verify
    directory.forget()  # read back from the table, where mailboxes are listed by address
    default = client.http.get("/support").body.decode()
    assert 'action="/support/support"' in default  # the first configured mailbox, not billing@


def test_an_unknown_mailbox_is_a_plain_not_found_page(client):
    for method in ("get", "post"):
        kwargs = {"body": "", "headers": FORM_TYPE} if method == "post" else {}
        response = getattr(client.http, method)("/support/nobody", **kwargs)
        assert response.status_code == 404
        assert "Page not found" in response.body.decode()


def test_a_request_with_an_attachment_opens_a_ticket_like_a_mail(fresh_tables, client, sent_mail):
    email = address()
    token = fresh_token(client, "/support/billing")
    pdf = b"%PDF-1.4 the invoice"
    key = upload(client, token, "../Invoice März.pdf", pdf)
    assert key.startswith(f"uploads/{request_form.form_id(token)}/") and key.endswith("/Invoice März.pdf")
    before = len(sent_mail())
    response = post_form(
        client,
        {
            "token": token,
            "name": "Ada Lovelace",
            "email": email.upper(),
            "subject": "Invoice  twice\r\nBcc: evil@example.com",
            "message": "I was charged twice.\r\n<script>alert(1)</script>",
            "attachment": key,
            "website": "",
        },
        "/support/billing",
    )
    html = response.body.decode()
    assert response.status_code == 200, html
    number = int(re.search(r"Your ticket number is <strong>#(\d+)</strong>", html).group(1))
    assert email in html

    ticket = Ticket.get(number)
    assert (ticket.requester_email, ticket.requester_name) == (email, "Ada Lovelace")
    assert (ticket.mailbox, ticket.team, ticket.status, ticket.queue) == (
        "billing@example.com",
        "Billing",
        "new",
        "open",
    )
    assert ticket.subject == "Invoice twice Bcc: evil@example.com"  # one line: no header to inject
    assert ticket.sla and ticket.sla_due_at is not None
    assert Contact.get(email).ticket_count == 1
    assert [term.number for term in SearchTerm.query("invoice")] == [number]

    customer, ack = thread(number)
    assert (customer.kind, customer.channel, ack.kind, ack.automatic) == ("customer", "web", "reply", True)
    assert customer.body_text == "I was charged twice.\n<script>alert(1)</script>"  # text, escaped when shown
    assert customer.body_html is None
    assert (message_json(customer)["channel"], message_json(ack)["channel"]) == ("web", None)
    attachment = message_json(customer)["attachments"][0]
    assert (attachment["filename"], attachment["content_type"], attachment["size"]) == (
        "Invoice März.pdf",
        "application/pdf",
        len(pdf),
    )
    stored = customer.attachments[0].s3_key
    assert stored.startswith("attachments/") and storage.get_object(stored) == pdf
    raw = json.loads(storage.get_object(customer.raw_s3_key))
    assert customer.raw_s3_key.startswith("forms/")
    assert (raw["email"], raw["mailbox"], raw["source_ip"]) == (
        email.upper(),
        "billing@example.com",
        "127.0.0.1",
    )
    assert raw["attachments"][0]["key"] == key

    acks = sent_mail()[before:]
    assert len(acks) == 1
    assert acks[0]["To"].addresses[0].addr_spec == email
    assert f"[#{number}]" in acks[0]["Subject"]
    assert acks[0]["Auto-Submitted"] == "auto-replied"


def test_the_same_form_sent_twice_makes_one_ticket_and_shows_it_again(client, sent_mail):
    email = address()
    fields = {"token": fresh_token(client), "name": "Bo", "email": email, "subject": "Twice", "message": "Hi"}
    before = len(sent_mail())
    first = post_form(client, fields)
    second = post_form(client, fields)
    assert first.status_code == second.status_code == 200
    numbers = {re.search(r"#(\d+)</strong>", r.body.decode()).group(1) for r in (first, second)}
    assert len(numbers) == 1
    assert len(requests_of(email)) == 1
    assert len(sent_mail()[before:]) == 1


def test_a_double_submit_racing_past_the_first_check_still_makes_one_ticket(client, monkeypatch):
    """Both requests read "not sent yet"; the thread-index put in the creating transaction decides."""
    email = address()
    form = request_form.RequestForm(
        token=request_form.issue_token(), name="Cy", email=email, subject="Race", message="Hello"
    )
    mailbox = web_requests.mailbox_named(None)
    first = web_requests.submit(form, mailbox, "198.51.100.7")
    real_get = ThreadIndex.get
    calls = []

    def stale_first_read(message_id, *args, **kwargs):
        calls.append(message_id)
        if len(calls) == 1:
            raise ThreadIndex.DoesNotExist()
        return real_get(message_id, *args, **kwargs)

    monkeypatch.setattr(ThreadIndex, "get", stale_first_read)
    second = web_requests.submit(form, mailbox, "198.51.100.7")
    assert len(calls) == 2  # the racing request lost in its transaction and read the winner
    assert (second.number, second.duplicate, first.duplicate) == (first.number, True, False)
    assert len(requests_of(email)) == 1


def test_a_bot_filling_the_honeypot_gets_the_success_page_and_no_ticket(client, sent_mail):
    email = address()
    before = len(sent_mail())
    fields = {"token": fresh_token(client), "name": "Bot", "email": email, "subject": "Buy", "message": "x"}
    response = post_form(client, {**fields, "website": "http://spam.test"})
    assert response.status_code == 200
    assert "we have received your request" in response.body.decode()
    assert requests_of(email) == [] and len(sent_mail()) == before


def test_validation_errors_keep_everything_typed_and_the_uploaded_files(client):
    token = fresh_token(client)
    key = upload(client, token, "screenshot.png", b"\x89PNG not really")
    response = post_form(
        client,
        {
            "token": token,
            "name": "Dee <b>",
            "email": "not-an-address",
            "subject": "",
            "message": "Keep me & this",
            "attachment": key,
        },
    )
    html = response.body.decode()
    assert response.status_code == 400
    assert 'value="Dee &lt;b&gt;"' in html and 'value="not-an-address"' in html
    assert ">Keep me &amp; this</textarea>" in html
    assert (
        "This does not look like an email address" in html and "Please give your request a subject." in html
    )
    assert f'name="attachment" value="{key}"' in html and "screenshot.png" in html
    assert token_of(html) == token  # the same submission: its uploads stay bound to it


def test_a_stale_or_forged_token_keeps_the_text_and_issues_a_new_form(client):
    issued_two_days_ago = request_form.issue_token(now=1_000_000)
    for token in (issued_two_days_ago, "forged", fresh_token(client)[:-2] + "AA"):
        fields = {
            "token": token,
            "name": "Eve",
            "email": address(),
            "subject": "Old tab",
            "message": "Still here",
        }
        response = post_form(client, fields)
        html = response.body.decode()
        assert response.status_code == 400
        assert "send it again" in html and ">Still here</textarea>" in html
        assert token_of(html) != token and request_form.form_id(token_of(html))
        assert requests_of(fields["email"]) == []


def test_uploads_are_bound_to_their_form_and_checked_in_s3(client):
    mine, theirs = fresh_token(client), fresh_token(client)
    their_key = upload(client, theirs, "secret.pdf", b"%PDF their file")
    own_forged_type = f"uploads/{request_form.form_id(mine)}/{'0' * 16}/page.pdf"
    storage.put_object(own_forged_type, b"<html>", "text/html")
    missing = f"uploads/{request_form.form_id(mine)}/{'1' * 16}/gone.pdf"
    email = address()
    for key, expected in (
        (their_key, "missing or has expired"),
        (missing, "missing or has expired"),
        (own_forged_type, "not uploaded as the kind of file"),
    ):
        fields = {"token": mine, "name": "Flo", "email": email, "subject": "Files", "message": "See attached"}
        kept = upload(client, mine, "kept.pdf", b"%PDF fine")
        response = post_form(client, {**fields, "attachment": [kept, key]})
        html = response.body.decode()
        assert response.status_code == 400
        assert expected in html
        assert f'value="{kept}"' in html and f'value="{key}"' not in html  # the refused one is dropped
    assert requests_of(email) == []


def test_presigned_posts_enforce_key_type_and_size_and_refuse_what_is_not_allowed(client):
    token = fresh_token(client)
    post = web_requests.presign_upload(token, "notes.txt", 42, "203.0.113.1")
    policy = json.loads(base64.b64decode(post["fields"]["policy"]))
    assert {"Content-Type": "text/plain"} in policy["conditions"]
    assert ["content-length-range", 42, 42] in policy["conditions"]
    assert {"key": post["key"]} in policy["conditions"]
    assert {"bucket": settings().mail_bucket} in policy["conditions"]
    for filename, size, message in (
        ("setup.exe", 10, "cannot be attached"),
        ("page.html", 10, "cannot be attached"),
        ("big.pdf", request_form.MAX_FILE_BYTES + 1, "larger than 10 MB"),
        ("empty.pdf", 0, "is empty"),
    ):
        with pytest.raises(InvalidRequest, match=message):
            web_requests.presign_upload(token, filename, size, "203.0.113.1")
    response = client.http.post(
        "/support/uploads",
        body=json.dumps({"token": "forged", "filename": "a.pdf", "size": 3}),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400 and "could not verify" in json.loads(response.body)["message"]
    bad = client.http.post("/support/uploads", body="{nope", headers={"content-type": "application/json"})
    assert bad.status_code == 400


@time_machine.travel(datetime(2031, 6, 4, 10, 30, tzinfo=UTC))  # one window: no hour ends mid-test
def test_rate_limits_per_address_and_per_ip(client):
    mailbox = web_requests.mailbox_named(None)

    def form(email: str) -> request_form.RequestForm:
        return request_form.RequestForm(
            token=request_form.issue_token(), name="Gus", email=email, subject="Again", message="Hello"
        )

    email = address()
    for _ in range(web_requests.REQUESTS_PER_ADDRESS_PER_HOUR):
        web_requests.submit(form(email), mailbox, "192.0.2.10")
    with pytest.raises(TooMany):
        web_requests.submit(form(email.upper()), mailbox, "192.0.2.11")
    assert len(requests_of(email)) == web_requests.REQUESTS_PER_ADDRESS_PER_HOUR

    for _ in range(web_requests.REQUESTS_PER_IP_PER_HOUR):
        web_requests.submit(form(address()), mailbox, "192.0.2.99")
    late = address()
    with pytest.raises(TooMany):
        web_requests.submit(form(late), mailbox, "192.0.2.99")
    assert requests_of(late) == []
    window = int(time.time() // 3600) * 3600
    counted = Ledger.get(f"rate#request-ip#192.0.2.99#{window}")
    assert (counted.value, counted.expires_at) == (web_requests.REQUESTS_PER_IP_PER_HOUR, window + 3600)


@time_machine.travel(datetime(2031, 6, 4, 13, 30, tzinfo=UTC))  # a window no other test posts in
def test_plus_tags_do_not_bypass_the_form_limit(client):
    mailbox = web_requests.mailbox_named(None)
    local = f"tagged.{next(_numbers)}"

    def form(email: str) -> request_form.RequestForm:
        return request_form.RequestForm(
            token=request_form.issue_token(), name="Vic", email=email, subject="Hi", message="Hello"
        )

    for n in range(web_requests.REQUESTS_PER_ADDRESS_PER_HOUR):
        web_requests.submit(form(f"{local}+{n}@customer.test"), mailbox, f"192.0.2.{20 + n}")
    for other in (f"{local}+another@customer.test", f"{local.upper()}@Customer.test"):
        with pytest.raises(TooMany):
            web_requests.submit(form(other), mailbox, "192.0.2.40")


@time_machine.travel(datetime(2031, 6, 4, 11, 30, tzinfo=UTC))  # a window no other test posts in
def test_the_rate_limit_page_keeps_the_text(client, monkeypatch):
    monkeypatch.setattr(web_requests, "REQUESTS_PER_IP_PER_HOUR", 1)
    first = {
        "token": fresh_token(client),
        "name": "Hal",
        "email": address(),
        "subject": "S",
        "message": "1st",
    }
    assert post_form(client, first).status_code == 200
    fields = {**first, "token": fresh_token(client), "email": address(), "message": "Kept"}
    response = post_form(client, fields)
    assert response.status_code == 429
    assert "many requests" in response.body.decode() and ">Kept</textarea>" in response.body.decode()


def test_mail_and_form_messages_say_which_channel_they_came_by(deliver):
    number = deliver(raw_mail()).ticket_number
    customer = thread(number)[0]
    assert (customer.channel, message_json(customer)["channel"]) == ("email", "email")
