"""Agent-side services on moto: queues, changes with optimistic locking, replies and notes."""

from __future__ import annotations

import json

import pytest
from chalice.test import Client

from chalicelib.desk.agent_work import replies, ticket_changes
from chalicelib.desk.base.errors import Conflict, Forbidden, InvalidRequest, NotFound, TooLarge
from chalicelib.desk.mail_out.outbound import MAX_CC
from chalicelib.desk.setup.agents import AgentProfile
from chalicelib.desk.ticket import tickets
from chalicelib.desk.ticket.tickets import TicketFilter, thread
from chalicelib.models import Ticket
from chalicelib.web.serialize import message_json
from tests.mailbuilder import raw_mail

BILLING_AGENT = AgentProfile(email="bea@example.com", name="Bea", role="agent", teams=("Billing",))


def test_reply_goes_out_threaded_and_is_recorded(deliver, admin, sent_mail):
    first = deliver(raw_mail(sender="Jo <jo@customer.test>", subject="Refund please"))
    ticket = Ticket.get(first.ticket_number)
    message = replies.reply(admin, ticket.number, "We refunded you.", status="pending")
    mail = sent_mail()[-1]
    assert mail["Subject"] == f"Re: Refund please [#{ticket.number}]"
    assert mail["From"].addresses[0].display_name == f"{admin.name} via Support"
    assert mail["From"].addresses[0].addr_spec == "support@example.com"
    assert mail["Reply-To"].addresses[0].addr_spec == f"support+{ticket.number}@example.com"
    assert mail["In-Reply-To"] == ticket.last_inbound_message_id
    assert ticket.last_inbound_message_id in mail["References"]
    assert mail["Message-ID"] == message.message_id
    assert [part.get_content_type() for part in mail.walk()] == [
        "multipart/alternative",
        "text/plain",
        "text/html",
    ]
    assert message.ses_message_id
    assert Ticket.get(ticket.number).status == "pending"
    answer = raw_mail(sender="jo@customer.test", subject="thanks", in_reply_to=mail["Message-ID"])
    assert deliver(answer).ticket_number == ticket.number
    assert Ticket.get(ticket.number).status == "open"


def test_reply_with_stale_version_sends_nothing(deliver, admin, sent_mail, update):
    ticket = Ticket.get(deliver(raw_mail()).ticket_number)
    update(ticket.number, priority="high")
    before = len(sent_mail())
    with pytest.raises(Conflict):
        replies.reply(admin, ticket.number, "hello", version=ticket.version)
    assert len(sent_mail()) == before


def test_note_is_stored_and_never_mailed(deliver, admin, sent_mail):
    number = deliver(raw_mail()).ticket_number
    before = len(sent_mail())
    replies.add_note(admin, number, "Customer is a VIP")
    assert len(sent_mail()) == before
    assert thread(number)[-1].kind == "note"


def test_reply_validation(deliver, admin):
    number = deliver(raw_mail()).ticket_number
    with pytest.raises(InvalidRequest):
        replies.reply(admin, number, "   ")
    with pytest.raises(InvalidRequest):
        replies.reply(admin, number, "ok", status="bogus")
    with pytest.raises(TooLarge):
        replies.reply(admin, number, "x" * 300_000)
    with pytest.raises(NotFound):
        replies.reply(admin, 999_999, "hello")


def test_replying_to_spam_is_refused(deliver, admin):
    number = deliver(raw_mail(), verdicts={"spam": "FAIL"}).ticket_number
    with pytest.raises(InvalidRequest):
        replies.reply(admin, number, "hello")


def test_update_records_events_and_rejects_stale_versions(deliver, admin):
    ticket = Ticket.get(deliver(raw_mail()).ticket_number)
    changes = ticket_changes.parse_changes(
        {
            "status": "open",
            "priority": "urgent",
            "tags": ["VIP", "Late Delivery", "vip"],
            "assignee": admin.email,
        },
        frozenset({"Support", "Billing"}),
    )
    updated = ticket_changes.update_ticket(admin, ticket.number, ticket.version, changes)
    assert (updated.status, updated.priority, updated.assignee) == ("open", "urgent", admin.email)
    assert updated.tags == ["vip", "late-delivery"]
    assert updated.team_status == "Support#open"
    assert updated.version == ticket.version + 1
    events = {m.event.as_dict()["type"] for m in thread(ticket.number) if m.kind == "event"}
    assert events == {"status", "priority", "tags", "assignee"}
    with pytest.raises(Conflict):
        ticket_changes.update_ticket(admin, ticket.number, ticket.version, changes)


@pytest.mark.parametrize(
    "payload",
    [
        {"status": "new"},
        {"status": "deleted"},
        {"priority": "critical"},
        {"team": "Nowhere"},
        {"tags": "not-a-list"},
        {"tags": ["a,b"]},
        {"assignee": 42},
        {"colour": "red"},
    ],
)
def test_invalid_changes_are_rejected(payload):
    with pytest.raises(InvalidRequest):
        ticket_changes.parse_changes(payload, frozenset({"Support", "Billing"}))


def test_assignee_must_be_an_agent_of_the_team(deliver, admin):
    ticket = Ticket.get(deliver(raw_mail()).ticket_number)
    changes = ticket_changes.parse_changes({"assignee": "stranger@example.com"}, frozenset({"Support"}))
    with pytest.raises(InvalidRequest):
        ticket_changes.update_ticket(admin, ticket.number, ticket.version, changes)


def test_lists_filter_and_page_with_a_cursor(fresh_tables, deliver, admin):
    numbers = [deliver(raw_mail(sender="kim@customer.test")).ticket_number for _ in range(5)]
    page = tickets.list_tickets(admin, TicketFilter(requester="KIM@customer.test"), limit=2)
    seen = [t.number for t in page.items]
    while page.next_cursor:
        page = tickets.list_tickets(
            admin, TicketFilter(requester="kim@customer.test"), cursor=page.next_cursor, limit=2
        )
        seen += [t.number for t in page.items]
    assert seen == numbers[::-1]  # newest first, each once
    team_new = tickets.list_tickets(admin, TicketFilter(status="new", team="Support"), limit=100)
    assert [(t.number, t.status, t.team) for t in team_new.items] == [(n, "new", "Support") for n in seen]


def test_forged_cursor_is_a_400(admin):
    with pytest.raises(InvalidRequest):
        tickets.list_tickets(admin, TicketFilter(status="new"), cursor="not-a-cursor")


def test_agents_see_only_their_teams(fresh_tables, deliver):
    support_ticket = deliver(raw_mail()).ticket_number
    billing_ticket = deliver(
        raw_mail(to="billing@example.com"), recipients=("billing@example.com",)
    ).ticket_number
    with pytest.raises(NotFound):
        tickets.get_ticket(BILLING_AGENT, support_ticket)
    assert tickets.get_ticket(BILLING_AGENT, billing_ticket).team == "Billing"
    with pytest.raises(Forbidden):
        tickets.list_tickets(BILLING_AGENT, TicketFilter(team="Support"))
    listed = tickets.list_tickets(BILLING_AGENT, TicketFilter(), limit=100).items
    assert [(t.number, t.team) for t in listed] == [(billing_ticket, "Billing")]


def test_a_closed_ticket_stays_closed(deliver, update):
    number = deliver(raw_mail(subject="Done and dusted")).ticket_number
    update(number, status="closed")
    with pytest.raises(InvalidRequest, match="cannot be reopened"):
        update(number, status="open")
    update(number, tags=["archived"])  # its other properties may still be tidied
    assert Ticket.get(number).status == "closed"


def test_a_long_reply_is_sent_once_and_recorded_whole(deliver, admin, sent_mail):
    number = deliver(raw_mail()).ticket_number
    body = "A long explanation, line after line.\n" * 4_000  # ~150 KB: three copies overflow an item
    before = len(sent_mail())
    message = replies.reply(admin, number, body)
    assert len(sent_mail()) == before + 1
    stored = next(m for m in thread(number) if m.key == message.key)
    assert stored.body_s3_key
    assert message_json(stored)["visible_text"] == body.strip()


def test_a_long_note_overflows_to_s3(deliver, admin):
    number = deliver(raw_mail()).ticket_number
    body = "n" * 250_000
    note = replies.add_note(admin, number, body)
    stored = next(m for m in thread(number) if m.key == note.key)
    assert stored.body_s3_key and len(stored.body_text) < 10_000
    assert message_json(stored)["body_text"] == body


def test_a_reply_to_an_address_nobody_can_mail_is_a_400_naming_the_field(deliver, admin, monkeypatch):
    from app import app
    from chalicelib.web import auth

    monkeypatch.setattr(auth, "authenticate", lambda header: admin)
    raw = "From: ö@exämple.com\r\nTo: support@example.com\r\nSubject: hi\r\nMessage-ID: <api.400@x.test>"
    number = deliver(f"{raw}\r\n\r\nhi\r\n".encode()).ticket_number
    with Client(app) as api:
        response = api.http.post(
            f"/api/tickets/{number}/replies",
            body=json.dumps({"body": "Hello"}),
            headers={"content-type": "application/json"},
        )
    assert response.status_code == 400
    assert (response.json_body["error"], response.json_body["field"]) == ("invalid_request", "to")
    assert "ö@exämple.com" in response.json_body["message"]


def test_replies_on_tickets_recorded_before_the_checks_still_go_out(deliver, admin, sent_mail):
    """Tickets stored with too many people, unmailable copies or non-ASCII ids: the reply leaves out
    what no header can carry and copies at most MAX_CC people, instead of failing."""
    ticket = Ticket.get(deliver(raw_mail(sender="pia@customer.test")).ticket_number)
    people = {f"p{n:02}@customer.test" for n in range(MAX_CC + 30)} | {"x@[192.0.2.1]"}
    ticket.update(
        actions=[
            Ticket.participants.set(people),
            Ticket.references.set([*ticket.references, "<é@customer.test>"]),
            Ticket.last_inbound_message_id.set("<é@customer.test>"),
        ]
    )
    replies.reply(admin, ticket.number, "Answer to all")
    mail = sent_mail()[-1]
    copied = [a.addr_spec for a in mail["Cc"].addresses]
    assert copied == sorted(p for p in people if p.startswith("p"))[:MAX_CC]
    assert mail["In-Reply-To"] is None
    assert "é" not in str(mail["References"])
