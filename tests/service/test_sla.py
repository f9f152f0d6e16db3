"""The SLA clock wired to tickets on moto: stored state, timers started, events acted on."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from chalicelib.aws import client
from chalicelib.config import settings
from chalicelib.desk.agent_work import replies
from chalicelib.desk.base.errors import InvalidRequest
from chalicelib.desk.service_levels import escalation
from chalicelib.desk.service_levels.escalation import SlaEvent
from chalicelib.desk.ticket import sla, tickets
from chalicelib.desk.ticket.tickets import TicketFilter, thread
from chalicelib.models import Ticket
from chalicelib.sla.policy import default_policy, policy_from_config
from chalicelib.web.serialize import ticket_json
from tests.mailbuilder import AUTHENTICATED, raw_mail

ALWAYS_OPEN = {
    "time_zone": "UTC",
    "hours": {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
}


@pytest.fixture
def escalating_policy(monkeypatch):
    policy = policy_from_config(
        {
            "name": "escalating",
            "calendar": ALWAYS_OPEN,
            "escalation": {"notify_team_leads": True, "raise_priority": True, "escalation_team": "Billing"},
        }
    )
    monkeypatch.setattr(sla, "policies", lambda: (policy,))
    return policy


def executions(number: int) -> dict[str, dict]:
    sfn = client("stepfunctions")
    found = sfn.list_executions(stateMachineArn=settings().sla_state_machine_arn)["executions"]
    return {
        e["name"]: json.loads(sfn.describe_execution(executionArn=e["executionArn"])["input"])
        for e in found
        if e["name"].startswith(f"ticket-{number}-")
    }


def test_new_ticket_starts_first_response_and_resolution_timers(deliver):
    number = deliver(raw_mail()).ticket_number
    ticket = Ticket.get(number)
    summary = ticket_json(ticket)["sla"]
    assert set(summary["metrics"]) == {"first_response", "resolution"}
    assert summary["state"] == "ok"
    assert ticket.sla_due_at.isoformat().replace("+00:00", "Z") == summary["due_at"]
    started = executions(number)
    assert set(started) == {
        f"ticket-{number}-first_response-v{ticket.sla_version}",
        f"ticket-{number}-resolution-v{ticket.sla_version}",
    }
    timer = started[f"ticket-{number}-first_response-v{ticket.sla_version}"]
    assert (timer["table"], timer["queue_url"]) == (Ticket.Meta.table_name, settings().sla_queue_url)


def test_agent_reply_meets_first_response_and_rearms_the_rest(deliver, admin):
    number = deliver(raw_mail()).ticket_number
    before = Ticket.get(number)
    replies.reply(admin, number, "On it.")
    after = Ticket.get(number)
    assert after.sla_version == before.sla_version + 1
    assert ticket_json(after)["sla"]["metrics"]["first_response"]["state"] == "met"
    assert set(executions(number)) == {
        f"ticket-{number}-first_response-v{before.sla_version}",
        f"ticket-{number}-resolution-v{before.sla_version}",
        f"ticket-{number}-resolution-v{after.sla_version}",  # re-armed; first response is met
    }


def test_pending_pauses_every_clock_and_the_customer_resumes_it(deliver, admin, update):
    number = deliver(raw_mail(sender="pia@customer.test")).ticket_number
    update(number, status="pending")
    paused = Ticket.get(number)
    assert paused.sla_due_at == sla.NO_SLA_DUE
    metrics = ticket_json(paused)["sla"]["metrics"]
    assert set(metrics) == {"first_response", "resolution"}
    assert all(m == {"state": "paused", "warn_at": None, "due_at": None} for m in metrics.values())
    deliver(raw_mail(sender="pia@customer.test", subject=f"Re: [#{number}]"), verdicts=AUTHENTICATED)
    resumed = Ticket.get(number)
    assert resumed.status == "open"
    assert resumed.sla_due_at < sla.NO_SLA_DUE
    assert resumed.sla_version == paused.sla_version + 1


def test_priority_change_moves_the_due_time(deliver, update):
    number = deliver(raw_mail()).ticket_number
    normal = Ticket.get(number).sla_due_at
    update(number, priority="urgent")
    assert Ticket.get(number).sla_due_at < normal


def test_warning_is_recorded_once_and_notifies_the_team(deliver, sent_mail):
    number = deliver(raw_mail(subject="Slow answer")).ticket_number
    ticket = Ticket.get(number)
    event = SlaEvent("warning", number, "first_response", ticket.sla_version, "2026-11-23T10:00:00Z")
    before = len(sent_mail())
    assert escalation.handle(event) == "warning recorded, 1 notified"
    assert escalation.handle(event) == "duplicate: already handled"
    [notice] = sent_mail()[before:]
    assert notice["Subject"] == f"[#{number}] SLA warning: first response — Slow answer"
    assert notice["To"] == "Demo Admin <admin@example.com>"
    assert notice["Auto-Submitted"] == "auto-generated"
    events = [m.event.as_dict() for m in thread(number) if m.kind == "event"]
    assert [e["type"] for e in events].count("sla_warning") == 1
    notified = [e for e in events if e["type"] == "notified"]
    assert notified == [
        {"type": "notified", "alert": "warning", "metric": "first_response", "to": "admin@example.com"}
    ]


def test_stale_event_changes_nothing(deliver, admin):
    number = deliver(raw_mail()).ticket_number
    old_version = Ticket.get(number).sla_version
    replies.reply(admin, number, "Answered in time.")
    outcome = escalation.handle(
        SlaEvent("breach", number, "first_response", old_version, "2026-11-23T10:00:00Z")
    )
    assert outcome == "stale: the clock moved after the timer fired"
    assert "sla_breach" not in [m.event.as_dict()["type"] for m in thread(number) if m.kind == "event"]


def test_breach_applies_the_policy_escalation(deliver, escalating_policy, sent_mail):
    number = deliver(raw_mail(subject="Never answered")).ticket_number
    ticket = Ticket.get(number)
    before = len(sent_mail())
    escalation.handle(
        SlaEvent("breach", number, "first_response", ticket.sla_version, "2026-11-23T10:00:00Z")
    )
    escalated = Ticket.get(number)
    assert (escalated.priority, escalated.team) == ("high", "Billing")
    assert escalated.sla_version == ticket.sla_version + 1  # tighter targets: new timers
    # Written together (their keys may share an instant): compared in a fixed order.
    events = sorted((m.event.as_dict() for m in thread(number) if m.kind == "event"), key=json.dumps)
    assert events == sorted(
        [
            {"type": "sla_breach", "metric": "first_response"},
            {"type": "priority", "from": "normal", "to": "high"},
            {"type": "team", "from": "Support", "to": "Billing"},
            {"type": "notified", "alert": "breach", "metric": "first_response", "to": "admin@example.com"},
        ],
        key=json.dumps,
    )
    [notice] = sent_mail()[before:]
    assert notice["Subject"] == f"[#{number}] SLA breached: first response — Never answered"


def record_alert(number: int, alert: str, version: int) -> None:
    """What the state machine's Record* task does (the same UpdateItem)."""
    client("dynamodb").update_item(
        TableName=Ticket.Meta.table_name,
        Key={"number": {"N": str(number)}},
        UpdateExpression="SET #alert = :version ADD #item_version :one",
        ExpressionAttributeNames={"#alert": alert, "#item_version": "version"},
        ExpressionAttributeValues={":version": {"N": str(version)}, ":one": {"N": "1"}},
    )


def test_timers_armed_again_carry_on_after_a_warning_and_stop_after_a_breach(deliver):
    number = deliver(raw_mail()).ticket_number
    version = Ticket.get(number).sla_version
    record_alert(number, "sla_warned_first_response", version)
    ticket = Ticket.get(number)
    needed = dict(sla.timers(ticket, sla.state_of(ticket)))
    assert needed[f"ticket-{number}-first_response-v{version}"]["warn_at"] is None  # no second warning
    assert needed[f"ticket-{number}-resolution-v{version}"]["warn_at"] is not None
    record_alert(number, "sla_breached_first_response", version)
    ticket = Ticket.get(number)
    assert set(dict(sla.timers(ticket, sla.state_of(ticket)))) == {f"ticket-{number}-resolution-v{version}"}


def metric_states(number: int) -> dict[str, str]:
    return {m: v["state"] for m, v in ticket_json(Ticket.get(number))["sla"]["metrics"].items()}


def breach(number: int, metric: str = "first_response") -> str:
    version = Ticket.get(number).sla_version
    return escalation.handle(SlaEvent("breach", number, metric, version, "2026-11-23T10:00:00Z"))


@pytest.mark.parametrize("waiting", ["pending", "on_hold"])
def test_an_answer_while_waiting_is_kept_and_the_next_message_owes_a_next_response(
    deliver, admin, update, waiting
):
    number = deliver(raw_mail(sender="wait@customer.test")).ticket_number
    update(number, status=waiting)
    version = Ticket.get(number).sla_version
    replies.reply(admin, number, "Answered while it waits.")
    assert Ticket.get(number).sla_version == version  # no timer moved: nothing runs while waiting
    assert metric_states(number)["first_response"] == "met"
    deliver(raw_mail(sender="wait@customer.test", subject=f"Re: [#{number}]"), verdicts=AUTHENTICATED)
    assert metric_states(number) == {"first_response": "met", "next_response": "ok", "resolution": "ok"}


def test_solving_and_closing_a_waiting_ticket_stop_its_clocks(deliver, update):
    number = deliver(raw_mail()).ticket_number
    update(number, status="pending")
    update(number, status="solved")
    assert metric_states(number) == {"first_response": "paused", "resolution": "met"}
    update(number, status="closed")
    assert metric_states(number) == {"first_response": "met", "resolution": "met"}


@pytest.fixture
def tighter_when_raised(monkeypatch):
    """Each priority's targets half the one below (the defaults), escalation raises the priority."""
    policy = policy_from_config(
        {"name": "raising", "calendar": ALWAYS_OPEN, "escalation": {"raise_priority": True}}
    )
    monkeypatch.setattr(sla, "policies", lambda: (policy,))


def test_a_breach_raising_the_priority_does_not_arm_a_second_breach(deliver, tighter_when_raised):
    number = deliver(raw_mail()).ticket_number
    assert breach(number) == "breach recorded, 1 notified"
    raised = Ticket.get(number)
    assert raised.priority == "high"  # high's first response was due at 240 minutes, not 480
    assert metric_states(number)["first_response"] == "breached"
    assert raised.sla_version == 2
    assert set(executions(number)) == {
        f"ticket-{number}-first_response-v1",
        f"ticket-{number}-resolution-v1",
        f"ticket-{number}-resolution-v2",  # and no first response timer: it is breached already
    }
    events = [m.event.as_dict() for m in thread(number) if m.kind == "event"]
    recorded = sorted((e for e in events if e["type"] in ("sla_breach", "priority")), key=json.dumps)
    assert recorded == [
        {"type": "priority", "from": "normal", "to": "high"},
        {"type": "sla_breach", "metric": "first_response"},
    ]


def test_a_breached_metric_paused_and_resumed_gets_no_new_timer(deliver, update):
    number = deliver(raw_mail(sender="again@customer.test")).ticket_number
    breach(number)
    update(number, status="pending")
    deliver(raw_mail(sender="again@customer.test", subject=f"Re: [#{number}]"), verdicts=AUTHENTICATED)
    resumed = Ticket.get(number)
    assert resumed.sla_due_at < sla.NO_SLA_DUE
    armed = {name for name in executions(number) if name.endswith(f"-v{resumed.sla_version}")}
    assert armed == {f"ticket-{number}-resolution-v{resumed.sla_version}"}
    assert metric_states(number)["first_response"] == "breached"


@pytest.fixture
def billing_is_faster(monkeypatch):
    """Billing answers urgent-fast at every priority; the rest keeps the defaults."""
    fast = {p: {"first_response": 30, "next_response": 60, "resolution": 240} for p in ("low", "normal")}
    billing = policy_from_config(
        {"name": "billing", "teams": ["Billing"], "targets": fast | {"high": {}, "urgent": {}}}
    )
    monkeypatch.setattr(sla, "policies", lambda: (billing, default_policy()))


def test_moving_a_ticket_to_another_team_applies_that_teams_policy(deliver, update, billing_is_faster):
    number = deliver(raw_mail()).ticket_number
    before = Ticket.get(number)
    update(number, team="Billing")
    moved = Ticket.get(number)
    assert ticket_json(moved)["sla"]["policy"] == "billing"
    assert moved.sla_version == before.sla_version + 1
    assert moved.sla_due_at < before.sla_due_at
    armed = executions(number)[f"ticket-{number}-first_response-v{moved.sla_version}"]
    shown = ticket_json(moved)["sla"]
    assert armed["due_at"] == shown["metrics"]["first_response"]["due_at"] == shown["due_at"]
    assert moved.sla_due_at == datetime.fromisoformat(armed["due_at"])  # what the queue sorts by
    assert moved.sla_sort.startswith(moved.sla_due_at.strftime("%Y-%m-%dT%H:%M:%S.000000Z#"))


def test_an_escalation_to_another_team_applies_that_teams_policy(deliver, billing_is_faster, monkeypatch):
    to_billing = policy_from_config({"name": "to-billing", "escalation": {"escalation_team": "Billing"}})
    billing = sla.policies()[0]
    monkeypatch.setattr(sla, "policies", lambda: (billing, to_billing))
    number = deliver(raw_mail()).ticket_number
    breach(number, "resolution")
    escalated = ticket_json(Ticket.get(number))
    assert (escalated["team"], escalated["sla"]["policy"]) == ("Billing", "billing")
    assert escalated["sla"]["metrics"]["resolution"]["state"] == "breached"


def test_the_api_lists_a_status_in_sla_order(fresh_tables, deliver, admin, update):
    later = deliver(raw_mail(subject="Normal, first in")).ticket_number
    sooner = deliver(raw_mail(subject="Urgent, just in")).ticket_number
    update(sooner, priority="urgent")
    update(later, status="open")
    update(sooner, status="open")
    listed = []
    page = tickets.list_tickets(admin, TicketFilter(status="open"), limit=100, sort="sla")
    while True:
        listed += page.items
        if not page.next_cursor:
            break
        page = tickets.list_tickets(
            admin, TicketFilter(status="open"), cursor=page.next_cursor, limit=100, sort="sla"
        )
    assert [(t.number, t.status) for t in listed] == [(sooner, "open"), (later, "open")]
    assert [t.sla_sort for t in listed] == sorted(t.sla_sort for t in listed)


@pytest.mark.parametrize(
    "ticket_filter",
    [TicketFilter(), TicketFilter(team="Support"), TicketFilter(status="open", requester="a@b.test")],
)
def test_sla_order_needs_a_status_and_no_requester(admin, ticket_filter):
    with pytest.raises(InvalidRequest, match="sort=sla needs a status"):
        tickets.list_tickets(admin, ticket_filter, sort="sla")


def test_the_json_api_takes_the_sort(fresh_tables, deliver, monkeypatch):
    from chalice.test import Client

    from app import app
    from chalicelib.desk.setup.agents import load_agent
    from chalicelib.web import auth

    monkeypatch.setattr(auth, "authenticate", lambda header: load_agent("admin@example.com"))
    first = deliver(raw_mail(subject="Team queue")).ticket_number
    second = deliver(raw_mail(subject="Team queue, later")).ticket_number
    deliver(raw_mail(subject="Another team's"), recipients=("billing@example.com",))
    with Client(app) as client:
        listed = client.http.get("/api/tickets?status=new&team=Support&sort=sla&limit=20").json_body["items"]
        assert [(t["number"], t["status"], t["team"]) for t in listed] == [
            (first, "new", "Support"),  # same targets: the one waiting longer first
            (second, "new", "Support"),
        ]
        order = [Ticket.get(t["number"]).sla_sort for t in listed]  # as stored: what the index sorts by
        assert order == sorted(order)
        assert client.http.get("/api/tickets?sort=due").status_code == 400
