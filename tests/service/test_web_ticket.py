"""The ticket page's properties and sidebar through the Chalice test client, submitted as a browser
would: the current assignee and team are kept, only allowed teams are offered, other tickets listed."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest

from chalicelib.desk.setup import directory
from chalicelib.desk.setup.agents import forget_profile
from chalicelib.models import Agent, Ticket
from tests.mailbuilder import raw_mail
from tests.service.agent_http import cookie, post

pytestmark = pytest.mark.usefixtures("signed_in")


class FormReader(HTMLParser):
    """The fields a browser would submit for one form: inputs and each select's chosen option."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id, self.inside, self.select = form_id, False, ""
        self.fields: dict[str, str] = {}
        self.options: dict[str, list[tuple[str, str]]] = {}
        self._option: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.inside = found.get("id") == self.form_id
        elif self.inside and tag == "input":
            self.fields[found["name"]] = found.get("value", "")
        elif self.inside and tag == "select":
            self.select = found["name"]
            self.options[self.select] = []
        elif self.inside and tag == "option":
            self._option = found.get("value", "")
            if "selected" in found or self.select not in self.fields:  # the first is the default
                self.fields[self.select] = self._option

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self.options[self.select].append((self._option, data))
            self._option = None

    def handle_endtag(self, tag: str) -> None:
        self.inside = self.inside and tag != "form"


def properties(page: str) -> FormReader:
    reader = FormReader("properties")
    reader.feed(page)
    return reader


def ticket_page(web_client, number: int, email: str = "admin@example.com") -> str:
    return web_client.http.get(f"/tickets/{number}", headers=cookie(email)).body.decode()


def change(web_client, number: int, **changed: str):
    """Open the ticket and submit its properties form with one field changed, as the browser does."""
    form = properties(ticket_page(web_client, number))
    return post(web_client, f"/tickets/{number}/update", {**form.fields, **changed})


def test_changing_a_property_keeps_an_assignee_who_can_no_longer_be_chosen(web_client, deliver, update):
    Agent(email="leaver@example.com", name="Lee Leaver", role="agent", teams=["Support"]).save()
    number = deliver(raw_mail(subject="Assigned, then the agent left")).ticket_number
    update(number, assignee="leaver@example.com")
    Agent(email="leaver@example.com").update(actions=[Agent.active.set(False)])
    forget_profile("leaver@example.com")
    directory.forget()

    form = properties(ticket_page(web_client, number))
    assert ("leaver@example.com", "Lee Leaver (deactivated)") in form.options["assignee"]
    assert form.fields["assignee"] == "leaver@example.com"
    assert change(web_client, number, priority="high").status_code == 303
    assert (Ticket.get(number).assignee, Ticket.get(number).priority) == ("leaver@example.com", "high")

    Agent(email="leaver@example.com").update(actions=[Agent.active.set(True), Agent.teams.set(["Billing"])])
    directory.forget()
    form = properties(ticket_page(web_client, number))
    assert ("leaver@example.com", "Lee Leaver (not in Support)") in form.options["assignee"]
    assert change(web_client, number, priority="low").status_code == 303
    assert (Ticket.get(number).assignee, Ticket.get(number).priority) == ("leaver@example.com", "low")
    # ...while choosing them anew is still refused.
    assert change(web_client, number, assignee="").status_code == 303
    assert change(web_client, number, assignee="leaver@example.com").status_code == 400
    assert Ticket.get(number).assignee is None


def test_the_team_select_offers_only_the_agent_s_teams(web_client, deliver):
    Agent(email="bill.teams@example.com", name="Bill Teams", role="agent", teams=["Billing"]).save()
    number = deliver(raw_mail(subject="Which team?"), recipients=("billing@example.com",)).ticket_number
    offered = properties(ticket_page(web_client, number, "bill.teams@example.com")).options["team"]
    assert [value for value, _ in offered] == ["Billing"]
    everything = properties(ticket_page(web_client, number)).options["team"]
    assert [value for value, _ in everything] == list(directory.directory().teams)


def test_the_customer_sidebar_lists_the_customer_s_other_tickets(web_client, deliver):
    sender = "Repeat Customer <repeat@customer.test>"
    first = deliver(raw_mail(sender=sender, subject="First problem")).ticket_number
    assert "This is their first ticket." in ticket_page(web_client, first)
    second = deliver(raw_mail(sender=sender, subject="Second problem")).ticket_number
    sidebar = ticket_page(web_client, second).split('<section class="customer">', 1)[1].split("</section>")[0]
    assert f'<a href="/tickets/{first}">#{first} First problem</a>' in sidebar
    assert f"/tickets/{second}" not in sidebar


def test_the_original_of_a_customer_message_downloads_through_a_short_lived_link(web_client, deliver):
    import time
    from urllib.parse import parse_qs, quote, unquote, urlsplit

    from chalicelib.desk.base import storage
    from chalicelib.desk.ticket.tickets import thread

    raw = raw_mail(sender="orig@customer.test", subject="Parsed oddly")
    number = deliver(raw).ticket_number
    [message] = [m for m in thread(number) if m.kind == "customer"]
    page = web_client.http.get(f"/tickets/{number}", headers=cookie()).body.decode()
    assert f"/tickets/{number}/original?message=" in page
    found = web_client.http.get(f"/tickets/{number}/original?message={quote(message.key)}", headers=cookie())
    assert found.status_code == 302
    link = urlsplit(found.headers["Location"])
    query = parse_qs(link.query)
    assert unquote(link.path).endswith(message.raw_s3_key)
    assert query["response-content-type"] == ["message/rfc822"]
    signed_v4 = "X-Amz-Expires" in query
    expires_in = int(query["X-Amz-Expires"][0]) if signed_v4 else int(query["Expires"][0]) - time.time()
    assert 0 < expires_in <= 61  # a minute: the link is for this click, not for passing around
    assert f"ticket-{number}-original.eml" in query["response-content-disposition"][0]
    assert storage.get_object(message.raw_s3_key) == raw  # what the link serves: the mail as received
    reply = next(m for m in thread(number) if m.kind == "reply")
    assert (
        web_client.http.get(f"/tickets/{number}/original?message={reply.key}", headers=cookie()).status_code
        == 404
    )
    Agent(email="bill@example.com", name="Bill", role="agent", teams=["Billing"]).save()
    other_team = web_client.http.get(
        f"/tickets/{number}/original?message={quote(message.key)}", headers=cookie("bill@example.com")
    )
    assert other_team.status_code == 404


@pytest.fixture
def retention(monkeypatch):
    """The deployment keeps raw mail 30 days (infra sets HELPDESK_RAW_MAIL_RETENTION_DAYS)."""
    import dataclasses

    from chalicelib.config import settings
    from chalicelib.web.pages import ticket

    kept = dataclasses.replace(settings(), raw_mail_retention_days=30)
    monkeypatch.setattr(ticket, "settings", lambda: kept)
    return 30


def _customer_message(number: int):
    from chalicelib.desk.ticket.tickets import thread

    return next(m for m in thread(number) if m.kind == "customer")


def _original(web_client, number: int, key: str):
    from urllib.parse import quote

    return web_client.http.get(f"/tickets/{number}/original?message={quote(key)}", headers=cookie())


def test_an_original_past_the_retention_says_expired_and_its_link_is_gone(web_client, deliver, retention):
    import time_machine

    number = deliver(raw_mail(sender="old@customer.test", subject="Long ago")).ticket_number
    message = _customer_message(number)
    midnight = message.created_at.replace(hour=0, minute=0, second=0, microsecond=0)
    until = midnight + timedelta(days=retention + 1)
    page = ticket_page(web_client, number)
    assert f"kept until {until.strftime('%-d %b %Y')} 00:00" in page
    assert _original(web_client, number, message.key).status_code == 302
    with time_machine.travel(until, tick=False):
        page = ticket_page(web_client, number)
        gone = _original(web_client, number, message.key)
    assert "Original expired" in page and f"/tickets/{number}/original?" not in page
    assert gone.status_code == 410 and "No longer available" in gone.body.decode()
    body = gone.body.decode()
    assert "The original of this message has expired: raw mail is kept 30 days after it arrives" in body


def test_an_original_s3_already_deleted_is_gone_not_a_dead_link(web_client, deliver):
    from chalicelib.aws import client
    from chalicelib.config import settings

    number = deliver(raw_mail(sender="early@customer.test", subject="Deleted early")).ticket_number
    message = _customer_message(number)
    client("s3").delete_object(Bucket=settings().mail_bucket, Key=message.raw_s3_key)
    gone = _original(web_client, number, message.key)
    assert gone.status_code == 410 and "The original of this message has expired." in gone.body.decode()


def test_withheld_attachments_point_to_the_original_until_it_expires(web_client, deliver, retention):
    import time_machine

    exe = ("invoice.exe", "application/octet-stream", b"MZ")
    raw = raw_mail(sender="virus@customer.test", attachments=[exe])
    number = deliver(raw, verdicts={"virus": "FAIL"}).ticket_number
    created = _customer_message(number).created_at
    assert "any attachments were withheld: they are only in the Original, kept until" in ticket_page(
        web_client, number
    )
    with time_machine.travel(created + timedelta(days=retention + 1), tick=False):
        page = ticket_page(web_client, number)
    assert "any attachments were withheld: the Original that held them has expired." in page


def test_a_mail_s_own_inline_picture_shows_in_its_frame(web_client, deliver):
    from pathlib import Path

    from chalicelib.desk.base import storage

    raw = (Path(__file__).parents[1] / "fixtures" / "mail" / "inline_cid_image.eml").read_bytes()
    number = deliver(raw.replace(b"<cid@example.com>", b"<cid-frame@example.com>")).ticket_number
    page = web_client.http.get(f"/tickets/{number}", headers=cookie())
    html = page.body.decode()
    assert "cid:ii_screenshot01@example.com" not in html
    assert re.search(r"attachments/[0-9a-f]{32}/\d+/screenshot\.png\?", html)  # the part's own link
    origin = storage.bucket_origin()
    assert f"img-src 'self' data: {origin};" in page.headers["Content-Security-Policy"]
    assert f"img-src data: {origin};" in html  # the frame's own policy
