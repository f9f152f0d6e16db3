"""Snooze and due dates on moto: the write, the timer started, its event acted on once and only at
its own version, the customer's reply first, the due index's filters (desk.follow_up)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from chalicelib.aws import client
from chalicelib.config import settings
from chalicelib.desk.base.errors import InvalidRequest, NotFound
from chalicelib.desk.follow_up import due_dates, snooze
from chalicelib.desk.follow_up.events import FollowUpEvent, handle
from chalicelib.desk.setup.agents import AgentProfile
from chalicelib.desk.ticket.records import utcnow
from chalicelib.desk.ticket.tickets import thread
from chalicelib.handlers.sla import handle_record
from chalicelib.models import Ticket
from chalicelib.web.serialize import ticket_json
from tests.mailbuilder import raw_mail


def follow_up_timers(number: int) -> dict[str, dict]:
    sfn = client("stepfunctions")
    found = sfn.list_executions(stateMachineArn=settings().follow_up_state_machine_arn)["executions"]
    return {
        e["name"]: json.loads(sfn.describe_execution(executionArn=e["executionArn"])["input"])
        for e in found
        if e["name"].startswith(f"ticket-{number}-")
    }


def history(number: int) -> list[str]:
    return [m.body_text for m in thread(number) if m.kind == "event"]


@pytest.fixture
def assigned(deliver, update):
    """A new ticket from a customer, assigned to the admin; its number."""
    number = deliver(raw_mail()).ticket_number
    update(number, assignee="admin@example.com")
    return number


def wake_mail(sent_mail, number: int) -> list:
    return [m for m in sent_mail() if m["Subject"].startswith(f"[#{number}] Wake-up")]


def test_snooze_sets_pending_and_starts_a_timer_that_wakes_it_and_tells_the_assignee(
    assigned, admin, sent_mail
):
    until = (utcnow() + timedelta(hours=2)).replace(microsecond=0)
    snoozed = snooze.snooze(admin, assigned, until)
    assert (snoozed.status, snoozed.snoozed_until, snoozed.snooze_version) == ("pending", until, 1)
    assert ticket_json(snoozed)["snoozed_until"] == until.isoformat().replace("+00:00", "Z")
    started = follow_up_timers(assigned)[f"ticket-{assigned}-wake-v1"]
    assert started == {
        "ticket_number": assigned,
        "kind": "wake",
        "version": 1,
        "at": until.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "queue_url": settings().sla_queue_url,
    }
    with time_machine.travel(until + timedelta(seconds=1)):
        # As the SQS consumer gets it from the queue (the state machine's message body).
        body = {
            "type": "follow_up",
            "kind": "wake",
            "ticket_number": assigned,
            "version": 1,
            "at": started["at"],
        }
        outcome = handle_record(_record(json.dumps(body)))
    assert outcome == "woke, 1 told"
    woken = Ticket.get(assigned)
    assert (woken.status, woken.snoozed_until) == ("open", None)
    stamp = until.strftime("%Y-%m-%d %H:%M UTC")
    lines = history(assigned)
    assert lines[-5:-3] == ["Status changed from new to pending", f"Snoozed until {stamp}"]
    # The status change and the wake-up share their instant: either order.
    assert set(lines[-3:-1]) == {"Status changed from pending to open", f"Woke up: snoozed until {stamp}"}
    assert lines[-1] == "Wake-up mailed to admin@example.com"
    (mail,) = wake_mail(sent_mail, assigned)
    assert mail["To"].addresses[0].addr_spec == "admin@example.com"
    assert f"/tickets/{assigned}" in mail.get_body(("plain",)).get_content()
    # A redelivered event finds the snooze over: nothing changes, nobody is told twice.
    assert handle(FollowUpEvent("wake", assigned, 1)).startswith("stale")
    assert len(wake_mail(sent_mail, assigned)) == 1


def _record(body: str):
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

    return SQSRecord({"messageId": "m-1", "body": body, "attributes": {}, "messageAttributes": {}})


def test_a_resnoozed_ticket_keeps_only_its_latest_timer(assigned, admin, sent_mail):
    first = utcnow() + timedelta(hours=1)
    later = utcnow() + timedelta(days=1)
    snooze.snooze(admin, assigned, first)
    again = snooze.snooze(admin, assigned, later)
    assert again.snooze_version == 2
    assert {f"ticket-{assigned}-wake-v1", f"ticket-{assigned}-wake-v2"} <= set(follow_up_timers(assigned))
    assert "(was until" in history(assigned)[-1]
    before = Ticket.get(assigned).version
    assert handle(FollowUpEvent("wake", assigned, 1)).startswith("stale")
    stale = Ticket.get(assigned)
    assert (stale.status, stale.version, stale.snoozed_until) == ("pending", before, again.snoozed_until)
    assert wake_mail(sent_mail, assigned) == []
    assert handle(FollowUpEvent("wake", assigned, 2)) == "woke, 1 told"
    assert Ticket.get(assigned).status == "open"


def test_the_customers_reply_wakes_it_first_and_the_timer_then_does_nothing(
    deliver, update, admin, sent_mail
):
    message_id = f"<order-{utcnow().timestamp()}@customer.test>"
    number = deliver(raw_mail(sender="cy@customer.test", message_id=message_id)).ticket_number
    update(number, assignee="admin@example.com")
    snooze.snooze(admin, number, utcnow() + timedelta(days=3))
    reply = raw_mail(sender="cy@customer.test", subject="any news?", in_reply_to=message_id, body="Any news?")
    assert deliver(reply).ticket_number == number
    woken = Ticket.get(number)
    assert (woken.status, woken.snoozed_until, woken.snooze_version) == ("open", None, 1)
    assert any(line.startswith("Woke up early: no longer snoozed until") for line in history(number))
    assert handle(FollowUpEvent("wake", number, 1)).startswith("stale")
    assert Ticket.get(number).version == woken.version
    assert wake_mail(sent_mail, number) == []


def test_an_agent_changing_the_status_ends_the_snooze(assigned, admin, update):
    snooze.snooze(admin, assigned, utcnow() + timedelta(days=1))
    update(assigned, status="on_hold")
    assert Ticket.get(assigned).snoozed_until is None
    assert handle(FollowUpEvent("wake", assigned, 1)).startswith("stale")
    assert Ticket.get(assigned).status == "on_hold"


def test_snooze_refuses_the_past_more_than_a_year_and_closed_tickets(assigned, admin, update):
    now = utcnow()
    for until in (now - timedelta(minutes=1), now + timedelta(days=366)):
        with pytest.raises(InvalidRequest) as refused:
            snooze.snooze(admin, assigned, until, now=now)
        assert refused.value.details.get("field") == "until"
    update(assigned, status="closed")
    with pytest.raises(InvalidRequest):
        snooze.snooze(admin, assigned, now + timedelta(hours=1))
    outsider = AgentProfile(email="out@example.com", name="Out", role="agent", teams=("Billing",))
    with pytest.raises(NotFound):
        snooze.snooze(outsider, assigned, now + timedelta(hours=1))


def test_until_of_reads_quick_picks_and_local_times_in_the_agents_zone():
    berlin = AgentProfile(email="b@example.com", name="B", role="agent", teams=(), time_zone="Europe/Berlin")
    now = datetime(2026, 12, 8, 14, 0, tzinfo=UTC)
    assert snooze.until_of(berlin, "tomorrow", None, now) == datetime(2026, 12, 9, 8, 0, tzinfo=UTC)
    assert snooze.until_of(berlin, "", "2026-12-24T18:30", now) == datetime(2026, 12, 24, 17, 30, tzinfo=UTC)
    for pick, until in (("someday", None), (None, "soon"), (None, None)):
        with pytest.raises(InvalidRequest):
            snooze.until_of(berlin, pick, until, now)


# A fixed instant: 23:30 UTC on Tuesday 8 December 2026, still the 8th in New York, the 9th in Sydney.
NOW = datetime(2026, 12, 8, 23, 30, tzinfo=UTC)
NEW_YORK = AgentProfile(
    email="ny@example.com", name="NY", role="admin", teams=(), time_zone="America/New_York"
)
SYDNEY = AgentProfile(
    email="syd@example.com", name="Syd", role="admin", teams=(), time_zone="Australia/Sydney"
)


def test_due_today_and_overdue_are_bounded_queries_in_the_viewers_zone(
    fresh_tables, deliver, admin, update, requests_made
):
    numbers = {}
    for day in ("2026-12-07", "2026-12-08", "2026-12-09", "2026-12-10"):
        number = deliver(raw_mail()).ticket_number
        due_dates.set_due_date(admin, number, date.fromisoformat(day), now=NOW)
        numbers[day] = number
    done = deliver(raw_mail()).ticket_number
    due_dates.set_due_date(admin, done, date(2026, 12, 8), now=NOW)
    update(done, status="solved")  # finished work leaves the due index
    assert Ticket.get(done).due_scope is None
    undated = deliver(raw_mail()).ticket_number

    def listed(agent, which):
        return [t.number for t in due_dates.list_due(agent, which, now=NOW).items]

    with requests_made.measure() as made:
        today_in_new_york = listed(NEW_YORK, "today")
    assert made["dynamodb:Query"] == 1 and "dynamodb:Scan" not in made
    assert today_in_new_york == [numbers["2026-12-08"]]
    assert listed(NEW_YORK, "overdue") == [numbers["2026-12-07"]]
    assert listed(SYDNEY, "today") == [numbers["2026-12-09"]]
    assert listed(SYDNEY, "overdue") == [numbers["2026-12-07"], numbers["2026-12-08"]]
    assert undated not in listed(SYDNEY, "overdue")
    billing = AgentProfile(email="bi@example.com", name="Bi", role="agent", teams=("Billing",))
    assert listed(billing, "overdue") == []  # Support's tickets are not Billing's to see
    # Clearing the date takes the ticket out of the filters.
    due_dates.set_due_date(admin, numbers["2026-12-07"], None, now=NOW + timedelta(minutes=1))
    assert listed(NEW_YORK, "overdue") == []
    assert history(numbers["2026-12-07"])[-1] == "Due date cleared (was 2026-12-07)"
    assert history(numbers["2026-12-10"])[-1] == "Due date set to 2026-12-10"


def test_the_due_reminder_goes_on_the_morning_once_and_only_for_the_latest_date(assigned, admin, sent_mail):
    later = (utcnow() + timedelta(days=5)).date()
    dated = due_dates.set_due_date(admin, assigned, later)
    assert (dated.due_date, dated.due_version, dated.due_scope) == (later.isoformat(), 1, "due")
    timer = follow_up_timers(assigned)[f"ticket-{assigned}-due-v1"]
    assert timer["at"] == f"{later.isoformat()}T09:00:00Z"  # the admin's zone is UTC
    assert handle(FollowUpEvent("due", assigned, 1)) == "reminded, 1 told"
    assert history(assigned)[-2:] == [
        f"Reminder: due today ({later.isoformat()})",
        "Due-date reminder mailed to admin@example.com",
    ]
    assert handle(FollowUpEvent("due", assigned, 1)) == "duplicate: already reminded"
    reminders = [m for m in sent_mail() if m["Subject"].startswith(f"[#{assigned}] Due-date reminder")]
    assert len(reminders) == 1
    moved = due_dates.set_due_date(admin, assigned, later + timedelta(days=1))
    assert moved.due_version == 2
    assert handle(FollowUpEvent("due", assigned, 1)).startswith("stale")


def test_a_due_date_whose_morning_passed_gets_no_reminder_timer(assigned, admin):
    due_dates.set_due_date(admin, assigned, (utcnow() - timedelta(days=2)).date())
    assert not [name for name in follow_up_timers(assigned) if "-due-" in name]


def test_due_of_reads_a_date_or_clears():
    assert due_dates.due_of("2026-12-24") == date(2026, 12, 24)
    assert due_dates.due_of(None) is None and due_dates.due_of("") is None
    for bad in ("24.12.2026", 20261224, "2026-13-01"):
        with pytest.raises(InvalidRequest) as refused:
            due_dates.due_of(bad)
        assert refused.value.details.get("field") == "due_date"


@pytest.fixture
def api_agent(signed_in, monkeypatch):
    """`Authorization: Bearer agent:<email>` stands for a verified ID token, as the cookie does."""
    from chalicelib.web import auth, session

    monkeypatch.setattr(auth, "agent_for_token", session.agent_for_token)
    return {"authorization": "Bearer agent:admin@example.com", "content-type": "application/json"}


def test_the_json_api_snoozes_sets_due_dates_and_lists_them(web_client, api_agent, assigned):
    snoozed = web_client.http.post(
        f"/api/tickets/{assigned}/snooze", body=json.dumps({"pick": "next_monday"}), headers=api_agent
    )
    assert snoozed.status_code == 200
    body = json.loads(snoozed.body)
    assert body["status"] == "pending" and body["snoozed_until"].endswith("T09:00:00Z")  # the admin: UTC
    assert datetime.fromisoformat(body["snoozed_until"]).weekday() == 0
    refused = web_client.http.post(
        f"/api/tickets/{assigned}/snooze", body=json.dumps({"until": "whenever"}), headers=api_agent
    )
    assert refused.status_code == 400 and json.loads(refused.body)["field"] == "until"
    overdue = (utcnow() - timedelta(days=3)).date().isoformat()
    dated = web_client.http.put(
        f"/api/tickets/{assigned}/due-date", body=json.dumps({"due_date": overdue}), headers=api_agent
    )
    assert dated.status_code == 200 and json.loads(dated.body)["due_date"] == overdue
    listed = json.loads(web_client.http.get("/api/tickets?due=overdue&limit=100", headers=api_agent).body)
    assert assigned in [t["number"] for t in listed["items"]]
    bad = web_client.http.get("/api/tickets?due=someday", headers=api_agent)
    assert bad.status_code == 400
    unsigned = web_client.http.post(
        f"/api/tickets/{assigned}/snooze", body="{}", headers={"content-type": "application/json"}
    )
    assert unsigned.status_code == 401


def test_the_ticket_page_snoozes_and_dates_and_the_queue_shows_both(web_client, signed_in, assigned):
    from tests.service.agent_http import cookie, csrf_of, post

    page = web_client.http.get(f"/tickets/{assigned}", headers=cookie()).body.decode()
    assert 'name="pick" value="tomorrow"' in page and 'type="datetime-local"' in page
    csrf = csrf_of(page)
    assert (
        post(web_client, f"/tickets/{assigned}/snooze", {"csrf": "forged", "pick": "tomorrow"}).status_code
        == 403
    )
    assert Ticket.get(assigned).snoozed_until is None
    day = (utcnow() + timedelta(days=30)).date()
    done = post(
        web_client, f"/tickets/{assigned}/snooze", {"csrf": csrf, "pick": "", "until": f"{day}T10:15"}
    )
    assert done.status_code == 303
    assert Ticket.get(assigned).snoozed_until == datetime(day.year, day.month, day.day, 10, 15, tzinfo=UTC)
    past = (utcnow() - timedelta(days=3)).date().isoformat()  # overdue at any instant the test runs
    assert (
        post(web_client, f"/tickets/{assigned}/due-date", {"csrf": csrf, "due_date": past}).status_code == 303
    )
    shown = web_client.http.get(f"/tickets/{assigned}", headers=cookie()).body.decode()
    assert "Snoozed until" in shown and f'value="{past}"' in shown
    queue = web_client.http.get("/queues/overdue", headers=cookie()).body.decode()
    assert (
        f"/tickets/{assigned}" in queue
        and f'class="due overdue">{past}' in queue
        and f"until {day.day} {day:%b %Y} 10:15" in queue
    )
    assert post(web_client, f"/tickets/{assigned}/due-date", {"csrf": csrf, "clear": "1"}).status_code == 303
    assert Ticket.get(assigned).due_date is None
