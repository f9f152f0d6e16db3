"""The one ticket transition: every field, the queue keys it keeps, the clock, the events; no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.desk.setup.agents import AgentProfile
from chalicelib.desk.ticket import sla, transition
from chalicelib.desk.ticket.queue_keys import queue_order, view_keys
from chalicelib.desk.ticket.records import PRIORITIES, STATUSES
from chalicelib.models import Ticket

OPENED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning
AT = OPENED + timedelta(hours=1)
ADA = AgentProfile(email="ada@example.com", name="Ada", role="agent", teams=("Support", "Billing"))
VIEW_KEYS = frozenset(view_keys("open", "Support", None))
TOUCH = frozenset({"updated_at", "sla_sort"})
CLOCK = frozenset({"sla", "sla_version", "sla_due_at"})


def ticket(status: str = "new", team: str = "Support", assignee: str | None = None) -> Ticket:
    opened = Ticket(
        number=7,
        subject="Where is my order?",
        status="new",
        priority="normal",
        requester_email="jo@customer.test",
        mailbox="support@example.com",
        team=team,
        assignee=assignee,
        **view_keys("new", team, assignee),
        created_at=OPENED,
        updated_at=OPENED,
    )
    sla.start(opened, OPENED)
    if status != "new":  # as a writer left it: status, keys and clock moved together
        moved = transition.change(opened, OPENED, None, status=status)
        opened = applied(opened, moved)
    return opened


def written(actions: list[Any]) -> dict[str, Any]:
    """Attribute -> the value an UpdateItem of these actions writes (None: removed)."""
    values: dict[str, Any] = {}
    for action in actions:
        name = action.values[0].path[0]
        if type(action).__name__ == "RemoveAction":
            values[name] = None
        else:
            (value,) = action.values[1].value.values()
            values[name] = value
    return values


def applied(before: Ticket, moved: transition.Transition) -> Ticket:
    """The ticket as the update leaves it (the clock from the step, the rest from the actions)."""
    after = Ticket(**before.attribute_values)
    for name, value in written(moved.actions).items():
        if name in CLOCK:
            continue
        setattr(after, name, None if value is None else Ticket.get_attributes()[name].deserialize(value))
    after.sla = moved.sla_step.state.to_dict()
    after.sla_version = moved.sla_step.state.version
    after.sla_due_at = moved.sla_step.due_at
    return after


def events(moved: transition.Transition) -> list[dict[str, str]]:
    return [message.event.as_dict() for message in moved.events]


def test_a_status_change_writes_the_status_its_keys_its_clock_and_one_event():
    moved = transition.change(ticket(), AT, ADA, status="pending")
    values = written(moved.actions)
    assert values["status"] == "pending"
    assert {name: values[name] for name in VIEW_KEYS} == view_keys("pending", "Support", None)
    assert set(values) == {"status", *VIEW_KEYS, *TOUCH, *CLOCK}
    assert values["sla_sort"] == queue_order(moved.sla_step.due_at, AT)
    assert applied(ticket(), moved).updated_at == AT
    assert events(moved) == [{"type": "status", "from": "new", "to": "pending"}]
    assert [(m.from_email, m.created_at, m.ticket_number) for m in moved.events] == [(ADA.email, AT, 7)]
    assert moved.changed
    # Pending pauses the clock: the step is the one the status change alone makes.
    alone = sla.step(ticket(), sla.status_changed(ticket(), "new", "pending", AT))
    assert (moved.sla_step.state, moved.sla_step.due_at) == (alone.state, alone.due_at)


def test_team_assignee_and_priority_each_write_their_field_and_event():
    start = ticket("open", assignee="bea@example.com")
    moved = transition.change(start, AT, ADA, team="Billing", assignee=None, priority="urgent")
    values = written(moved.actions)
    assert (values["team"], values["assignee"], values["priority"]) == ("Billing", None, "urgent")
    assert {name: values[name] for name in VIEW_KEYS} == view_keys("open", "Billing", None)
    assert "status" not in values
    assert events(moved) == [
        {"type": "priority", "from": "normal", "to": "urgent"},
        {"type": "team", "from": "Support", "to": "Billing"},
        {"type": "assignee", "from": "bea@example.com", "to": ""},
    ]
    # A new priority moves the clock's targets: a new version, timers to arm.
    assert moved.sla_step.moved and int(values["sla_version"]) == moved.sla_step.state.version


def test_assigning_writes_the_assignee_and_its_queue_keys():
    moved = transition.change(ticket("open"), AT, ADA, assignee=ADA.email)
    values = written(moved.actions)
    assert values["assignee"] == ADA.email
    assert (values["assignee_queue"], values["unassigned"]) == (f"{ADA.email}#open", None)
    assert events(moved) == [{"type": "assignee", "from": "", "to": ADA.email}]


def test_a_priority_change_alone_leaves_the_queue_keys_alone():
    values = written(transition.change(ticket("open"), AT, None, priority="high").actions)
    assert values["priority"] == "high"
    assert not VIEW_KEYS & set(values)


def test_nothing_to_change_is_a_touch_only():
    start = ticket("open", assignee=ADA.email)
    for moved in (
        transition.change(start, AT, ADA),
        transition.change(
            start, AT, ADA, status="open", team="Support", assignee=ADA.email, priority="normal"
        ),
    ):
        assert not moved.changed
        assert moved.events == []
        assert set(written(moved.actions)) == TOUCH
        assert not moved.sla_step.moved


def test_keep_leaves_the_assignee_and_none_unassigns():
    start = ticket("open", assignee=ADA.email)
    assert "assignee" not in written(transition.change(start, AT, None, status="pending").actions)
    assert written(transition.change(start, AT, None, assignee=None).actions)["assignee"] is None


def test_the_status_event_can_be_named_or_left_to_the_caller():
    start = ticket("open")
    solved = transition.change(start, AT, None, status="solved", status_event="customer_solved")
    assert events(solved) == [{"type": "customer_solved", "from": "open", "to": "solved"}]
    merged = transition.change(start, AT, ADA, status="closed", status_event=None)
    assert merged.events == [] and merged.changed
    assert written(merged.actions)["status"] == "closed"


def test_other_clock_events_go_before_or_after_the_status_change():
    start = ticket("pending")
    customer = transition.change(start, AT, None, status="open", after=(sla.customer_wrote(start, AT),))
    expected = sla.step(
        start, sla.status_changed(start, "pending", "open", AT), sla.customer_wrote(start, AT)
    )
    assert (customer.sla_step.state, customer.sla_step.due_at) == (expected.state, expected.due_at)
    reply = transition.change(start, AT, ADA, status="solved", before=(sla.agent_replied(start, AT),))
    expected = sla.step(
        start, sla.agent_replied(start, AT), sla.status_changed(start, "pending", "solved", AT)
    )
    assert (reply.sla_step.state, reply.sla_step.due_at) == (expected.state, expected.due_at)


@given(
    st.sampled_from(STATUSES),
    st.sampled_from([s for s in STATUSES if s != "new"]),
    st.sampled_from(["Support", "Billing"]),
    st.sampled_from([None, ADA.email, "bea@example.com"]),
    st.sampled_from(PRIORITIES),
)
def test_the_queue_keys_always_follow_the_new_status_team_and_assignee(
    before, status, team, assignee, priority
):
    start = ticket(before, assignee="bea@example.com")
    moved = transition.change(start, AT, ADA, status=status, team=team, assignee=assignee, priority=priority)
    after = applied(start, moved)
    assert {name: getattr(after, name) for name in VIEW_KEYS} == view_keys(status, team, assignee)
    assert after.sla_sort == queue_order(moved.sla_step.due_at, AT)
    assert after.updated_at == AT
    changed = {e["type"] for e in events(moved)}
    assert changed == {
        kind
        for kind, old, new in (
            ("status", before, status),
            ("team", "Support", team),
            ("assignee", "bea@example.com", assignee),
            ("priority", "normal", priority),
        )
        if old != new
    }
    assert moved.changed == bool(changed)


def test_leaving_pending_ends_a_snooze_and_says_so():
    snoozed = ticket("pending")
    snoozed.snoozed_until = AT + timedelta(days=1)
    moved = transition.change(snoozed, AT, None, status="open")
    assert written(moved.actions)["snoozed_until"] is None
    woke = [m.event.as_dict() for m in moved.events if m.event["type"] == "woke"]
    assert woke == [{"type": "woke", "until": "2026-03-03T10:00:00.000000Z", "early": "1"}]
    # On time (the timer's own wake-up) it is no early wake.
    on_time = transition.change(snoozed, AT + timedelta(days=1), None, status="open")
    assert [m.event["early"] for m in on_time.events if m.event["type"] == "woke"] == [""]
    # Staying pending (a reply that sets pending) keeps the snooze.
    assert "snoozed_until" not in written(transition.change(snoozed, AT, ADA, priority="high").actions)


def test_the_due_index_holds_a_dated_ticket_only_while_it_needs_work():
    dated = ticket("open")
    dated.due_date, dated.due_scope = "2026-03-05", "due"
    assert written(transition.change(dated, AT, ADA, status="solved").actions)["due_scope"] is None
    assert "due_scope" not in written(transition.change(dated, AT, ADA, status="pending").actions)
    done = ticket("solved")
    done.due_date = "2026-03-05"
    assert written(transition.change(done, AT, ADA, status="open").actions)["due_scope"] == "due"
    undated = ticket("open")
    assert "due_scope" not in written(transition.change(undated, AT, ADA, status="solved").actions)
