"""Scheduled work on moto: auto-close of solved tickets and the daily digest per team zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.desk.agent_work import replies
from chalicelib.desk.service_levels import auto_close, digest
from chalicelib.desk.ticket import sla
from chalicelib.desk.ticket.records import utcnow
from chalicelib.desk.ticket.tickets import thread
from chalicelib.models import Ticket
from chalicelib.sla.policy import default_policy, policy_from_config
from tests.mailbuilder import raw_mail


def test_solved_tickets_close_after_the_grace_period_and_customers_are_told(
    fresh_tables, deliver, update, sent_mail
):
    solved = deliver(raw_mail(sender="sol@customer.test", subject="All done")).ticket_number
    update(solved, status="solved")
    still_open = deliver(raw_mail()).ticket_number
    assert auto_close.close_solved(utcnow()) == []  # solved just now: not yet
    before = len(sent_mail())
    assert auto_close.close_solved(utcnow() + timedelta(days=5)) == [solved]
    assert Ticket.get(solved).status == "closed"
    assert Ticket.get(still_open).status == "new"
    [mail] = sent_mail()[before:]
    assert (mail["To"], mail["Subject"]) == ("sol@customer.test", f"Re: All done [#{solved}]")
    assert (
        f'Your request #{solved} "All done" was solved and has now been closed.'
        in mail.get_body(("plain",)).get_content()
    )
    events = [m.event.as_dict() for m in thread(solved) if m.kind == "event"]
    assert events == [
        {"type": "status", "from": "new", "to": "solved"},
        {"type": "status", "from": "solved", "to": "closed"},
    ]
    assert auto_close.close_solved(utcnow() + timedelta(days=6)) == []  # once only


def test_machines_get_no_closing_notice_and_a_failed_one_stops_nothing(
    fresh_tables, deliver, update, sent_mail
):
    machine = deliver(raw_mail(sender="noreply@vendor.test")).ticket_number
    unmailable = deliver(raw_mail(sender="Jörg <jörg@exämple.test>")).ticket_number
    person = deliver(raw_mail(sender="closing.person@customer.test")).ticket_number
    for number in (machine, unmailable, person):
        update(number, status="solved")
    before = len(sent_mail())
    closed = auto_close.close_solved(utcnow() + timedelta(days=5))
    assert closed == [machine, unmailable, person]
    assert {Ticket.get(n).status for n in (machine, unmailable, person)} == {"closed"}
    assert [m["To"] for m in sent_mail()[before:]] == ["closing.person@customer.test"]


MONDAY_8_UTC = datetime(2031, 3, 3, 8, 5, tzinfo=UTC)  # a day no other test sends a digest on


@pytest.fixture
def tokyo_billing(monkeypatch):
    """Billing works Mon-Fri 09-17 in Tokyo; everyone else keeps the default (UTC)."""
    tokyo = policy_from_config(
        {"name": "tokyo", "teams": ["Billing"], "calendar": {"time_zone": "Asia/Tokyo"}}
    )
    monkeypatch.setattr(sla, "policies", lambda: (tokyo, default_policy()))


def test_digest_reaches_the_leads_at_eight_in_each_teams_zone_once_a_day(
    fresh_tables, deliver, sent_mail, tokyo_billing
):
    number = deliver(raw_mail(subject="Digest me")).ticket_number
    before = len(sent_mail())
    assert digest.send_digests(MONDAY_8_UTC - timedelta(hours=1)) == {}  # 07:05 in UTC, 16:05 in Tokyo
    assert digest.send_digests(MONDAY_8_UTC) == {"Support": 1}  # 17:05 in Tokyo
    assert digest.send_digests(MONDAY_8_UTC + timedelta(minutes=30)) == {}  # once a day
    assert digest.send_digests(MONDAY_8_UTC + timedelta(hours=15)) == {"Billing": 1}  # Tuesday 08:05 JST
    saturday_in_tokyo = MONDAY_8_UTC + timedelta(days=4, hours=15)
    assert digest.send_digests(saturday_in_tokyo) == {}  # Billing does not work on Saturdays
    [support] = [m for m in sent_mail()[before:] if m["Subject"] == "Daily digest: Support"]
    assert support["To"] == "Demo Admin <admin@example.com>"
    text = support.get_body(("plain",)).get_content()
    assert text.startswith("Team Support, Monday 03 March 2031")
    found = digest.team_digest("Support", MONDAY_8_UTC, oldest_count=1000)
    assert found.open == 1
    assert "Open: 1" in text
    assert [t.number for t, _ in found.oldest] == [number]


def test_waiting_longest_counts_from_the_customers_unanswered_message(fresh_tables, deliver, admin, update):
    first = deliver(raw_mail(subject="Asked first")).ticket_number
    second = deliver(raw_mail(subject="Asked second")).ticket_number
    answered = deliver(raw_mail(subject="Answered")).ticket_number
    replies.reply(admin, answered, "Here you go.")
    update(first, tags=["vip"])  # moves updated_at past the second's, not the wait
    assert Ticket.get(first).updated_at > Ticket.get(second).updated_at
    oldest = [t.number for t, _ in digest.team_digest("Support", utcnow(), oldest_count=1000).oldest]
    assert oldest == [first, second]  # and not `answered`: nobody waits for an answer on it
