"""Merging tickets: thread, people and future replies move to the target; the source closes."""

from __future__ import annotations

import json

import pytest
from chalice.test import Client

from chalicelib.desk.agent_work import merge, replies
from chalicelib.desk.base.errors import Conflict, InvalidRequest, NotFound
from chalicelib.desk.setup.agents import AgentProfile
from chalicelib.desk.ticket.tickets import thread
from chalicelib.models import ThreadIndex, Ticket
from tests.mailbuilder import AUTHENTICATED, raw_mail

BILLING_AGENT = AgentProfile(email="bea@example.com", name="Bea", role="agent", teams=("Billing",))


def _pair(deliver):
    source = deliver(
        raw_mail(sender="Ann <ann@customer.test>", subject="Printer jammed", cc="cy@customer.test"),
        verdicts=AUTHENTICATED,
    ).ticket_number
    target = deliver(raw_mail(sender="Bob <bob@customer.test>", subject="Printer broken")).ticket_number
    return source, target


def test_merge_moves_thread_people_and_future_replies(deliver, admin, sent_mail):
    source, target = _pair(deliver)
    reply = replies.reply(admin, source, "Have you tried turning it off?")
    customer_mail = thread(source)[0]
    before = [m.created_at for m in thread(source) if m.kind != "event"]

    merged = merge.merge(admin, source, target, Ticket.get(source).version)

    assert merged.number == target
    assert merged.participants == {"ann@customer.test", "cy@customer.test"}
    old = Ticket.get(source)
    assert (old.status, old.merged_into, old.queue) == ("closed", target, "closed")
    assert thread(source)[-1].body_text == f"Merged into #{target}"
    copied = [m for m in thread(target) if m.merged_from == source]
    assert [m.created_at for m in copied] == before
    assert copied[0].raw_s3_key == customer_mail.raw_s3_key  # stored mail reused, not copied
    assert [m.body_text for m in thread(target) if m.kind == "event"] == [
        f"#{source} merged into this ticket"
    ]
    # Every id the source's mail is indexed under now names the target ...
    for message_id in (customer_mail.message_id, reply.message_id):
        assert ThreadIndex.get(message_id).ticket_number == target
    assert ThreadIndex.get(f"<{reply.ses_message_id}@email.amazonses.com>".lower()).ticket_number == target
    # ... so the customer's answer to the old reply lands on the target.
    answer = raw_mail(sender="ann@customer.test", subject="Re: jammed", in_reply_to=reply.message_id)
    assert deliver(answer).ticket_number == target


def test_merge_does_not_carry_participants_the_requester_never_wrote_with(deliver, admin, sent_mail):
    source, target = _pair(deliver)  # Ann's mail copied Cy
    ack_id = next(m.message_id for m in thread(source) if m.kind == "reply")
    colleague = raw_mail(sender="sales@example.com", cc="zed@partner.test", in_reply_to=ack_id)
    deliver(colleague, verdicts=AUTHENTICATED)
    assert Ticket.get(source).participants == {"cy@customer.test", "sales@example.com", "zed@partner.test"}
    merged = merge.merge(admin, source, target, Ticket.get(source).version)
    assert merged.participants == {"ann@customer.test", "cy@customer.test"}
    replies.reply(admin, target, "Both fixed.")
    copied = {a.addr_spec for a in sent_mail()[-1]["Cc"].addresses}
    assert copied == {"ann@customer.test", "cy@customer.test"}


def test_subject_tag_and_plus_address_of_a_merged_ticket_reach_the_target(deliver, admin):
    source, target = _pair(deliver)
    merge.merge(admin, source, target, Ticket.get(source).version)
    by_subject = raw_mail(sender="cy@customer.test", subject=f"Still jammed [#{source}]", message_id="auto")
    assert deliver(by_subject, verdicts=AUTHENTICATED).ticket_number == target
    plus = raw_mail(sender="ann@customer.test", to=f"support+{source}@example.com", subject="again")
    recipients = (f"support+{source}@example.com",)
    assert deliver(plus, recipients=recipients, verdicts=AUTHENTICATED).ticket_number == target


def test_merge_chains_are_followed_but_capped(deliver, admin, monkeypatch):
    from chalicelib.desk.intake import inbound

    first, second = _pair(deliver)
    third = deliver(raw_mail(sender="ann@customer.test")).ticket_number
    merge.merge(admin, first, second, Ticket.get(first).version)
    merge.merge(admin, second, third, Ticket.get(second).version)
    by_subject = raw_mail(sender="ann@customer.test", subject=f"[#{first}]")
    assert deliver(by_subject, verdicts=AUTHENTICATED).ticket_number == third
    monkeypatch.setattr(inbound, "MAX_MERGE_HOPS", 2)
    # Two hops end on a closed ticket: the mail opens a follow-up instead of looping on.
    result = deliver(raw_mail(sender="ann@customer.test", subject=f"[#{first}]"), verdicts=AUTHENTICATED)
    assert result.outcome == "created" and Ticket.get(result.ticket_number).follow_up_of == second


def test_merge_is_refused_when_stale_closed_self_or_invisible(deliver, admin):
    source, target = _pair(deliver)
    version = Ticket.get(source).version
    with pytest.raises(InvalidRequest):
        merge.merge(admin, source, source, version)
    with pytest.raises(InvalidRequest):
        merge.merge(admin, source, target, None)
    with pytest.raises(NotFound):
        merge.merge(BILLING_AGENT, source, target, version)
    replies.add_note(admin, source, "a note does not change the version")
    replies.reply(admin, source, "but a reply does")
    with pytest.raises(Conflict):
        merge.merge(admin, source, target, version)
    merge.merge(admin, source, target, Ticket.get(source).version)
    other = deliver(raw_mail()).ticket_number
    with pytest.raises(InvalidRequest):  # the source is merged (closed) already: the race is lost
        merge.merge(admin, source, other, Ticket.get(source).version)
    with pytest.raises(InvalidRequest):  # nothing merges into a closed ticket
        merge.merge(admin, other, source, Ticket.get(other).version)


def test_a_long_thread_is_written_in_chunks(deliver, admin, monkeypatch):
    monkeypatch.setattr(merge, "TRANSACTION_ITEMS", 2)
    source, target = _pair(deliver)
    for n in range(4):
        replies.reply(admin, source, f"reply {n}")
    merge.merge(admin, source, target, Ticket.get(source).version)
    copied = [m for m in thread(target) if m.merged_from == source]
    assert [m.visible_text for m in copied if m.kind == "reply"] == [f"reply {n}" for n in range(4)]
    assert all(ThreadIndex.get(m.message_id).ticket_number == target for m in copied)


def test_merge_api_route(deliver, monkeypatch):
    from app import app
    from chalicelib.desk.setup.agents import load_agent
    from chalicelib.web import auth

    monkeypatch.setattr(auth, "authenticate", lambda header: load_agent("admin@example.com"))
    source, target = _pair(deliver)
    with Client(app) as client:

        def post(body):
            return client.http.post(
                f"/api/tickets/{source}/merge",
                body=json.dumps(body),
                headers={"content-type": "application/json"},
            )

        assert post({"into": target, "version": 0}).status_code == 409
        assert post({"into": "x", "version": Ticket.get(source).version}).status_code == 400
        response = post({"into": target, "version": Ticket.get(source).version})
        assert response.status_code == 200
        assert response.json_body["number"] == target
        shown = client.http.get(f"/api/tickets/{source}").json_body
        assert shown["merged_into"] == target and shown["status"] == "closed"
