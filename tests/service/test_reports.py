"""Reports from tickets made by the real services: times, SLA verdicts, ratings, and who sees what."""

from __future__ import annotations

import dataclasses

import pytest

from chalicelib.desk import links, portal, replies, reports
from chalicelib.desk.agents import AgentProfile
from chalicelib.desk.errors import Forbidden, InvalidRequest
from chalicelib.models import Ticket
from tests.mailbuilder import raw_mail

BILLING_ONLY = AgentProfile(email="bill@example.com", name="Bill", role="agent", teams=("Billing",))


def test_the_report_counts_answers_solves_breaches_and_ratings(deliver, admin):
    before = reports.report(admin, 30, "Support").figures
    answered = deliver(raw_mail(sender="r1@customer.test")).ticket_number
    replies.reply(admin, answered, "Done.", status="solved")
    portal.rate(links.survey_url(Ticket.get(answered), "good").split("/")[-2], "good")
    late = deliver(raw_mail(sender="r2@customer.test")).ticket_number
    ticket = Ticket.get(late)  # as the timer's RecordBreach would
    ticket.update(actions=[Ticket.sla_breached_first_response.set(ticket.sla_version)])
    deliver(raw_mail(sender="r3@customer.test"))
    after = reports.report(admin, 30, "Support").figures
    assert after.created - before.created == 3
    assert after.solved - before.solved == 1
    assert after.sla_met["first_response"] - before.sla_met["first_response"] == 1
    assert after.sla_breached["first_response"] - before.sla_breached["first_response"] == 1
    assert after.csat_good - before.csat_good == 1
    assert after.first_response_median is not None and after.resolution_median is not None


def test_agents_see_their_teams_only(deliver, admin):
    deliver(raw_mail(sender="r4@customer.test"), recipients=("billing@example.com",))
    mine = reports.report(BILLING_ONLY, 30)
    assert 0 < mine.figures.created <= reports.report(admin, 30).figures.created
    assert mine.figures.created == reports.report(admin, 30, "Billing").figures.created
    with pytest.raises(Forbidden):
        reports.report(BILLING_ONLY, 30, "Support")
    with pytest.raises(InvalidRequest):
        reports.report(admin, 31)


def test_the_api_and_page_render_it(deliver, admin):
    from chalicelib.web.serialize import report_json

    body = report_json(reports.report(admin, 7))
    assert body["created"] >= 1 and set(body["sla"]) == {"first_response", "resolution"}
    assert dataclasses.is_dataclass(reports.report(admin, 90).figures)
