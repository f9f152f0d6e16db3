"""Scheduled work on moto: auto-close of solved tickets and the daily digest."""

from __future__ import annotations

from datetime import timedelta

from chalicelib.desk import housekeeping
from chalicelib.desk.records import utcnow
from chalicelib.desk.tickets import thread
from chalicelib.models import Ticket
from tests.mailbuilder import raw_mail


def test_solved_tickets_close_after_the_grace_period_and_customers_are_told(deliver, update, sent_mail):
    solved = deliver(raw_mail(sender="sol@customer.test")).ticket_number
    update(solved, status="solved")
    still_open = deliver(raw_mail()).ticket_number
    assert solved not in housekeeping.auto_close(utcnow())  # solved just now: not yet
    before = len(sent_mail())
    closed = housekeeping.auto_close(utcnow() + timedelta(days=5))
    assert solved in closed
    assert still_open not in closed
    assert Ticket.get(solved).status == "closed"
    assert Ticket.get(still_open).status == "new"
    [mail] = [m for m in sent_mail()[before:] if "sol@customer.test" in m["To"]]
    assert f"[#{solved}]" in mail["Subject"]
    assert "closed" in mail.get_body(("plain",)).get_content()
    events = [m.event.as_dict() for m in thread(solved) if m.kind == "event"]
    assert {"type": "status", "from": "solved", "to": "closed"} in events
    assert solved not in housekeeping.auto_close(utcnow() + timedelta(days=6))  # once only


def test_digest_reaches_the_leads_with_counts_and_the_longest_waiting(deliver, sent_mail):
    number = deliver(raw_mail(subject="Digest me")).ticket_number
    before = len(sent_mail())
    sent = housekeeping.send_digests(utcnow())
    assert sent == {"Support": 1, "Billing": 1}
    [support] = [m for m in sent_mail()[before:] if m["Subject"] == "Daily digest: Support"]
    assert "admin@example.com" in support["To"]
    text = support.get_body(("plain",)).get_content()
    digest = housekeeping.team_digest("Support", utcnow())
    assert f"Waiting for an answer: {digest.waiting}" in text
    assert digest.waiting >= 1
    assert any(t.number == number for t in Ticket.team_status_index.query("Support#new"))
