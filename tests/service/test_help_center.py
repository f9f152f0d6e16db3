"""The help center through Chalice's test web_client: writing, publishing, the public pages, articles
from replies, and the acknowledgement's suggestions."""

from __future__ import annotations

import re

import pytest

from chalicelib.desk.agent_work import replies
from chalicelib.desk.base.errors import Conflict, InvalidRequest
from chalicelib.desk.help_center import articles
from chalicelib.desk.help_center.article_rules import ArticleFields
from chalicelib.desk.ticket.tickets import thread
from chalicelib.models import Agent, Article
from tests.mailbuilder import raw_mail
from tests.service.agent_http import cookie, csrf_of, post

pytestmark = pytest.mark.usefixtures("signed_in")


def version_of(html: str) -> str:
    return re.search(r'name="version" value="(\d+)"', html).group(1)


def write(web_client, title: str, body: str, state: str = "draft", category: str = "") -> str:
    """Create an article through the editor form; returns its address."""
    made = post(
        web_client,
        "/articles",
        {"csrf": csrf(web_client), "title": title, "body": body, "category": category, "state": state},
    )
    assert made.status_code == 303, made.body
    return made.headers["Location"].removeprefix("/articles/")


def csrf(web_client) -> str:
    return csrf_of(web_client.http.get("/articles/new", headers=cookie()).body.decode())


def public(web_client, path: str):
    return web_client.http.get(path)


def test_a_draft_is_private_until_published(web_client):
    slug = write(
        web_client, "Where is my parcel?", "Track it on **the carrier's site**.", category="Shipping"
    )
    assert slug == "where-is-my-parcel"
    assert public(web_client, f"/help/{slug}").status_code == 404
    assert "Where is my parcel?" not in public(web_client, "/help").body.decode()
    editor = web_client.http.get(f"/articles/{slug}", headers=cookie()).body.decode()
    assert (
        "<strong>the carrier&#39;s site</strong>" in editor or "<strong>the carrier's site</strong>" in editor
    )
    published = post(
        web_client,
        f"/articles/{slug}",
        {
            "csrf": csrf(web_client),
            "version": version_of(editor),
            "title": "Where is my parcel?",
            "body": "Track it on **the carrier's site**.",
            "category": "Shipping",
            "state": "published",
        },
    )
    assert published.status_code == 303
    page = public(web_client, f"/help/{slug}")
    assert page.status_code == 200 and "<strong>the carrier" in page.body.decode()
    listing = public(web_client, "/help").body.decode()
    assert "Shipping" in listing and f'href="/help/{slug}"' in listing
    assert f'href="/help/{slug}"' in public(web_client, "/help?q=parc").body.decode()
    assert 'id="no-articles"' in public(web_client, "/help?q=refund").body.decode()


def test_missing_draft_and_malformed_addresses_look_the_same(web_client):
    draft = write(web_client, "Internal draft only", "secret plan")
    pages = [public(web_client, f"/help/{path}") for path in (draft, "no-such-article", "..%2Fetc", "UPPER")]
    assert {p.status_code for p in pages} == {404}
    assert len({re.sub(r"\s+", " ", p.body.decode()) for p in pages}) == 1


def test_a_stale_editor_keeps_the_text_and_changes_nothing(web_client):
    slug = write(web_client, "Opening hours", "Nine to five.")
    old = version_of(web_client.http.get(f"/articles/{slug}", headers=cookie()).body.decode())
    fields = {"csrf": csrf(web_client), "title": "Opening hours", "category": "", "state": "draft"}
    assert (
        post(web_client, f"/articles/{slug}", {**fields, "version": old, "body": "Eight to six."}).status_code
        == 303
    )
    stale = post(web_client, f"/articles/{slug}", {**fields, "version": old, "body": "Ten to four."})
    assert stale.status_code == 409 and "Ten to four." in stale.body.decode()
    assert Article.get(slug).body == "Eight to six."


def test_the_public_page_runs_nothing_an_author_pasted(web_client):
    slug = write(
        web_client,
        "Hostile paste",
        "<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>",
        state="published",
    )
    html = public(web_client, f"/help/{slug}").body.decode()
    assert "<script>alert" not in html and 'href="javascript:' not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_titles_keep_their_address_and_same_titles_get_their_own(web_client):
    first = write(web_client, "Same title", "one")
    second = write(web_client, "Same title", "two")
    assert (first, second) == ("same-title", "same-title-2")


def test_a_published_article_is_unpublished_before_it_is_deleted(web_client):
    slug = write(web_client, "Short lived", "text", state="published")
    article = Article.get(slug)
    with pytest.raises(InvalidRequest):
        articles.delete(slug, article.version)
    draft = articles.save(slug, article.version, ArticleFields("Short lived", "text", "", "draft"))
    with pytest.raises(Conflict):
        articles.delete(slug, draft.version - 1)
    articles.delete(slug, draft.version)
    assert web_client.http.get(f"/articles/{slug}", headers=cookie()).status_code == 404


def test_a_reply_becomes_one_draft_however_often_it_is_asked(web_client, deliver, admin):
    number = deliver(raw_mail(sender="kim@customer.test", subject="Re: [#999] Export to CSV")).ticket_number
    replies.reply(admin, number, "Open Reports, pick the period and press Export.")
    key = next(m.key for m in thread(number) if m.kind == "reply" and not m.automatic)
    made = [
        post(web_client, f"/tickets/{number}/article", {"csrf": csrf(web_client), "message": key})
        for _ in range(2)
    ]
    assert {m.status_code for m in made} == {303}
    assert made[0].headers["Location"] == made[1].headers["Location"]
    article = Article.get(made[0].headers["Location"].removeprefix("/articles/"))
    assert (article.title, article.state) == ("Export to CSV", "draft")
    assert article.body == "Open Reports, pick the period and press Export."
    customer = next(m.key for m in thread(number) if m.kind == "customer")
    refused = post(web_client, f"/tickets/{number}/article", {"csrf": csrf(web_client), "message": customer})
    assert refused.status_code == 400
    Agent(email="bill@example.com", name="Bill", role="agent", teams=["Billing"]).save()
    billing_csrf = csrf_of(
        web_client.http.get("/articles/new", headers=cookie("bill@example.com")).body.decode()
    )
    other_team = post(
        web_client,
        f"/tickets/{number}/article",
        {"csrf": billing_csrf, "message": key},
        email="bill@example.com",
    )
    assert other_team.status_code == 404


def test_the_acknowledgement_suggests_matching_articles(web_client, deliver, sent_mail):
    write(
        web_client, "Reset your password", "Use **Forgot password** on the sign-in page.", state="published"
    )
    before = len(sent_mail())
    deliver(raw_mail(sender="lee@customer.test", subject="Locked out", body="I cannot reset my password."))
    ack = sent_mail()[before:][-1].get_body(("plain",)).get_content()
    assert "/help/reset-your-password" in ack and "Reset your password" in ack
    before = len(sent_mail())
    deliver(raw_mail(sender="mo@customer.test", subject="Invoice", body="Please send the invoice again."))
    assert "/help/" not in sent_mail()[before:][-1].get_body(("plain",)).get_content()
