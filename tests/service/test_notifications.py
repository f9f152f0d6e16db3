"""Notifications on moto: the real stream consumer (the messages table's stream records, in
Lambda's shape) tells agents in the app and by mail; mail is batched through the real flush
queue and handler (the local runtime's SQS poller); the bell, the list and the settings pages.

Each test has a flush queue of its own; the window is the deployed 5 minutes, passed by moving
the clock (time_machine: moto's message delay and the handler read the same clock).
"""

from __future__ import annotations

import dataclasses
import time
import uuid

import boto3
import pytest
import time_machine

from chalicelib.desk.agent_work import replies
from chalicelib.desk.base.errors import InvalidRequest
from chalicelib.desk.notifications import inbox, mail, preferences
from chalicelib.desk.setup import directory
from chalicelib.desk.setup.agents import load_agent
from chalicelib.models import Agent, Message, Notification, Ticket
from local.sqs import SqsPoller
from tests.mailbuilder import raw_mail
from tests.service.agent_http import cookie, csrf_of, post
from tests.service.test_ticket_events import invoke, stream_records

pytestmark = pytest.mark.usefixtures("fresh_tables")
WINDOW_S = 300


@pytest.fixture
def agents():
    Agent(email="ada@example.com", name="Ada Lovelace", role="agent", teams=["Support"]).save()
    Agent(email="bob@example.com", name="Bob", role="agent", teams=["Support"]).save()
    Agent(email="carol@example.com", name="Carol", role="agent", teams=["Billing"]).save()
    directory.forget()
    inbox.forget_unread()


@pytest.fixture
def flushes(monkeypatch):
    """A flush queue of the test's own; one poll of it as the runtime runs it."""
    from app import app
    from chalicelib.config import settings

    url = boto3.client("sqs").create_queue(
        QueueName=f"notification-mail-{uuid.uuid4().hex[:8]}", Attributes={"VisibilityTimeout": "5"}
    )["QueueUrl"]
    own = dataclasses.replace(settings(), notification_queue_url=url, notification_mail_window_s=WINDOW_S)
    monkeypatch.setattr(mail, "settings", lambda: own)
    handler = next(f for f in app.pure_lambda_functions if f.name == "notification_mail")
    return SqsPoller(url, "notification_mail", handler).poll


def stream() -> None:
    """Everything on the stream so far through the real handler (claims skip what was delivered)."""
    records, arn = stream_records()
    assert invoke(records, arn) == {"batchItemFailures": []}


def mails_to(sent_mail, address: str, number: int) -> list:
    """The notification mails of ticket `number` to `address` (moto keeps the session's mail)."""
    return [m for m in sent_mail() if address in str(m["To"]) and f"(ticket {number})" in str(m["Subject"])]


def test_a_new_ticket_tells_the_team_in_the_app_and_by_mail_that_cannot_act_on_the_ticket(
    agents, deliver, sent_mail, flushes
):
    number = deliver(raw_mail(subject="Where is my parcel?", body="It never came.")).ticket_number
    stream()
    assert inbox.unread_count("ada@example.com") == 1
    assert inbox.unread_count("carol@example.com") == 0  # Billing
    [note] = inbox.recent("ada@example.com")
    assert (note.ticket_number, note.subject, note.reason, note.read) == (
        number,
        "Where is my parcel?",
        "new_ticket",
        False,
    )
    [sent] = mails_to(sent_mail, "ada@example.com", number)
    body = sent.get_body(("plain",)).get_content()
    assert f"https://desk.example.test/tickets/{number}" in body and "It never came." in body
    assert "/t/" not in body  # never a status link
    assert f"[#{number}]" not in sent["Subject"] and "Where is my parcel?" in sent["Subject"]
    for header in ("Reply-To", "In-Reply-To", "References"):
        assert sent[header] is None, header
    assert f"helpdesk.{number}." not in sent["Message-ID"]
    assert sent["Auto-Submitted"] == "auto-generated"
    stream()  # a replay tells nobody twice
    assert (
        inbox.unread_count("ada@example.com") == 1
        and len(mails_to(sent_mail, "ada@example.com", number)) == 1
    )


def test_later_events_in_the_window_make_one_more_mail_saying_all_of_them(
    agents, deliver, sent_mail, flushes, update
):
    number = deliver(raw_mail(sender="kim@customer.test", subject="Broken lamp")).ticket_number
    stream()
    assert len(mails_to(sent_mail, "ada@example.com", number)) == 1  # the new ticket, at once
    update(number, assignee="ada@example.com")
    ack = next(m for m in Message.query(number) if m.kind == "reply")
    deliver(raw_mail(sender="kim@customer.test", body="Any news?", in_reply_to=ack.message_id))
    stream()
    assert len(mails_to(sent_mail, "ada@example.com", number)) == 1  # collected, not mailed
    assert inbox.unread_count("ada@example.com") == 3  # the bell is not batched
    flushes()  # the flush is delayed to the window's end: not there yet
    assert len(mails_to(sent_mail, "ada@example.com", number)) == 1
    with time_machine.travel(time.time() + WINDOW_S + 1, tick=True):
        flushes()
    [_, batch] = mails_to(sent_mail, "ada@example.com", number)
    body = batch.get_body(("plain",)).get_content()
    assert batch["Subject"].startswith("2 updates: Broken lamp")
    assert "Assigned to you by Demo Admin" in body and "The customer replied" in body and "Any news?" in body
    with time_machine.travel(time.time() + 2 * WINDOW_S + 2, tick=True):
        flushes()  # nothing more to say
    assert len(mails_to(sent_mail, "ada@example.com", number)) == 2


def test_nobody_is_told_what_they_did_and_away_or_deactivated_agents_get_no_mail(
    agents, deliver, sent_mail, flushes, update
):
    Agent(
        email="away@example.com",
        name="Away",
        role="agent",
        teams=["Support"],
        away_until=int(time.time()) + 3600,
    ).save()
    Agent(email="gone@example.com", name="Gone", role="agent", teams=["Support"], active=False).save()
    directory.forget()
    number = deliver(raw_mail(subject="Team news")).ticket_number
    update(number, assignee="admin@example.com")  # the admin assigns themselves
    stream()
    assert inbox.unread_count("away@example.com") == 1 and not mails_to(sent_mail, "away@example.com", number)
    assert inbox.unread_count("gone@example.com") == 0 and not mails_to(sent_mail, "gone@example.com", number)
    assert [n.reason for n in inbox.recent("admin@example.com")] == ["new_ticket"]  # not "assigned"


def test_preferences_default_to_all_on_and_what_is_off_is_not_sent(agents, deliver, sent_mail, flushes):
    assert preferences.of("ada@example.com").wants("new_ticket", "mail")
    preferences.save("ada@example.com", [("new_ticket", "in_app")])
    number = deliver(raw_mail(subject="Quiet please")).ticket_number
    stream()
    assert inbox.unread_count("ada@example.com") == 1 and not mails_to(sent_mail, "ada@example.com", number)
    preferences.save("ada@example.com", [])
    deliver(raw_mail(subject="Silence"))
    stream()
    assert inbox.unread_count("ada@example.com") == 1


def test_marking_read_keeps_the_counter_exact(agents, deliver, flushes):
    for n in range(3):
        deliver(raw_mail(subject=f"Count {n}"))
    stream()
    assert inbox.unread_count("ada@example.com") == 3
    newest = inbox.recent("ada@example.com")[0]
    assert inbox.mark_read("ada@example.com", newest.key).ticket_number == newest.ticket_number
    inbox.mark_read("ada@example.com", newest.key)  # twice: counted once
    assert inbox.unread_count("ada@example.com") == 2
    assert inbox.mark_all_read("ada@example.com") == 2
    assert inbox.unread_count("ada@example.com") == 0
    assert all(n.read for n in inbox.recent("ada@example.com"))


def test_a_mention_notifies_an_agent_who_may_see_the_ticket_and_one_who_may_not_is_refused(
    agents, deliver, sent_mail, flushes
):
    number = deliver(raw_mail(subject="Refund?")).ticket_number
    stream()
    ada = load_agent("ada@example.com")
    with pytest.raises(
        InvalidRequest, match=r"Carol \(carol@example.com\) cannot see tickets of team Support"
    ):
        replies.add_note(ada, number, "@Carol can you check?", ["carol@example.com"])
    assert not [m for m in Message.query(number) if m.kind == "note"]
    replies.add_note(ada, number, "@Bob please look", ["bob@example.com"])
    [note] = [m for m in Message.query(number) if m.kind == "note"]
    assert note.mentions == ["bob@example.com"]
    stream()
    assert [n.reason for n in inbox.recent("bob@example.com")] == ["mentioned", "new_ticket"]
    assert [n.reason for n in inbox.recent("ada@example.com")] == ["new_ticket"]  # she wrote it


def test_a_mention_outside_the_team_is_a_400_on_the_page_and_a_rename_keeps_the_mention(
    agents, deliver, web_client, signed_in
):
    number = deliver(raw_mail(subject="Refund?")).ticket_number
    page = web_client.http.get(f"/tickets/{number}", headers=cookie("ada@example.com")).body.decode()
    assert 'data-email="bob@example.com"' in page and 'data-email="carol@example.com"' not in page
    refused = post(
        web_client,
        f"/tickets/{number}/note",
        {"csrf": csrf_of(page), "body": "@Carol look", "mentions": "carol@example.com"},
        "ada@example.com",
    )
    assert (
        refused.status_code == 400
        and "Carol (carol@example.com) cannot see tickets of team Support" in refused.body.decode()
    )
    done = post(
        web_client,
        f"/tickets/{number}/note",
        {"csrf": csrf_of(page), "body": "Ask @Bob first", "mentions": "bob@example.com"},
        "ada@example.com",
    )
    assert done.status_code == 303
    Agent(email="bob@example.com", name="Robert", role="agent", teams=["Support"]).save()  # renamed
    directory.forget()
    shown = web_client.http.get(f"/tickets/{number}", headers=cookie("ada@example.com")).body.decode()
    assert '<mark class="mention" title="bob@example.com">@Robert</mark>' in shown


def test_the_bell_the_list_and_the_settings_pages(agents, deliver, web_client, signed_in, flushes):
    number = deliver(raw_mail(subject="Bell <b>me</b>")).ticket_number
    stream()
    inbox.forget_unread()
    queue = web_client.http.get("/queues/open", headers=cookie("ada@example.com")).body.decode()
    assert '<span class="count" id="bell-count">1</span>' in queue and "<title>(1) " in queue
    listing = web_client.http.get("/notifications", headers=cookie("ada@example.com")).body.decode()
    assert "Bell &lt;b&gt;me&lt;/b&gt;" in listing and "<b>me</b>" not in listing
    [item] = inbox.recent("ada@example.com")
    opened = post(
        web_client,
        "/notifications/read",
        {"csrf": csrf_of(listing), "key": item.key, "open": "1"},
        "ada@example.com",
    )
    assert (opened.status_code, opened.headers["Location"]) == (303, f"/tickets/{number}")
    after = web_client.http.get("/queues/open", headers=cookie("ada@example.com")).body.decode()
    assert 'id="bell-count"' not in after and "<title>(" not in after
    settings = web_client.http.get("/account/notifications", headers=cookie("ada@example.com")).body.decode()
    assert settings.count("checked") == 12  # six topics, two channels, all on by default
    saved = post(
        web_client,
        "/account/notifications",
        {"csrf": csrf_of(settings), "on": ["assigned:mail", "mentioned:in_app"]},
        "ada@example.com",
    )
    assert saved.status_code == 200 and saved.body.decode().count("checked") == 2
    assert preferences.of("ada@example.com").off == frozenset(
        f"{t}:{c}"
        for t in ("new_ticket", "assigned", "customer_replied", "mentioned", "sla_warning", "rule")
        for c in ("in_app", "mail")
    ) - {"assigned:mail", "mentioned:in_app"}
    other = web_client.http.get("/notifications", headers=cookie("bob@example.com")).body.decode()
    assert "Bell" in other  # Bob's own list
    # The same event's key in Bob's partition is Bob's notification: marking it leaves Ada's alone.
    post(web_client, "/notifications/read-all", {"csrf": csrf_of(other)}, "ada@example.com")
    assert inbox.unread_count("bob@example.com") == 1
    gone = post(
        web_client, "/notifications/read", {"csrf": csrf_of(other), "key": "n#made-up"}, "bob@example.com"
    )
    assert gone.status_code == 404
    assert Notification.get("bob@example.com", item.key).read is False


def test_requests_per_event(agents, deliver, flushes, requests_made, update):
    """What the consumer's notifications cost per event (docs/COST.md): events no topic follows
    nothing; a new ticket per team member one transaction and the mail's window and send."""
    from chalicelib.desk.events import from_message
    from chalicelib.desk.notifications.delivery import on_event

    number = deliver(raw_mail(subject="Cost")).ticket_number
    ticket = Ticket.get(number)
    created = from_message(next(m for m in Message.query(number) if m.kind == "customer"))
    directory.agents()  # a warm container holds the setup
    with requests_made.measure() as made:
        told = on_event(created, ticket)
    assert sorted(r.email for r in told) == ["ada@example.com", "admin@example.com", "bob@example.com"]
    assert dict(made) == {
        "dynamodb:BatchGetItem": 1,  # the three's preferences
        "dynamodb:TransactWriteItems": 3,  # each one's notification and counter
        "dynamodb:GetItem": 3,  # each one's mail window
        "dynamodb:PutItem": 3,
        "sesv2:SendEmail": 3,
    }
    acknowledgement = from_message(next(m for m in Message.query(number) if m.kind == "reply"))
    with requests_made.measure() as made:
        on_event(acknowledgement, ticket)
    assert dict(made) == {}


def test_a_rule_s_notify_team_is_told_through_notifications_and_a_team_that_cannot_see_it_is_not(
    agents, admin, deliver, sent_mail, flushes
):
    from chalicelib.desk.rules import store

    words = [{"field": "subject", "op": "contains_any", "value": ["refund"]}]
    actions = [
        {"type": "notify_team", "value": "Support"},
        {"type": "notify_agent", "value": "carol@example.com"},
    ]
    store.create(admin, {"name": "Refunds", "conditions": words, "actions": actions})
    number = deliver(raw_mail(subject="Refund please")).ticket_number
    stream()
    for member in ("ada@example.com", "bob@example.com"):
        assert sorted(n.reason for n in inbox.recent(member)) == ["new_ticket", "rule"]
    assert inbox.unread_count("carol@example.com") == 0  # Billing may not see a Support ticket
    lines = [m.body_text for m in Message.query(number) if m.kind == "event"]
    assert "Rule 'Refunds' notified team Support" in lines
    assert (
        "Rule 'Refunds' notified carol@example.com (not sent: nobody active who may see the ticket)" in lines
    )
