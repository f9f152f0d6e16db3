"""Ingestion on moto: tickets, threading, idempotency, verdicts, acknowledgements."""

from __future__ import annotations

import json

import pytest

from chalicelib.desk import storage
from chalicelib.desk.tickets import thread
from chalicelib.models import Contact, ThreadIndex, Ticket
from chalicelib.web.serialize import message_json
from tests.mailbuilder import raw_mail


def test_new_mail_opens_a_ticket_with_contact_and_acknowledgement(deliver, sent_mail):
    raw = raw_mail(sender="Ada Lovelace <Ada@Customer.test>", subject="Where is my order?")
    before = len(sent_mail())
    result = deliver(raw)
    assert result.outcome == "created"
    ticket = Ticket.get(result.ticket_number)
    assert (ticket.subject, ticket.status, ticket.priority) == ("Where is my order?", "new", "normal")
    assert (ticket.requester_email, ticket.requester_name) == ("ada@customer.test", "Ada Lovelace")
    assert (ticket.mailbox, ticket.team, ticket.team_status) == (
        "support@example.com",
        "Support",
        "Support#new",
    )
    assert Contact.get("ada@customer.test").name == "Ada Lovelace"
    acks = sent_mail()[before:]
    assert len(acks) == 1
    ack = acks[0]
    assert f"[#{ticket.number}]" in ack["Subject"]
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["In-Reply-To"] == ticket.last_inbound_message_id
    assert ack["Reply-To"].addresses[0].addr_spec == f"support+{ticket.number}@example.com"
    kinds = [m.kind for m in thread(ticket.number)]
    assert kinds == ["customer", "reply"]
    assert result.acknowledged


def test_billing_mailbox_routes_to_billing_team(deliver):
    result = deliver(raw_mail(to="Billing <billing@example.com>"), recipients=("billing@example.com",))
    ticket = Ticket.get(result.ticket_number)
    assert (ticket.mailbox, ticket.team) == ("billing@example.com", "Billing")


def test_same_mail_twice_is_one_message(deliver):
    raw = raw_mail()
    first = deliver(raw)
    second = deliver(raw)
    assert second.outcome == "duplicate"
    assert second.ticket_number == first.ticket_number
    assert [m.kind for m in thread(first.ticket_number)].count("customer") == 1


def test_mail_without_message_id_is_still_idempotent(deliver):
    raw = raw_mail(message_id=None)
    first = deliver(raw)
    assert deliver(raw).outcome == "duplicate"
    assert [m.kind for m in thread(first.ticket_number)].count("customer") == 1


def test_delivery_racing_past_the_duplicate_check_is_caught_by_the_transaction(deliver, monkeypatch):
    """Two deliveries that both read the thread index before either wrote: the conditional put
    inside the transaction, not the read, must make the second one a duplicate."""
    raw = raw_mail()
    first = deliver(raw)
    monkeypatch.setattr(ThreadIndex, "batch_get", classmethod(lambda cls, keys: iter(())))
    second = deliver(raw)
    assert (second.outcome, second.ticket_number) == ("duplicate", first.ticket_number)
    assert [m.kind for m in thread(first.ticket_number)].count("customer") == 1


def test_reply_to_acknowledgement_threads_by_in_reply_to(deliver, sent_mail):
    first = deliver(raw_mail(sender="bob@customer.test"))
    ack = sent_mail()[-1]
    reply = raw_mail(
        sender="bob@customer.test",
        subject="no reference here",
        in_reply_to=ack["Message-ID"],
        body="More info",
    )
    result = deliver(reply)
    assert (result.outcome, result.ticket_number) == ("appended", first.ticket_number)


def test_reply_threads_by_the_id_ses_substituted(deliver):
    first = deliver(raw_mail(sender="cy@customer.test"))
    ses_id = next(m.ses_message_id for m in thread(first.ticket_number) if m.kind == "reply")
    reply = raw_mail(sender="cy@customer.test", subject="hi", in_reply_to=f"<{ses_id}@email.amazonses.com>")
    assert deliver(reply).ticket_number == first.ticket_number


def test_subject_reference_threads_only_for_participants(deliver):
    first = deliver(raw_mail(sender="dora@customer.test", cc="Eve <eve@partner.test>"))
    number = first.ticket_number
    own = deliver(raw_mail(sender="dora@customer.test", subject=f"Re: Thing [#{number}]", message_id="auto"))
    assert (own.outcome, own.ticket_number) == ("appended", number)
    copied = deliver(raw_mail(sender="eve@partner.test", subject=f"Re: [#{number}]"))
    assert copied.ticket_number == number
    stranger = deliver(raw_mail(sender="mallory@evil.test", subject=f"Re: Thing [#{number}]"))
    assert stranger.outcome == "created"
    assert stranger.ticket_number != number
    assert "mallory@evil.test" not in (Ticket.get(number).participants or set())


def test_plus_address_threads_for_the_requester(deliver):
    first = deliver(raw_mail(sender="finn@customer.test"))
    number = first.ticket_number
    result = deliver(
        raw_mail(sender="finn@customer.test", to=f"support+{number}@example.com", subject="forgot something"),
        recipients=(f"support+{number}@example.com",),
    )
    assert (result.outcome, result.ticket_number) == ("appended", number)


def test_customer_reply_reopens_solved_ticket(deliver, update):
    first = deliver(raw_mail(sender="gus@customer.test"))
    update(first.ticket_number, status="solved")
    result = deliver(raw_mail(sender="gus@customer.test", subject=f"Re: [#{first.ticket_number}]"))
    ticket = Ticket.get(first.ticket_number)
    assert (result.outcome, ticket.status) == ("appended", "open")
    events = [m.event.as_dict() for m in thread(ticket.number) if m.kind == "event"]
    assert {"type": "status", "from": "solved", "to": "open"} in events


def test_mail_to_closed_ticket_opens_a_linked_follow_up(deliver, update):
    first = deliver(raw_mail(sender="hal@customer.test"))
    update(first.ticket_number, status="closed")
    result = deliver(raw_mail(sender="hal@customer.test", subject=f"Re: [#{first.ticket_number}]"))
    assert result.outcome == "created"
    follow_up = Ticket.get(result.ticket_number)
    assert follow_up.follow_up_of == first.ticket_number
    assert Ticket.get(first.ticket_number).status == "closed"


def test_spam_verdict_parks_the_ticket_without_acknowledgement(deliver, sent_mail):
    before = len(sent_mail())
    result = deliver(raw_mail(sender="spammer@spam.test"), verdicts={"spam": "FAIL", "virus": "PASS"})
    assert Ticket.get(result.ticket_number).status == "spam"
    assert not result.acknowledged
    assert len(sent_mail()) == before


def test_spam_reply_never_joins_an_existing_ticket(deliver, sent_mail):
    first = deliver(raw_mail(sender="ida@customer.test"))
    ack = sent_mail()[-1]
    spam = deliver(
        raw_mail(sender="ida@customer.test", in_reply_to=ack["Message-ID"]), verdicts={"virus": "FAIL"}
    )
    assert spam.ticket_number != first.ticket_number
    assert Ticket.get(spam.ticket_number).status == "spam"


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"List-Id": "<news.list.test>"},
        {"List-Unsubscribe": "<mailto:unsubscribe@list.test>"},
    ],
)
def test_automatic_mail_gets_no_acknowledgement(deliver, sent_mail, headers):
    before = len(sent_mail())
    result = deliver(raw_mail(sender="robot@list.test", headers=headers))
    assert result.outcome == "created"
    assert not result.acknowledged
    assert len(sent_mail()) == before


@pytest.mark.parametrize("sender", ["mailer-daemon@mx.test", "noreply@shop.test", "support@example.com"])
def test_system_and_own_senders_get_no_acknowledgement(deliver, sent_mail, sender):
    before = len(sent_mail())
    assert not deliver(raw_mail(sender=sender)).acknowledged
    assert len(sent_mail()) == before


def test_at_most_three_acknowledgements_per_sender_per_hour(deliver):
    results = [deliver(raw_mail(sender="loop@autoresponder.test")) for _ in range(5)]
    assert [r.acknowledged for r in results] == [True, True, True, False, False]
    assert len({r.ticket_number for r in results}) == 5


def test_attachments_are_stored_in_s3_with_name_type_and_size(deliver):
    pdf = b"%PDF-1.4 fake but bytes are bytes"
    result = deliver(raw_mail(attachments=[("invoice 42.pdf", "application/pdf", pdf)]))
    message = next(m for m in thread(result.ticket_number) if m.kind == "customer")
    [attachment] = message.attachments
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "invoice 42.pdf",
        "application/pdf",
        len(pdf),
    )
    assert storage.get_object(attachment.s3_key) == pdf


def test_large_body_overflows_to_s3_and_reads_back_whole(deliver):
    body = "A long log line that keeps going.\n" * 20_000  # ~680 KB, beyond a DynamoDB item
    result = deliver(raw_mail(body=body))
    message = next(m for m in thread(result.ticket_number) if m.kind == "customer")
    assert message.body_s3_key
    assert len(message.body_text) < 10_000
    assert message_json(message)["body_text"].strip() == body.strip()
    stored = json.loads(storage.get_object(message.body_s3_key))
    assert stored["text"].strip() == body.strip()


def test_hostile_html_is_sanitised_on_ingestion(deliver):
    html = '<p onclick="steal()">Hi<script>alert(1)</script><a href="javascript:alert(2)">x</a></p>'
    result = deliver(raw_mail(html=html))
    message = next(m for m in thread(result.ticket_number) if m.kind == "customer")
    assert "Hi" in message.body_html
    for needle in ("<script", "onclick", "javascript:"):
        assert needle not in message.body_html.lower()


def test_mail_from_an_agent_address_is_a_customer_message(deliver, admin):
    result = deliver(raw_mail(sender=admin.email))
    assert next(m.kind for m in thread(result.ticket_number)) == "customer"
    assert Ticket.get(result.ticket_number).requester_email == admin.email


def test_mail_without_from_uses_the_envelope_sender(deliver):
    raw = b"To: support@example.com\r\nSubject: no from\r\n\r\nbody\r\n"
    result = deliver(raw, envelope_sender="bounce-me@customer.test")
    assert Ticket.get(result.ticket_number).requester_email == "bounce-me@customer.test"
