"""SLA timers for real on the local runtime: Step Functions waits, SQS delivers, sla_events acts.

A runtime of its own, on a calendar that never closes with a warning at half time. Mail to support@
gets one business minute at every priority: a warning after 30 s, a breach after 60 s; the three
tickets of the first test run side by side (about 70 s). Mail to billing@ gets two minutes at low
and normal, one at high and urgent, and a breach raises the priority: the escalated ticket's
targets were already due, yet each target is announced once (about 130 s).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.mailbuilder import raw_mail
from tests.runtime import Runtime, aws, call, outbox_messages, send_mail, started_runtime, wait_for

pytestmark = pytest.mark.e2e

ALWAYS_OPEN = {
    "time_zone": "UTC",
    "hours": {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
}
ONE_MINUTE = {"first_response": 1, "next_response": 1, "resolution": None}
POLICY = {
    "name": "e2e-one-minute",
    "warn_at": 0.5,
    "calendar": ALWAYS_OPEN,
    "targets": {priority: ONE_MINUTE for priority in ("low", "normal", "high", "urgent")},
    "escalation": {"notify_team_leads": True, "raise_priority": True, "escalation_team": "Billing"},
}
TWO_MINUTES = {"first_response": 2, "next_response": 2, "resolution": 2}
ONE_MINUTE_EACH = {"first_response": 1, "next_response": 1, "resolution": 1}
TIGHTER_WHEN_RAISED = {
    "name": "e2e-tighter-when-raised",
    "mailboxes": ["billing@example.com"],
    "warn_at": 0.5,
    "calendar": ALWAYS_OPEN,
    "targets": {
        "low": TWO_MINUTES,
        "normal": TWO_MINUTES,
        "high": ONE_MINUTE_EACH,
        "urgent": ONE_MINUTE_EACH,
    },
    "escalation": {"notify_team_leads": True, "raise_priority": True},
}
WARNING_WITHIN_S = 45  # due at 30 s (whole seconds, rounded up), then SQS poll, handler, outbox
BREACH_WITHIN_S = 45  # 30 s after the warning
CASCADE_WITHIN_S = 160  # both breaches at 120 s, the second once the first raised the priority


# What the sla_events handler records and mails (desk/service_levels/escalation.py): adjust here only.
def warning_subject(number: int, subject: str) -> str:
    return f"[#{number}] SLA warning: first response — {subject}"


def breach_subject(number: int, subject: str) -> str:
    return f"[#{number}] SLA breached: first response — {subject}"


# Nobody is assigned: the warning goes to the team, the breach to the leads; the admin is both.
NOTIFIED = "admin@example.com"


def announced(kind: str, metric: str) -> list[dict]:
    """The events of one warning or breach: recorded, and who was mailed."""
    return [
        {"type": f"sla_{kind}", "metric": metric},
        {"type": "notified", "alert": kind, "metric": metric, "to": NOTIFIED},
    ]


WARNING_EVENTS = announced("warning", "first_response")
BREACH_EVENTS = [
    *announced("breach", "first_response"),
    {"type": "priority", "from": "normal", "to": "high"},
    {"type": "team", "from": "Support", "to": "Billing"},
]
ESCALATED = {"priority": "high", "team": "Billing"}
# Each target warned and breached once; each breach raised the priority one step.
CASCADE_EVENTS = [
    *(e for m in ("first_response", "resolution") for k in ("warning", "breach") for e in announced(k, m)),
    {"type": "priority", "from": "normal", "to": "high"},
    {"type": "priority", "from": "high", "to": "urgent"},
]


@pytest.fixture(scope="module")
def sla_runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    env = {
        "HELPDESK_SLA_POLICIES": json.dumps([TIGHTER_WHEN_RAISED, POLICY]),
        # West of UTC on purpose: moto's Wait compares UTC with local naive time, so a runtime that
        # stopped forcing TZ=UTC would wait hours here instead of seconds.
        "TZ": "America/New_York",
    }
    with started_runtime(tmp_path_factory.mktemp("helpdesk-sla-state"), env) as running:
        yield running


@pytest.fixture(scope="module")
def token(sla_runtime: Runtime) -> str:
    status, body = call(
        sla_runtime,
        "POST",
        "/api/session",
        {"email": sla_runtime.admin_email, "password": sla_runtime.admin_password},
    )
    assert status == 200, body
    return body["token"]


def open_ticket(
    runtime: Runtime, token: str, customer: str, subject: str, mailbox: str = "support@example.com"
) -> int:
    send_mail(runtime, raw_mail(sender=customer, subject=subject, to=mailbox), customer, [mailbox])

    def ticket_numbers() -> list[int]:
        status, body = call(runtime, "GET", f"/api/tickets?requester={customer}", token=token)
        assert status == 200, body
        return [t["number"] for t in body["items"]]

    [number] = wait_for(ticket_numbers)
    return number


def ticket(runtime: Runtime, token: str, number: int) -> dict:
    status, body = call(runtime, "GET", f"/api/tickets/{number}", token=token)
    assert status == 200, body
    return body


def events(runtime: Runtime, token: str, number: int) -> list[dict]:
    """The ticket's events, in a stable order (one transaction's events share a timestamp)."""
    found = [m["event"] for m in ticket(runtime, token, number)["messages"] if m["kind"] == "event"]
    return sorted(found, key=json.dumps)


def sla_mails(runtime: Runtime, number: int) -> list:
    return [m for m in outbox_messages(runtime) if f"[#{number}]" in m["Subject"] and "SLA" in m["Subject"]]


def recipients(mail) -> list[str]:
    return [address.addr_spec for address in mail["To"].addresses]


def timers_done(runtime: Runtime, numbers: list[int]) -> bool:
    """Every timer execution of these tickets ended and the SLA queue is empty (nothing in flight)."""
    sfn, sqs = aws(runtime, "stepfunctions"), aws(runtime, "sqs")
    [machine] = [m for m in sfn.list_state_machines()["stateMachines"] if m["name"].endswith("-sla-timer")]
    executions = sfn.list_executions(stateMachineArn=machine["stateMachineArn"])["executions"]
    ours = [e for e in executions if any(e["name"].startswith(f"ticket-{n}-") for n in numbers)]
    queue = sqs.get_queue_url(QueueName="helpdesk-local-sla-events")["QueueUrl"]
    depth = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    in_queue = int(depth["ApproximateNumberOfMessages"]) + int(depth["ApproximateNumberOfMessagesNotVisible"])
    return bool(ours) and all(e["status"] != "RUNNING" for e in ours) and in_queue == 0


def test_unanswered_ticket_warns_then_breaches_and_escalates_answered_and_pending_ones_stay_quiet(
    sla_runtime, token
):
    late = open_ticket(sla_runtime, token, "late.sla@customer.test", "Nobody answers")
    answered = open_ticket(sla_runtime, token, "answered.sla@customer.test", "Answered at once")
    paused = open_ticket(sla_runtime, token, "paused.sla@customer.test", "Waiting on me")
    status, body = call(sla_runtime, "POST", f"/api/tickets/{answered}/replies", {"body": "On it."}, token)
    assert status == 201, body
    version = ticket(sla_runtime, token, paused)["version"]
    status, body = call(
        sla_runtime, "PATCH", f"/api/tickets/{paused}", {"status": "pending", "version": version}, token
    )
    assert status == 200, body

    [warning] = wait_for(lambda: sla_mails(sla_runtime, late), timeout=WARNING_WITHIN_S, interval=0.5)
    assert warning["Subject"] == warning_subject(late, "Nobody answers")
    assert recipients(warning) == [NOTIFIED]
    wait_for(lambda: events(sla_runtime, token, late) == sorted(WARNING_EVENTS, key=json.dumps), timeout=5)

    breach = wait_for(lambda: sla_mails(sla_runtime, late)[1:], timeout=BREACH_WITHIN_S, interval=0.5)
    assert [m["Subject"] for m in breach] == [breach_subject(late, "Nobody answers")]
    assert recipients(breach[0]) == [NOTIFIED]
    expected = sorted(WARNING_EVENTS + BREACH_EVENTS, key=json.dumps)
    wait_for(lambda: events(sla_runtime, token, late) == expected, timeout=5)
    escalated = ticket(sla_runtime, token, late)
    assert {key: escalated[key] for key in ESCALATED} == ESCALATED

    wait_for(lambda: timers_done(sla_runtime, [answered, paused]), timeout=10)
    for quiet in (answered, paused):
        assert sla_mails(sla_runtime, quiet) == []
        assert [e for e in events(sla_runtime, token, quiet) if e["type"].startswith("sla_")] == []


def test_an_escalation_to_tighter_targets_announces_each_target_once_per_cycle(sla_runtime, token):
    number = open_ticket(
        sla_runtime, token, "cascade.sla@customer.test", "Nobody answers, twice", "billing@example.com"
    )
    wait_for(lambda: len(sla_mails(sla_runtime, number)) >= 4, timeout=CASCADE_WITHIN_S, interval=0.5)
    wait_for(lambda: timers_done(sla_runtime, [number]), timeout=20)
    mails = sla_mails(sla_runtime, number)
    assert sorted(m["Subject"].split(" — ")[0] for m in mails) == [
        f"[#{number}] SLA breached: first response",
        f"[#{number}] SLA breached: resolution",
        f"[#{number}] SLA warning: first response",
        f"[#{number}] SLA warning: resolution",
    ]
    assert all(recipients(m) == [NOTIFIED] for m in mails)
    assert events(sla_runtime, token, number) == sorted(CASCADE_EVENTS, key=json.dumps)
    final = ticket(sla_runtime, token, number)
    assert final["priority"] == "urgent"
    assert {m: v["state"] for m, v in final["sla"]["metrics"].items()} == {
        "first_response": "breached",
        "resolution": "breached",
    }
