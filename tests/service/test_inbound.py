"""Ingestion on moto: tickets, threading, idempotency, verdicts, acknowledgements."""

from __future__ import annotations

import json

import pytest
from chalice.test import Client
from pynamodb.exceptions import TransactWriteError

from chalicelib.aws import client
from chalicelib.config import settings
from chalicelib.desk.agent_work import replies
from chalicelib.desk.base import storage
from chalicelib.desk.base.errors import InvalidRequest
from chalicelib.desk.base.numbers import TICKET_COUNTER
from chalicelib.desk.base.transactions import is_race
from chalicelib.desk.intake.inbound import MAX_ATTACHMENTS
from chalicelib.desk.mail_out.outbound import MAX_CC
from chalicelib.desk.ticket import opening
from chalicelib.desk.ticket.tickets import thread
from chalicelib.mail.message import Address
from chalicelib.mail.parse import MAX_SUBJECT
from chalicelib.models import Contact, Ledger, Message, ThreadIndex, Ticket
from chalicelib.web.serialize import message_json
from tests.mailbuilder import AUTHENTICATED, raw_mail


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
    first = deliver(
        raw_mail(sender="dora@customer.test", cc="Eve <eve@partner.test>"), verdicts=AUTHENTICATED
    )
    number = first.ticket_number
    own = deliver(
        raw_mail(sender="dora@customer.test", subject=f"Re: Thing [#{number}]", message_id="auto"),
        verdicts=AUTHENTICATED,
    )
    assert (own.outcome, own.ticket_number) == ("appended", number)
    copied = deliver(raw_mail(sender="eve@partner.test", subject=f"Re: [#{number}]"), verdicts=AUTHENTICATED)
    assert copied.ticket_number == number
    stranger = deliver(
        raw_mail(sender="mallory@evil.test", subject=f"Re: Thing [#{number}]"), verdicts=AUTHENTICATED
    )
    assert stranger.outcome == "created"
    assert stranger.ticket_number != number
    assert "mallory@evil.test" not in (Ticket.get(number).participants or set())


def test_plus_address_threads_for_the_requester(deliver):
    first = deliver(raw_mail(sender="finn@customer.test"))
    number = first.ticket_number
    result = deliver(
        raw_mail(sender="finn@customer.test", to=f"support+{number}@example.com", subject="forgot something"),
        recipients=(f"support+{number}@example.com",),
        verdicts=AUTHENTICATED,
    )
    assert (result.outcome, result.ticket_number) == ("appended", number)


def test_customer_reply_reopens_solved_ticket(deliver, update):
    first = deliver(raw_mail(sender="gus@customer.test"))
    update(first.ticket_number, status="solved")
    result = deliver(
        raw_mail(sender="gus@customer.test", subject=f"Re: [#{first.ticket_number}]"), verdicts=AUTHENTICATED
    )
    ticket = Ticket.get(first.ticket_number)
    assert (result.outcome, ticket.status) == ("appended", "open")
    events = [m.event.as_dict() for m in thread(ticket.number) if m.kind == "event"]
    assert {"type": "status", "from": "solved", "to": "open"} in events


def test_mail_to_closed_ticket_opens_a_linked_follow_up(deliver, update):
    first = deliver(raw_mail(sender="hal@customer.test"))
    update(first.ticket_number, status="closed")
    result = deliver(
        raw_mail(sender="hal@customer.test", subject=f"Re: [#{first.ticket_number}]"), verdicts=AUTHENTICATED
    )
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


def _raw(headers: str, body: str = "Hello, my order has not arrived.") -> bytes:
    """A mail written byte for byte, for headers the stdlib's builder would refuse or repair."""
    head = f"To: support@example.com\r\nDate: Mon, 8 Jan 2024 09:00:00 +0000\r\n{headers}"
    return f"{head}\r\n\r\n{body}\r\n".encode()


def _automatic_notes(number: int) -> list[str]:
    return [m.body_text for m in thread(number) if m.kind == "note" and m.automatic]


def test_a_requester_nobody_can_mail_keeps_the_ticket_and_the_agents_are_told(deliver, admin, sent_mail):
    before = len(sent_mail())
    result = deliver(
        _raw("From: Jörg <jörg@exämple.com>\r\nSubject: Bestellung\r\nMessage-ID: <eai.1@x.test>")
    )
    ticket = Ticket.get(result.ticket_number)
    assert (result.outcome, ticket.requester_email) == ("created", "jörg@exämple.com")
    assert not result.acknowledged and "non-ASCII" in result.note
    [note] = _automatic_notes(ticket.number)
    assert "jörg@exämple.com" in note and "answer by another channel" in note
    with pytest.raises(InvalidRequest, match="non-ASCII") as refused:
        replies.reply(admin, ticket.number, "We are on it.")
    assert refused.value.details == {"field": "to"}
    assert len(sent_mail()) == before


def test_copies_that_cannot_be_mailed_are_no_participants_and_replies_still_go_out(deliver, admin, sent_mail):
    cc = 'Cc: Ann <ann@copied.test>, x@[192.0.2.1], kim@bücher.de, "a b"@copied.test'
    result = deliver(
        _raw(f"From: dana@customer.test\r\n{cc}\r\nSubject: Copies\r\nMessage-ID: <cc.1@x.test>"),
        verdicts=AUTHENTICATED,
    )
    ticket = Ticket.get(result.ticket_number)
    assert ticket.participants == {"ann@copied.test", "kim@bücher.de"}
    assert result.acknowledged
    [note] = _automatic_notes(ticket.number)
    assert 'The mail copied "x@[192.0.2.1]", but replies cannot be sent to it' in note
    replies.reply(admin, ticket.number, "Done.")
    copied = {a.addr_spec for a in sent_mail()[-1]["Cc"].addresses}
    assert copied == {"ann@copied.test", "kim@xn--bcher-kva.de"}


def test_ids_keep_their_case_in_our_headers_and_thread_whatever_the_case(deliver, admin, sent_mail):
    first = deliver(raw_mail(sender="gwen@customer.test", message_id="<CA+AbC=Xy_1@mail.gmail.com>"))
    assert sent_mail()[-1]["In-Reply-To"] == "<CA+AbC=Xy_1@mail.gmail.com>"
    replies.reply(admin, first.ticket_number, "Answer")
    assert "<CA+AbC=Xy_1@mail.gmail.com>" in sent_mail()[-1]["References"]
    answer = deliver(raw_mail(sender="gwen@customer.test", in_reply_to="<ca+abc=xy_1@MAIL.GMAIL.COM>"))
    assert (answer.outcome, answer.ticket_number) == ("appended", first.ticket_number)


def test_a_non_ascii_message_id_threads_but_never_goes_out(deliver, admin, sent_mail):
    first = deliver(_raw("From: hugo@customer.test\r\nSubject: Accents\r\nMessage-ID: <été.7@customer.test>"))
    assert first.acknowledged
    assert sent_mail()[-1]["In-Reply-To"] is None
    replies.reply(admin, first.ticket_number, "Answer")
    assert "été" not in str(sent_mail()[-1]["References"] or "")
    again = deliver(_raw("From: hugo@customer.test\r\nSubject: more\r\nReferences: <été.7@customer.test>"))
    assert again.ticket_number == first.ticket_number


@pytest.mark.parametrize(
    "raw",
    [
        _raw(f"From: ivy@customer.test\r\nSubject: {'word ' * 100_000}"),
        _raw(f"From: {'a' * 3000}@customer.test\r\nReply-To: ivy@customer.test\r\nSubject: long address"),
        _raw(
            "From: ivy@customer.test\r\nSubject: copies\r\nCc: "
            + ", ".join(f"c{n}@cc.test" for n in range(5000))
        ),
        _raw(f"From: ivy@customer.test\r\nSubject: ids\r\nReferences: {'(' * 40_000}{')' * 40_000}"),
    ],
    ids=["500 KB subject", "3000-character From", "5000 copies", "nested parentheses"],
)
def test_hostile_sizes_make_one_ticket_with_one_number(deliver, raw):
    numbers_before = Ledger.get(TICKET_COUNTER).value
    result = deliver(raw)
    assert result.outcome == "created"
    assert Ledger.get(TICKET_COUNTER).value == numbers_before + 1
    ticket = Ticket.get(result.ticket_number)
    assert len(ticket.subject) <= MAX_SUBJECT
    assert len(ticket.participants or ()) <= MAX_CC


def test_hundreds_of_attachments_store_the_first_hundred_and_say_so(deliver):
    files = [(f"f{n}.txt", "text/plain", b"x") for n in range(MAX_ATTACHMENTS + 20)]
    result = deliver(raw_mail(attachments=files))
    message = next(m for m in thread(result.ticket_number) if m.kind == "customer")
    assert len(message.attachments) == MAX_ATTACHMENTS
    [note] = _automatic_notes(result.ticket_number)
    assert "20 more are in the raw mail only" in note


def test_only_a_race_is_retried(deliver):
    """A write DynamoDB refuses (an item too large) fails at once; a stale ticket version is a race."""
    ticket = Ticket.get(deliver(raw_mail()).ticket_number)
    huge = Message(
        ticket_number=0, key="k", kind="customer", body_text="x" * 500_000, created_at=ticket.created_at
    )
    new = opening.NewTicket(
        subject="too big", requester=Address("jo@customer.test"), mailbox=settings().mailboxes[0]
    )
    with pytest.raises(TransactWriteError) as too_big:
        opening.open_ticket(new, huge, "<too-big@customer.test>")
    assert not is_race(too_big.value)
    Ticket.get(ticket.number).update(actions=[Ticket.priority.set("high")])
    message = Message(
        ticket_number=0, key="k2", kind="customer", body_text="hi", created_at=ticket.created_at
    )
    with pytest.raises(TransactWriteError) as stale:
        opening.append_message(ticket, Address("jo@customer.test"), message, "<stale@customer.test>")
    assert is_race(stale.value)


def test_an_acknowledgement_failure_keeps_the_ticket_and_the_delivery_succeeds(
    deliver, added_mailbox, sent_mail
):
    mailbox = added_mailbox("help@example.com")
    client("ses").delete_identity(Identity="example.com")  # SES verification revoked or pending
    raw = raw_mail(sender="kai@customer.test", to=mailbox)
    before = len(sent_mail())
    try:
        result = deliver(raw, recipients=(mailbox,))
    finally:
        client("ses").verify_domain_identity(Domain="example.com")
    assert Ticket.get(result.ticket_number).mailbox == mailbox
    assert (result.outcome, result.acknowledged) == ("created", False)
    assert "acknowledgement failed" in result.note
    assert len(sent_mail()) == before
    assert deliver(raw, recipients=(mailbox,)).outcome == "duplicate"


def test_a_stranger_answering_a_thread_is_appended_but_not_copied_on_replies(deliver, admin, sent_mail):
    first = deliver(raw_mail(sender="lea@customer.test"))
    ack_id = sent_mail()[-1]["Message-ID"]
    stranger = deliver(
        raw_mail(sender="eve@elsewhere.test", cc="mallory@elsewhere.test", in_reply_to=ack_id),
        verdicts=AUTHENTICATED,
    )
    assert (stranger.outcome, stranger.ticket_number) == ("appended", first.ticket_number)
    colleague = deliver(raw_mail(sender="sales@example.com", in_reply_to=ack_id), verdicts=AUTHENTICATED)
    assert colleague.ticket_number == first.ticket_number
    assert Ticket.get(first.ticket_number).participants == {"sales@example.com"}
    replies.reply(admin, first.ticket_number, "Answer")
    assert {a.addr_spec for a in sent_mail()[-1]["Cc"].addresses} == {"sales@example.com"}


@pytest.mark.parametrize(
    ("verdicts", "hook"),
    [
        ({}, ""),  # no DMARC record, no signature: what SES reports GRAY
        ({"spf": "PASS"}, ""),  # SPF judges the envelope, which the forger picks
        ({"spf": "FAIL", "dmarc": "FAIL"}, ""),
        ({"dkim": "PASS"}, "dkim=pass header.i=@evil.test"),  # signed, but by someone else's domain
    ],
)
def test_spoofed_from_with_ticket_number_cannot_join_the_ticket(deliver, sent_mail, verdicts, hook):
    number = deliver(raw_mail(sender="max@customer.test"), verdicts=AUTHENTICATED).ticket_number
    headers = {"X-Local-Verdicts": hook} if hook else None
    by_subject = deliver(
        raw_mail(sender="max@customer.test", subject=f"Re: [#{number}]", headers=headers), verdicts=verdicts
    )
    by_plus = deliver(
        raw_mail(sender="max@customer.test", to=f"support+{number}@example.com", headers=headers),
        recipients=(f"support+{number}@example.com",),
        verdicts=verdicts,
    )
    assert number not in {by_subject.ticket_number, by_plus.ticket_number}
    assert by_subject.outcome == by_plus.outcome == "created"
    [note] = _automatic_notes(by_subject.ticket_number)
    assert f"refers to ticket #{number}, but its sender could not be verified" in note
    assert [m.kind for m in thread(number)].count("customer") == 1
    genuine = deliver(
        raw_mail(sender="max@customer.test", subject=f"Re: [#{number}]"), verdicts=AUTHENTICATED
    )
    assert (genuine.outcome, genuine.ticket_number) == ("appended", number)


def test_a_stranger_using_a_plus_address_gets_a_ticket_of_their_own(deliver):
    number = deliver(raw_mail(sender="ned@customer.test")).ticket_number
    stranger = deliver(
        raw_mail(sender="mallory@evil.test", to=f"support+{number}@example.com"),
        recipients=(f"support+{number}@example.com",),
    )
    assert stranger.outcome == "created" and stranger.ticket_number != number
    assert "mallory@evil.test" not in (Ticket.get(number).participants or set())


@pytest.mark.parametrize("source", ["", "<>"])  # SES's `mail.source`, and what the local SMTP receiver passes
def test_a_null_envelope_sender_gets_no_acknowledgement(deliver, sent_mail, source):
    before = len(sent_mail())
    result = deliver(raw_mail(sender="Holiday <ola@customer.test>", subject="Away"), envelope_sender=source)
    assert result.outcome == "created" and not result.acknowledged
    assert "null envelope sender" in result.note
    assert len(sent_mail()) == before


def test_mailboxes_added_by_an_admin_are_our_own_addresses(deliver, added_mailbox, sent_mail):
    before = len(sent_mail())
    result = deliver(raw_mail(sender=added_mailbox("partner-desk@example.com")))
    assert not result.acknowledged and "our own address" in result.note
    assert len(sent_mail()) == before


def test_virus_attachments_are_withheld_and_the_raw_mail_kept(deliver):
    raw = raw_mail(attachments=[("invoice.pdf.exe", "application/octet-stream", b"MZ evil")])
    result = deliver(raw, verdicts={"virus": "FAIL"})
    message = next(m for m in thread(result.ticket_number) if m.kind == "customer")
    assert message.attachments is None
    [note] = _automatic_notes(result.ticket_number)
    assert "withheld" in note and "invoice.pdf.exe" in note
    assert storage.get_object(message.raw_s3_key) == raw


def test_releasing_a_spam_ticket_through_the_api_puts_it_in_the_queue(deliver, admin, sent_mail, monkeypatch):
    from app import app
    from chalicelib.web import auth

    monkeypatch.setattr(auth, "authenticate", lambda header: admin)
    number = deliver(raw_mail(sender="oli@customer.test"), verdicts={"spam": "FAIL"}).ticket_number
    with Client(app) as api:
        version = api.http.get(f"/api/tickets/{number}").json_body["version"]
        released = api.http.patch(
            f"/api/tickets/{number}",
            body=json.dumps({"version": version, "status": "open"}),
            headers={"content-type": "application/json"},
        )
        assert (released.status_code, released.json_body["status"]) == (200, "open")
        answered = api.http.post(
            f"/api/tickets/{number}/replies",
            body=json.dumps({"body": "Sorry, our filter caught you."}),
            headers={"content-type": "application/json"},
        )
    assert answered.status_code == 201
    assert sent_mail()[-1]["To"].addresses[0].addr_spec == "oli@customer.test"
    assert [m.event.as_dict() for m in thread(number) if m.kind == "event"] == [
        {"type": "status", "from": "spam", "to": "open"}
    ]


def test_the_acknowledgement_leaves_the_version_agents_answer_against(deliver, admin, sent_mail):
    """An agent who opened the ticket before the acknowledgement was recorded can still reply."""
    from chalicelib.desk.agent_work import replies
    from chalicelib.desk.ticket.tickets import get_ticket

    result = deliver(raw_mail(sender="quick@customer.test", subject="Answered within a second"))
    assert result.acknowledged
    seen_when_listed = get_ticket(admin, result.ticket_number).version
    assert seen_when_listed == 1  # the version open_ticket wrote: the acknowledgement did not bump it
    replies.reply(admin, result.ticket_number, "Here you go.", version=seen_when_listed)
    assert [m.automatic for m in thread(result.ticket_number) if m.kind == "reply"] == [True, False]


def test_names_and_addresses_from_the_mail_are_quoted_and_capped_in_notes(deliver):
    """A sender picks attachment names and addresses: the help desk's notes quote them as the mail's
    words, without control or direction characters, and list only so many."""
    files = [(f"pay\u202efdp{n}.exe", "application/octet-stream", b"MZ") for n in range(47)]
    virus = deliver(raw_mail(attachments=files), verdicts={"virus": "FAIL"})
    [note] = _automatic_notes(virus.ticket_number)
    assert '"payfdp0.exe", "payfdp1.exe"' in note and note.endswith(" and 37 more.")
    assert "\u202e" not in note
    cc = ", ".join(f"x{n}@[192.0.2.{n}]" for n in range(30))
    copies = deliver(_raw(f"From: ida@customer.test\r\nCc: {cc}\r\nSubject: Many"), verdicts=AUTHENTICATED)
    [note] = _automatic_notes(copies.ticket_number)
    lines = note.splitlines()
    assert lines[0].startswith('The mail copied "x0@[192.0.2.0]", but replies cannot be sent to it')
    assert len(lines) == 11 and lines[-1] == "20 more copied addresses cannot be mailed either."
