"""Snooze for real on the local runtime: the follow-up timer waits, SQS delivers, sla_events wakes
the ticket and mails the assignee; a customer's reply over SMTP wakes it first, and its timer then
does nothing (desk.follow_up)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.mailbuilder import raw_mail
from tests.runtime import Runtime, aws, call, outbox_messages, send_mail, started_runtime, wait_for

pytestmark = pytest.mark.e2e

SNOOZE_S = 4
WAKE_WITHIN_S = 30  # the wait, the SQS poll, the handler, the outbox


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    with started_runtime(tmp_path_factory.mktemp("helpdesk-follow-up-state")) as running:
        yield running


@pytest.fixture(scope="module")
def token(runtime: Runtime) -> str:
    status, body = call(
        runtime, "POST", "/api/session", {"email": runtime.admin_email, "password": runtime.admin_password}
    )
    assert status == 200, body
    return body["token"]


def open_assigned(runtime: Runtime, token: str, customer: str, message_id: str) -> int:
    """A ticket from `customer` over SMTP, assigned to the admin."""
    send_mail(runtime, raw_mail(sender=customer, message_id=message_id), customer, ["support@example.com"])

    def numbers() -> list[int]:
        status, body = call(runtime, "GET", f"/api/tickets?requester={customer}", token=token)
        assert status == 200, body
        return [t["number"] for t in body["items"]]

    [number] = wait_for(numbers)
    version = ticket(runtime, token, number)["version"]
    change = {"assignee": runtime.admin_email, "version": version}
    status, body = call(runtime, "PATCH", f"/api/tickets/{number}", change, token)
    assert status == 200, body
    return number


def ticket(runtime: Runtime, token: str, number: int) -> dict:
    status, body = call(runtime, "GET", f"/api/tickets/{number}", token=token)
    assert status == 200, body
    return body


def snooze_for(runtime: Runtime, token: str, number: int, seconds: int) -> dict:
    until = (datetime.now(UTC) + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    status, body = call(runtime, "POST", f"/api/tickets/{number}/snooze", {"until": until}, token)
    assert status == 200, body
    return body


def wake_mails(runtime: Runtime, number: int) -> list:
    return [m for m in outbox_messages(runtime) if m["Subject"].startswith(f"[#{number}] Wake-up")]


def history(runtime: Runtime, token: str, number: int) -> list[str]:
    return [m["body_text"] for m in ticket(runtime, token, number)["messages"] if m["kind"] == "event"]


def timer_ended(runtime: Runtime, number: int) -> bool:
    sfn = aws(runtime, "stepfunctions")
    machines = sfn.list_state_machines()["stateMachines"]
    [machine] = [m for m in machines if m["name"].endswith("-follow-up-timer")]
    ours = [
        e
        for e in sfn.list_executions(stateMachineArn=machine["stateMachineArn"])["executions"]
        if e["name"].startswith(f"ticket-{number}-wake-")
    ]
    return bool(ours) and all(e["status"] == "SUCCEEDED" for e in ours)


def test_a_snoozed_ticket_comes_back_open_and_the_assignee_is_told(runtime, token):
    number = open_assigned(runtime, token, "sleepy@customer.test", "<sleepy-1@customer.test>")
    snoozed = snooze_for(runtime, token, number, SNOOZE_S)
    assert snoozed["status"] == "pending" and snoozed["snoozed_until"]
    [mail] = wait_for(lambda: wake_mails(runtime, number), timeout=WAKE_WITHIN_S, interval=0.5)
    assert [a.addr_spec for a in mail["To"].addresses] == [runtime.admin_email]
    assert f"/tickets/{number}" in mail.get_body(("plain",)).get_content()
    woken = ticket(runtime, token, number)
    assert (woken["status"], woken["snoozed_until"]) == ("open", None)
    lines = history(runtime, token, number)
    assert any(line.startswith("Snoozed until") for line in lines)
    assert any(line.startswith("Woke up: snoozed until") for line in lines)
    assert f"Wake-up mailed to {runtime.admin_email}" in lines


def test_a_customer_reply_over_smtp_wakes_it_first_and_the_timer_then_does_nothing(runtime, token):
    message_id = "<early-bird-1@customer.test>"
    number = open_assigned(runtime, token, "early.bird@customer.test", message_id)
    snooze_for(runtime, token, number, SNOOZE_S + 2)
    reply = raw_mail(sender="early.bird@customer.test", subject="Re: news?", in_reply_to=message_id)
    send_mail(runtime, reply, "early.bird@customer.test", ["support@example.com"])
    wait_for(lambda: ticket(runtime, token, number)["status"] == "open", timeout=15)
    assert ticket(runtime, token, number)["snoozed_until"] is None
    # The timer still runs out and its event reaches sla_events, which finds the snooze over.
    wait_for(lambda: timer_ended(runtime, number), timeout=WAKE_WITHIN_S, interval=0.5)
    wait_for(lambda: "stale: the snooze was replaced or ended" in runtime.log(), timeout=10)
    lines = history(runtime, token, number)
    assert any(line.startswith("Woke up early: no longer snoozed until") for line in lines)
    assert not any(line.startswith("Woke up: snoozed until") for line in lines)
    assert wake_mails(runtime, number) == []
