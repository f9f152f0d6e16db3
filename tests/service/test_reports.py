"""Reports from tickets made by the real services: times, SLA verdicts, ratings, and who sees what."""

from __future__ import annotations

import pytest
from chalice.test import Client

from chalicelib.desk import reports
from chalicelib.desk.agent_work import replies
from chalicelib.desk.base.errors import Forbidden, InvalidRequest
from chalicelib.desk.portal import links, portal
from chalicelib.desk.setup import directory
from chalicelib.desk.setup.agents import AgentProfile
from chalicelib.models import Ticket
from tests.mailbuilder import AUTHENTICATED, raw_mail
from tests.service.agent_http import cookie

BILLING_ONLY = AgentProfile(email="bill@example.com", name="Bill", role="agent", teams=("Billing",))


def test_the_report_counts_answers_solves_breaches_and_ratings(fresh_tables, deliver, admin):
    answered = deliver(raw_mail(sender="r1@customer.test")).ticket_number
    replies.reply(admin, answered, "Done.", status="solved")
    portal.rate(links.survey_url(Ticket.get(answered), "good").split("/")[-2], "good")
    late = deliver(raw_mail(sender="r2@customer.test")).ticket_number
    ticket = Ticket.get(late)  # as the timer's RecordBreach would
    ticket.update(actions=[Ticket.sla_breached_first_response.set(ticket.sla_version)])
    deliver(raw_mail(sender="r3@customer.test"))
    after = reports.report(admin, 30, "Support").figures
    assert (after.created, after.solved) == (3, 1)
    assert (after.sla_met["first_response"], after.sla_breached["first_response"]) == (1, 1)
    assert (after.csat_good, after.csat_bad) == (1, 0)
    # Business minutes the answered ticket's clocks consumed: a fraction of a minute in working
    # hours, 0 outside them (the default calendar), so only known to exist.
    assert after.first_response_median is not None and after.resolution_median is not None


def test_agents_see_their_teams_only(fresh_tables, deliver, admin):
    deliver(raw_mail(sender="r4@customer.test"), recipients=("billing@example.com",))
    deliver(raw_mail(sender="r5@customer.test"))
    assert reports.report(BILLING_ONLY, 30).figures.created == 1
    assert reports.report(admin, 30).figures.created == 2
    assert reports.report(admin, 30, "Billing").figures.created == 1
    with pytest.raises(Forbidden):
        reports.report(BILLING_ONLY, 30, "Support")
    with pytest.raises(InvalidRequest):
        reports.report(admin, 31)


def test_the_api_and_page_render_it(fresh_tables, deliver, admin):
    from chalicelib.web.serialize import report_json

    deliver(raw_mail(sender="r6@customer.test"))
    report = reports.report(admin, 7)
    undecided = {"met": 0, "breached": 0, "attainment": None}
    assert report_json(report) == {
        "days": 7,
        "team": None,
        "since": report.since.isoformat().replace("+00:00", "Z"),
        "complete": True,
        "created": 1,
        "solved": 0,
        "first_response_minutes": {"median": None, "p90": None},
        "resolution_minutes": {"median": None, "p90": None},
        "sla": {"first_response": undecided, "next_response": undecided, "resolution": undecided},
        "csat": {"good": 0, "bad": 0, "score": None},
    }
    assert reports.report(admin, 90).figures.created == 1


@pytest.fixture
def reporting_team():
    """A team of its own (and a mailbox feeding it), so its report holds exactly this test's tickets."""
    team, address = "Reporting", "reporting@example.com"
    entries = [directory.entry("team", team), directory.entry("mailbox", address, team=team)]
    for item in entries:
        item.save()
    directory.forget()
    yield team, address
    for item in entries:
        item.delete()
    directory.forget()


def test_next_response_attainment_is_reported_per_ticket(
    deliver, admin, reporting_team, monkeypatch, signed_in, web_client
):
    from app import app
    from chalicelib.web import auth

    team, address = reporting_team

    def mail(sender: str, subject: str) -> int:
        raw = raw_mail(sender=sender, to=address, subject=subject)
        return deliver(raw, recipients=(address,), verdicts=AUTHENTICATED).ticket_number  # [#N] joins

    def answered_twice(sender: str, subject: str, breach_between: bool) -> int:
        number = mail(sender, subject)
        replies.reply(admin, number, "First answer.")
        assert mail(sender, f"Re: {subject} [#{number}]") == number  # a next response is owed now
        if breach_between:  # as the timer's RecordBreach would
            ticket = Ticket.get(number)
            ticket.update(actions=[Ticket.sla_breached_next_response.set(ticket.sla_version)])
        replies.reply(admin, number, "Second answer.", status=None if breach_between else "solved")
        return number

    answered_twice("nr1@customer.test", "In time", breach_between=False)
    answered_twice("nr2@customer.test", "Late", breach_between=True)
    waiting = mail("nr3@customer.test", "Still owed")
    replies.reply(admin, waiting, "First answer.")
    mail("nr3@customer.test", f"Re: Still owed [#{waiting}]")  # its next response is not decided yet
    mail("nr4@customer.test", "Unanswered")

    figures = reports.report(admin, 30, team).figures
    assert (figures.created, figures.solved) == (4, 1)
    assert (figures.sla_met["next_response"], figures.sla_breached["next_response"]) == (1, 1)
    assert figures.attainment("next_response") == 0.5
    assert (figures.sla_met["first_response"], figures.sla_breached["first_response"]) == (3, 0)
    assert (figures.sla_met["resolution"], figures.sla_breached["resolution"]) == (1, 0)

    monkeypatch.setattr(auth, "authenticate", lambda header: admin)
    with Client(app) as api:
        body = api.http.get(f"/api/reports?days=30&team={team}").json_body
    assert body["sla"]["next_response"] == {"met": 1, "breached": 1, "attainment": 0.5}
    assert body["sla"]["resolution"] == {"met": 1, "breached": 0, "attainment": 1.0}
    page = web_client.http.get(f"/reports?days=30&team={team}", headers=cookie()).body.decode()
    assert '<td id="sla-next-response">50 % (1 met, 1 breached)</td>' in page
    assert '<td id="sla-first-response">100 % (3 met, 0 breached)</td>' in page
