"""Time rules on moto: pending for N business hours → a reminder, then solved; once per pending
stretch, version-checked, run by the hourly schedule."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from chalicelib.desk.rules import store, timed
from chalicelib.desk.ticket.tickets import thread
from chalicelib.models import Ticket
from tests.mailbuilder import raw_mail

pytestmark = pytest.mark.usefixtures("fresh_tables")
MONDAY_9 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # the default calendar: Mon-Fri 09:00-17:00 UTC
THURSDAY_9 = datetime(2026, 12, 10, 9, 5, tzinfo=UTC)  # 24 business hours later (and a little)
NEXT_FRIDAY_9 = datetime(2026, 12, 18, 9, 5, tzinfo=UTC)  # 72 business hours later (and a little)
REMIND = {
    "name": "Remind",
    "triggers": ["pending"],
    "after_hours": 24,
    "actions": [{"type": "send_template", "value": "reminder"}],
}
SOLVE = {
    "name": "Solve when silent",
    "triggers": ["pending"],
    "after_hours": 72,
    "actions": [{"type": "set_status", "value": "solved"}],
}


@pytest.fixture
def waiting(deliver, update, admin) -> int:
    """A ticket an agent set pending on Monday at 09:00, with the two time rules."""
    store.create(admin, REMIND)
    store.create(admin, SOLVE)
    with time_machine.travel(MONDAY_9):
        number = deliver(raw_mail(sender="silent@customer.test")).ticket_number
        update(number, status="pending")
    return number


def run_at(at: datetime) -> list[int]:
    """The hourly run at `at` with the clock there too, as in a deployment: what its actions write
    (a rule's mail and its event) is stamped by the clock, so the thread's order is the run's."""
    with time_machine.travel(at):
        return timed.run(at)


def rule_lines(number: int) -> list[str]:
    return [m.body_text for m in thread(number) if m.kind == "event" and m.body_text.startswith("Rule ")]


def to_customer(sent_mail) -> list:
    return [m for m in sent_mail() if "silent@customer.test" in str(m["To"])]


def test_remind_after_24_business_hours_then_solve_after_72(waiting, sent_mail):
    mails = len(to_customer(sent_mail))
    assert run_at(datetime(2026, 12, 9, 16, 0, tzinfo=UTC)) == []  # 23 business hours
    assert run_at(THURSDAY_9) == [waiting]
    ticket = Ticket.get(waiting)
    assert ticket.status == "pending"
    [reminder] = to_customer(sent_mail)[mails:]
    assert "We are waiting for your answer" in reminder.get_body(("plain",)).get_content()
    assert rule_lines(waiting) == ["Rule 'Remind' sent the mail template reminder"]
    assert run_at(THURSDAY_9) == []  # once per pending stretch
    assert run_at(NEXT_FRIDAY_9) == [waiting]
    solved = Ticket.get(waiting)
    assert solved.status == "solved"
    assert rule_lines(waiting)[-1] == "Rule 'Solve when silent' set status solved"
    assert len(to_customer(sent_mail)) == mails + 2  # the reminder, then the solved notice


def test_a_ticket_that_changed_meanwhile_is_left_alone(waiting, update):
    stale = Ticket.get(waiting)
    update(waiting, tags=["touched"])  # an agent, after the run read the ticket
    rules = [r for r in store.active() if r.after_hours]
    assert not timed._run(stale, rules, THURSDAY_9)
    assert rule_lines(waiting) == []
    assert Ticket.get(waiting).time_rules is None


def test_a_change_starts_a_new_stretch_and_a_customer_reply_ends_it(waiting, update, deliver):
    assert run_at(THURSDAY_9) == [waiting]
    with time_machine.travel(THURSDAY_9):
        update(waiting, tags=["asked-again"])  # still pending: the wait starts over
    assert run_at(datetime(2026, 12, 14, 9, 0, tzinfo=UTC)) == []  # 16 business hours after
    assert run_at(datetime(2026, 12, 15, 10, 0, tzinfo=UTC)) == [waiting]
    assert rule_lines(waiting).count("Rule 'Remind' sent the mail template reminder") == 2
    first = Ticket.get(waiting)
    deliver(raw_mail(sender="silent@customer.test", in_reply_to=first.last_inbound_message_id))
    assert Ticket.get(waiting).status == "open"
    assert run_at(datetime(2027, 1, 29, 9, 0, tzinfo=UTC)) == []


def test_the_hourly_schedule_runs_them(waiting):
    from chalicelib.handlers import schedules
    from local.invoke import LambdaContext
    from local.schedules import scheduled_event

    context = LambdaContext(function_name="daily_digest")
    context.start_attempt()
    with time_machine.travel(THURSDAY_9):
        result = schedules.daily_digest(scheduled_event("daily_digest", THURSDAY_9, "us-east-1"), context)
    assert result["time_rules"] == [waiting]
