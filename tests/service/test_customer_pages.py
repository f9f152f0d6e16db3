"""The customer's private pages through Chalice's test client: status page, reply, close, survey."""

from __future__ import annotations

import re
import time
from urllib.parse import urlencode, urlsplit

import pytest
from chalice.test import Client

from chalicelib.desk.agent_work import replies
from chalicelib.desk.portal import links
from chalicelib.desk.setup.agents import load_agent
from chalicelib.desk.ticket.tickets import thread
from chalicelib.models import Ticket
from tests.mailbuilder import raw_mail

FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module")
def client():
    from app import app

    with Client(app) as test_client:
        yield test_client


def path_of(url: str) -> str:
    return urlsplit(url).path


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def test_the_page_shows_the_public_thread_and_never_a_note(client, deliver, admin):
    number = deliver(
        raw_mail(sender="Ann <ann@customer.test>", subject="Lost parcel", body="Where is it?")
    ).ticket_number
    replies.add_note(admin, number, "INTERNAL: courier is slow")
    replies.reply(admin, number, "It is on its way.", status="pending")
    page = client.http.get(path_of(links.status_url(Ticket.get(number))))
    html = page.body.decode()
    assert page.status_code == 200
    assert "Lost parcel" in html and "Where is it?" in html and "It is on its way." in html
    assert "Waiting for your reply" in html
    assert "INTERNAL" not in html and "Status changed" not in html and admin.email not in html
    assert "Content-Security-Policy" in page.headers


def test_a_reply_from_the_page_joins_the_thread_once_and_reopens(client, deliver, admin):
    number = deliver(raw_mail(sender="bo@customer.test")).ticket_number
    replies.reply(admin, number, "Solved, I think.", status="solved")
    url = path_of(links.status_url(Ticket.get(number)))
    html = client.http.get(url).body.decode()
    form = {"form_token": hidden(html, "form_token"), "key": hidden(html, "key"), "message": "Not quite!"}
    for _ in range(2):  # a double click
        answer = client.http.post(f"{url}/reply", body=urlencode(form), headers=FORM)
        assert answer.status_code == 303
    mine = [m for m in thread(number) if m.kind == "customer" and m.visible_text == "Not quite!"]
    assert len(mine) == 1 and mine[0].channel == "web"
    assert Ticket.get(number).status == "open"


def test_errors_keep_what_was_typed_and_forms_need_their_page(client, deliver):
    number = deliver(raw_mail(sender="cy@customer.test")).ticket_number
    url = path_of(links.status_url(Ticket.get(number)))
    html = client.http.get(url).body.decode()
    too_long = "x" * 20_001
    form = {"form_token": hidden(html, "form_token"), "key": "k1", "message": too_long}
    answer = client.http.post(f"{url}/reply", body=urlencode(form), headers=FORM)
    assert answer.status_code == 400 and too_long in answer.body.decode()
    forged = client.http.post(f"{url}/reply", body=urlencode({**form, "form_token": "x"}), headers=FORM)
    assert forged.status_code == 403


def test_the_customer_closes_the_request(client, deliver):
    number = deliver(raw_mail(sender="di@customer.test")).ticket_number
    url = path_of(links.status_url(Ticket.get(number)))
    token = hidden(client.http.get(url).body.decode(), "form_token")
    assert (
        client.http.post(f"{url}/close", body=urlencode({"form_token": token}), headers=FORM).status_code
        == 303
    )
    assert Ticket.get(number).status == "solved"
    assert [m.event.as_dict() for m in thread(number) if m.kind == "event"] == [
        {"type": "customer_solved", "from": "new", "to": "solved"}
    ]


def test_closing_it_on_the_page_asks_how_it_went_there_once(client, deliver, sent_mail):
    number = deliver(raw_mail(sender="gus@customer.test")).ticket_number
    url = path_of(links.status_url(Ticket.get(number)))
    html = client.http.get(url).body.decode()
    assert 'id="survey"' not in html
    mails = len(sent_mail())
    closed = client.http.post(
        f"{url}/close", body=urlencode({"form_token": hidden(html, "form_token")}), headers=FORM
    )
    assert closed.headers["Location"] == f"{url}?closed=1#survey"
    asked = client.http.get(f"{url}?closed=1").body.decode()
    good, bad = (links.survey_url(Ticket.get(number), r) for r in ("good", "bad"))
    assert f'href="{good}"' in asked and f'href="{bad}"' in asked
    assert len(sent_mail()) == mails  # asked on the page the customer is on, not in a mail as well
    assert client.http.get(path_of(good)).status_code == 200
    assert Ticket.get(number).csat_rating == "good"
    assert 'id="survey"' not in client.http.get(f"{url}?closed=1").body.decode()  # answered: not again


def test_bad_tokens_are_all_the_same_404(client, deliver):
    number = deliver(raw_mail(sender="ed@customer.test")).ticket_number
    good = links.status_url(Ticket.get(number)).rsplit("/", 1)[1]
    other = links.issue(number + 1000, links.STATUS)  # a ticket that does not exist
    n, version, expires, key_id, mac = good.split(".")
    bad = [
        good[:-3],
        f"{n}.{version}.{expires}.{key_id}.{mac[::-1]}",
        f"{number + 1}.{version}.{expires}.{key_id}.{mac}",
        links.survey_url(Ticket.get(number), "good").split("/")[-2],
        other,
        "nothing",
    ]
    pages = [client.http.get(f"/t/{token}") for token in bad]
    assert {p.status_code for p in pages} == {404}
    assert len({p.body for p in pages}) == 1
    assert client.http.post(f"/t/{bad[1]}/close", body="form_token=x", headers=FORM).body == pages[0].body


@pytest.fixture
def api_agent(signed_in, monkeypatch):
    """`Authorization: Bearer agent:<email>` stands for a verified ID token, as the cookie does."""
    from chalicelib.web import auth, session

    monkeypatch.setattr(auth, "agent_for_token", session.agent_for_token)
    return {"authorization": "Bearer agent:admin@example.com", "content-type": "application/json"}


def test_revoked_link_shows_not_found(client, deliver, api_agent, sent_mail):
    number = deliver(raw_mail(sender="ida@customer.test")).ticket_number
    mailed = path_of(links.status_url(Ticket.get(number)))
    survey = path_of(links.survey_url(Ticket.get(number), "good"))
    assert client.http.get(mailed).status_code == 200
    revoked = client.http.post(f"/api/tickets/{number}/revoke-links", body="{}", headers=api_agent)
    assert revoked.status_code == 200 and revoked.json_body["number"] == number
    nothing = client.http.get("/t/nothing")
    for path in (mailed, survey):
        page = client.http.get(path)
        assert page.status_code == 404 and page.body == nothing.body  # the same page as any bad link
    assert [m.event.as_dict() for m in thread(number) if m.kind == "event"] == [{"type": "links_revoked"}]
    replies.reply(load_agent("admin@example.com"), number, "Here is a new link.")
    last = [m for m in sent_mail() if "ida@customer.test" in str(m["To"])][-1]
    fresh = re.search(r"/t/[^\s]+", last.get_body(("plain",)).get_content()).group(0)
    assert fresh != mailed and client.http.get(fresh).status_code == 200  # the next mail's link works


def test_an_agent_revokes_customer_links_from_the_ticket_page(client, deliver, signed_in):
    from tests.service.agent_http import cookie, csrf_of, post

    number = deliver(raw_mail(sender="jo@customer.test")).ticket_number
    mailed = path_of(links.status_url(Ticket.get(number)))
    html = client.http.get(f"/tickets/{number}", headers=cookie()).body.decode()
    assert "Revoke customer links" in html
    answer = post(client, f"/tickets/{number}/revoke-links", {"csrf": csrf_of(html)})
    assert answer.status_code == 303 and answer.headers["Location"] == f"/tickets/{number}"
    assert client.http.get(mailed).status_code == 404
    assert post(client, f"/tickets/{number}/revoke-links", {"csrf": "forged"}).status_code == 403


def test_a_merged_tickets_links_are_revoked(client, deliver, admin):
    from chalicelib.desk.agent_work import merge

    source = deliver(raw_mail(sender="kim@customer.test", subject="Twice")).ticket_number
    target = deliver(raw_mail(sender="kim@customer.test", subject="Twice again")).ticket_number
    mailed = path_of(links.status_url(Ticket.get(source)))
    merge.merge(admin, source, target, Ticket.get(source).version)
    assert client.http.get(mailed).status_code == 404
    assert client.http.get(path_of(links.status_url(Ticket.get(target)))).status_code == 200


def test_expired_link_shows_where_the_fresh_one_is(client, deliver):
    number = deliver(raw_mail(sender="lee@customer.test")).ticket_number
    sent_long_ago = time.time() - 91 * 86400
    token = links.issue(number, links.STATUS, 0, ttl_seconds=90 * 86400, now=sent_long_ago)
    page = client.http.get(f"/t/{token}")
    assert page.status_code == 410
    assert "newest mail about your request has a fresh one" in page.body.decode()
    assert "lee@customer.test" not in page.body.decode()
    form = client.http.post(f"/t/{token}/reply", body="message=hi&form_token=x", headers=FORM)
    assert form.status_code == 410  # a form of an expired page saves nothing either


def test_status_page_replies_are_rate_limited(client, deliver, monkeypatch):
    from chalicelib.desk.portal import portal

    monkeypatch.setattr(portal, "REPLIES_PER_TICKET_PER_HOUR", 2)
    number = deliver(raw_mail(sender="max@customer.test")).ticket_number
    url = path_of(links.status_url(Ticket.get(number)))
    html = client.http.get(url).body.decode()
    form = {"form_token": hidden(html, "form_token")}
    answers = [
        client.http.post(
            f"{url}/reply", body=urlencode({**form, "key": f"k{i}", "message": f"Try {i}"}), headers=FORM
        )
        for i in range(3)
    ]
    assert [a.status_code for a in answers] == [303, 303, 429]
    refused = answers[2].body.decode()
    assert "many messages in the last hour" in refused and "Try 2" in refused  # the text is kept
    assert [m.visible_text for m in thread(number) if m.channel == "web"] == ["Try 0", "Try 1"]
    again = client.http.post(
        f"{url}/reply", body=urlencode({**form, "key": "k1", "message": "Try 1"}), headers=FORM
    )
    assert again.status_code == 303  # the same form sent again is still the one reply, not refused


def test_status_page_replies_are_rate_limited_per_ip(deliver, monkeypatch):
    from chalicelib.desk.base.errors import TooMany
    from chalicelib.desk.portal import portal

    monkeypatch.setattr(portal, "REPLIES_PER_IP_PER_HOUR", 1)
    first, second = (deliver(raw_mail(sender=f"{n}@customer.test")).ticket_number for n in ("ned", "oda"))
    ip = f"198.51.100.{first % 250}"
    portal.reply(links.status_url(Ticket.get(first)).rsplit("/", 1)[1], "One", "ip-1", ip)
    with pytest.raises(TooMany):
        portal.reply(links.status_url(Ticket.get(second)).rsplit("/", 1)[1], "Two", "ip-2", ip)


def test_survey_links_set_change_and_never_duplicate(client, deliver, admin):
    number = deliver(raw_mail(sender="flo@customer.test")).ticket_number
    good, bad = (path_of(links.survey_url(Ticket.get(number), r)) for r in ("good", "bad"))
    assert client.http.get(good).status_code == 200
    assert client.http.get(good).status_code == 200  # again: nothing changes
    assert Ticket.get(number).csat_rating == "good"
    page = client.http.get(bad).body.decode()
    assert Ticket.get(number).csat_rating == "bad"
    events = [m.event for m in thread(number) if m.event and m.event["type"] == "csat"]
    assert [(e["from"], e["to"]) for e in events] == [("", "good"), ("good", "bad")]
    form = {"form_token": hidden(page, "form_token"), "comment": "Too slow."}
    token = good.split("/")[2]
    assert client.http.post(f"/s/{token}", body=urlencode(form), headers=FORM).status_code == 200
    assert Ticket.get(number).csat_comment == "Too slow."
    assert client.http.get(good.replace("/good", "/meh")).status_code == 404


def test_agents_see_the_rating(deliver, admin):
    from chalicelib.desk.portal import portal
    from chalicelib.web.serialize import ticket_json

    number = deliver(raw_mail(sender="gus@customer.test")).ticket_number
    portal.rate(links.survey_url(Ticket.get(number), "good").split("/")[-2], "good")
    assert ticket_json(Ticket.get(number))["csat"]["rating"] == "good"


def test_branding_reaches_pages_and_mails(client, deliver, admin, sent_mail):
    from chalicelib.desk.setup import admin as desk_admin
    from chalicelib.desk.setup import directory

    desk_admin.save_branding(admin, "Acme Care", "https://acme.test/logo.png", "#aa3300", "Acme Ltd, Berlin")
    try:
        number = deliver(raw_mail(sender="hal@customer.test")).ticket_number
        page = client.http.get(path_of(links.status_url(Ticket.get(number))))
        html = page.body.decode()
        assert "Acme Care" in html and "https://acme.test/logo.png" in html and "Acme Ltd, Berlin" in html
        assert "img-src 'self' data: https:" in page.headers["Content-Security-Policy"]
        assert client.http.get("/brand.css").body.decode() == ":root{--brand:#aa3300}\n"
        mail = [m for m in sent_mail() if "hal@customer.test" in str(m["To"])][-1]
        assert "Acme Ltd, Berlin" in mail.get_body(("plain",)).get_content()
    finally:
        from chalicelib.models import DirectoryEntry

        DirectoryEntry(scope="desk", key="brand#desk").delete()
        directory.forget()
    assert client.http.get("/brand.css").body.decode() == ":root{--brand:#1f6feb}\n"
