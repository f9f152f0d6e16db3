"""The SLA clock: every rule of the issue as an example, plus invariants over random event sequences."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.sla.calendar import BusinessCalendar, business_minutes_between
from chalicelib.sla.clock import (
    DueTime,
    SlaState,
    due_times,
    next_due,
    on_agent_reply,
    on_alert,
    on_customer_message,
    on_policy_change,
    on_status_change,
    on_ticket_created,
    overall_status,
    status_of,
    timer_times,
    waiting_since,
)
from chalicelib.sla.policy import PRIORITIES, SlaPolicy, Targets
from chalicelib.sla.timer import execution_input

ALWAYS = BusinessCalendar(hours=(((0, 1440),),) * 7)
POLICY = SlaPolicy(name="test", calendar=ALWAYS)  # urgent 60/120/480, normal 480/960/2880; warn at 75 %
T0 = datetime(2026, 5, 4, 9, tzinfo=UTC)
SECOND, MICROSECOND = timedelta(seconds=1), timedelta(microseconds=1)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def created(priority: str = "urgent") -> SlaState:
    return on_ticket_created(POLICY, priority, T0)


def on_priority_change(state: SlaState, policy: SlaPolicy, old: str, new: str) -> SlaState:
    """A priority change under one policy (its calendar stays, so the time does not matter)."""
    return on_policy_change(state, policy, old, policy, new, at=T0)


def test_a_new_ticket_owes_a_first_response_and_a_resolution():
    state = created()
    assert state.version == 1
    assert due_times(state, POLICY, "urgent") == {
        "first_response": DueTime(warn_at=at(45), due_at=at(60)),
        "next_response": DueTime(None, None),
        "resolution": DueTime(warn_at=at(360), due_at=at(480)),
    }
    assert status_of(state, POLICY, "urgent", at(1)) == {"first_response": "ok", "resolution": "ok"}
    assert next_due(state, POLICY, "urgent") == at(60)


def test_status_goes_from_ok_to_at_risk_to_breached():
    state = created()
    assert status_of(state, POLICY, "urgent", at(44))["first_response"] == "ok"
    assert status_of(state, POLICY, "urgent", at(45))["first_response"] == "at_risk"
    assert status_of(state, POLICY, "urgent", at(60))["first_response"] == "breached"
    assert overall_status(status_of(state, POLICY, "urgent", at(60))) == "breached"


def test_due_times_count_business_hours_only():
    friday_afternoon = datetime(2026, 5, 8, 16, 30, tzinfo=UTC)
    state = on_ticket_created(SlaPolicy(name="office"), "urgent", friday_afternoon)
    due = due_times(state, SlaPolicy(name="office"), "urgent")["first_response"]
    assert due.warn_at == datetime(2026, 5, 11, 9, 15, tzinfo=UTC)  # 30 min Friday, 15 min Monday
    assert due.due_at == datetime(2026, 5, 11, 9, 30, tzinfo=UTC)


def test_an_agent_reply_satisfies_the_first_response():
    state = on_agent_reply(created(), POLICY, "urgent", at(30))
    assert state.version == 2
    assert state.first_response.phase == "done"
    assert state.first_response.done_at == at(30)
    assert state.first_response.consumed == 30
    assert status_of(state, POLICY, "urgent", at(600)) == {"first_response": "met", "resolution": "breached"}
    assert due_times(state, POLICY, "urgent")["first_response"] == DueTime(None, None)


def test_a_late_reply_is_a_breach_that_a_later_priority_change_does_not_undo():
    state = on_agent_reply(created(), POLICY, "urgent", at(61))
    assert status_of(state, POLICY, "urgent", at(62))["first_response"] == "breached"
    lowered = on_priority_change(state, POLICY, "urgent", "low")
    assert status_of(lowered, POLICY, "low", at(62))["first_response"] == "breached"


def test_a_reply_exactly_at_the_due_time_is_late():
    state = on_agent_reply(created(), POLICY, "urgent", at(60))
    assert state.first_response.breached


def test_next_response_starts_with_the_customers_next_message_and_an_agent_reply_meets_it():
    state = on_agent_reply(created(), POLICY, "urgent", at(10))
    assert state.next_response.phase == "idle"
    asked = on_customer_message(state, POLICY, "urgent", at(100))
    assert asked.version == state.version + 1
    assert due_times(asked, POLICY, "urgent")["next_response"].due_at == at(220)
    again = on_customer_message(asked, POLICY, "urgent", at(150))
    assert again == asked  # still owed from the first unanswered message: nothing moves
    answered = on_agent_reply(again, POLICY, "urgent", at(200))
    assert status_of(answered, POLICY, "urgent", at(201))["next_response"] == "met"
    cycle = on_customer_message(answered, POLICY, "urgent", at(300))
    assert cycle.next_response.consumed == 0
    assert due_times(cycle, POLICY, "urgent")["next_response"].due_at == at(420)


def test_a_customer_message_before_any_answer_does_not_start_next_response():
    state = on_customer_message(created(), POLICY, "urgent", at(5))
    assert state == created()


def test_an_agent_reply_with_nothing_owed_moves_nothing():
    answered = on_agent_reply(created(), POLICY, "urgent", at(10))
    assert on_agent_reply(answered, POLICY, "urgent", at(20)) == answered


@pytest.mark.parametrize("waiting", ["pending", "on_hold"])
def test_no_breach_while_waiting_on_the_customer_and_the_clock_resumes_where_it_stopped(waiting):
    state = on_status_change(created(), POLICY, "urgent", "open", waiting, at=at(50))
    assert state.version == 2
    long_after = at(10_000)
    assert status_of(state, POLICY, "urgent", long_after) == {
        "first_response": "paused",
        "resolution": "paused",
    }
    assert overall_status(status_of(state, POLICY, "urgent", long_after)) == "paused"
    assert next_due(state, POLICY, "urgent") is None
    resumed = on_status_change(state, POLICY, "urgent", waiting, "open", at=long_after)
    assert resumed.version == 3
    assert due_times(resumed, POLICY, "urgent")["first_response"].due_at == long_after + timedelta(minutes=10)
    assert status_of(resumed, POLICY, "urgent", long_after)["first_response"] == "at_risk"


def test_the_customers_reply_resumes_paused_clocks():
    pending = on_status_change(created(), POLICY, "urgent", "open", "pending", at=at(40))
    replied = on_customer_message(pending, POLICY, "urgent", at(500))
    assert due_times(replied, POLICY, "urgent")["first_response"].due_at == at(520)
    # The desk also moves the ticket back to open: no further change, in either order.
    reopened = on_status_change(replied, POLICY, "urgent", "pending", "open", at=at(500))
    assert reopened == replied
    assert (
        on_customer_message(
            on_status_change(pending, POLICY, "urgent", "pending", "open", at=at(500)),
            POLICY,
            "urgent",
            at(500),
        )
        == replied
    )


def test_solving_stops_resolution_in_time_and_reopening_resumes_it_with_minutes_kept():
    answered = on_agent_reply(created(), POLICY, "urgent", at(10))
    solved = on_status_change(answered, POLICY, "urgent", "open", "solved", at=at(300))
    assert status_of(solved, POLICY, "urgent", at(10_000))["resolution"] == "met"
    assert next_due(solved, POLICY, "urgent") is None
    reopened = on_status_change(solved, POLICY, "urgent", "solved", "open", at=at(1000))
    assert reopened.version == solved.version + 1
    assert reopened.resolution.consumed == 300
    assert due_times(reopened, POLICY, "urgent")["resolution"].due_at == at(1180)


def test_solving_late_is_a_breach_and_reopening_keeps_it_in_the_same_cycle():
    late = on_status_change(created(), POLICY, "urgent", "open", "solved", at=at(500))
    assert late.resolution.breached
    assert status_of(late, POLICY, "urgent", at(501))["resolution"] == "breached"
    pending = on_status_change(late, POLICY, "urgent", "solved", "pending", at=at(600))
    assert pending.resolution.phase == "paused"
    assert pending.resolution.breached  # resolution is one cycle for the ticket's life
    assert status_of(pending, POLICY, "urgent", at(601))["resolution"] == "breached"  # 500 of 480 used
    reopened = on_status_change(pending, POLICY, "urgent", "pending", "open", at=at(700))
    assert "resolution" not in timer_times(reopened, POLICY, "urgent")  # nothing left to announce


def test_solving_pauses_an_unanswered_response_and_closing_stops_everything():
    solved = on_status_change(created(), POLICY, "urgent", "open", "solved", at=at(30))
    assert solved.first_response.phase == "paused"
    closed = on_status_change(solved, POLICY, "urgent", "solved", "closed", at=at(5000))
    assert {c.phase for c in (closed.first_response, closed.resolution)} == {"done"}
    assert status_of(closed, POLICY, "urgent", at(9000)) == {"first_response": "met", "resolution": "met"}
    assert next_due(closed, POLICY, "urgent") is None


def test_a_priority_change_recomputes_due_times_from_consumed_minutes():
    state = created("normal")
    raised = on_priority_change(state, POLICY, "normal", "urgent")
    assert raised.version == state.version + 1
    assert due_times(raised, POLICY, "urgent")["first_response"].due_at == at(60)
    paused = on_status_change(state, POLICY, "normal", "open", "pending", at=at(100))
    raised_while_paused = on_priority_change(paused, POLICY, "normal", "urgent")
    assert raised_while_paused.version == paused.version  # nothing is running, no timer to replace
    assert status_of(raised_while_paused, POLICY, "urgent", at(101))["first_response"] == "breached"
    resumed = on_status_change(raised_while_paused, POLICY, "urgent", "pending", "open", at=at(200))
    # Already past the new target: due "since the restart", i.e. overdue now.
    assert due_times(resumed, POLICY, "urgent")["first_response"].due_at == at(200)


def test_the_same_priority_moves_nothing():
    assert on_priority_change(created(), POLICY, "urgent", "urgent") == created()


def test_metrics_without_a_target_are_left_out():
    policy = SlaPolicy(
        name="no-resolution",
        calendar=ALWAYS,
        targets={
            p: t.__class__(first_response=t.first_response, next_response=t.next_response)
            for p, t in POLICY.targets.items()
        },
    )
    state = on_ticket_created(policy, "urgent", T0)
    assert set(due_times(state, policy, "urgent")) == {"first_response", "next_response"}
    assert status_of(state, policy, "urgent", at(1)) == {"first_response": "ok"}


def test_overall_status_is_the_worst():
    assert overall_status({"a": "met", "b": "ok", "c": "at_risk"}) == "at_risk"
    assert overall_status({"a": "met", "b": "paused"}) == "paused"
    assert overall_status({"a": "met"}) == "met"
    assert overall_status({}) is None


def test_state_survives_json_and_dynamodb_numbers():
    state = on_status_change(
        on_agent_reply(created(), POLICY, "urgent", at(12.5)), POLICY, "urgent", "open", "pending", at=at(50)
    )
    data = json.loads(json.dumps(state.to_dict()))
    assert SlaState.from_dict(data) == state
    from_dynamodb = data | {"version": Decimal(data["version"])}
    from_dynamodb["resolution"] = data["resolution"] | {
        "consumed": Decimal(str(data["resolution"]["consumed"]))
    }
    assert SlaState.from_dict(from_dynamodb) == state
    assert "since" not in data["resolution"]  # None values are left out of the map


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="unknown ticket status"):
        on_status_change(created(), POLICY, "urgent", "open", "waiting", at=at(1))
    with pytest.raises(ValueError, match="timezone-aware"):
        on_ticket_created(POLICY, "urgent", datetime(2026, 5, 4, 9))
    with pytest.raises(ValueError, match="unknown SLA phase"):
        SlaState.from_dict(created().to_dict() | {"resolution": {"phase": "sleeping", "consumed": 0}})


def test_a_stored_clock_is_read_as_numbers_strings_and_maps_only():
    stored = created().to_dict()
    with pytest.raises(ValueError, match="consumed: '12' is not a number"):
        SlaState.from_dict(stored | {"resolution": stored["resolution"] | {"consumed": "12"}})
    with pytest.raises(ValueError, match="version: True is not a number"):
        SlaState.from_dict(stored | {"version": True})
    with pytest.raises(ValueError, match="is not a map"):
        SlaState.from_dict(stored | {"first_response": "running"})


EVENTS = st.sampled_from(
    ["agent", "customer", "open", "pending", "on_hold", "solved", "closed", "priority", "warning", "breach"]
)


def step(before: SlaState, after: SlaState, old_priority: str, new_priority: str) -> SlaState:
    """The version moves on exactly when a timer's time moved, and the state survives the DynamoDB map."""
    moved = timer_times(after, POLICY, new_priority) != timer_times(before, POLICY, old_priority)
    assert after.version == before.version + moved
    assert SlaState.from_dict(json.loads(json.dumps(after.to_dict()))) == after
    return after


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(EVENTS, st.integers(0, 600), st.sampled_from(["low", "normal", "high", "urgent"]))))
def test_random_histories_keep_the_clock_honest(events):
    priority, status, now = "normal", "open", T0
    state = on_ticket_created(POLICY, priority, now)
    for event, gap, new_priority in events:
        now += timedelta(minutes=gap)
        if status == "closed":
            break  # mail to a closed ticket opens a follow-up ticket
        if event == "agent":
            state = step(state, on_agent_reply(state, POLICY, priority, now), priority, priority)
        elif event == "customer":  # the desk reopens the ticket, then records the message
            if status != "open":
                state = step(
                    state,
                    on_status_change(state, POLICY, priority, status, "open", at=now),
                    priority,
                    priority,
                )
                status = "open"
            state = step(state, on_customer_message(state, POLICY, priority, now), priority, priority)
        elif event in ("warning", "breach"):  # the timer of a running metric fired and was handled
            timed = timer_times(state, POLICY, priority)
            for metric in [m for m in timed if event == "breach" or timed[m].warn_at][:1]:
                announced = on_alert(state, metric, event)
                assert announced.version == state.version  # the timer that fired goes on as it is
                state = announced
        elif event == "priority":
            state = step(
                state, on_priority_change(state, POLICY, priority, new_priority), priority, new_priority
            )
            priority = new_priority
        else:
            state = step(
                state, on_status_change(state, POLICY, priority, status, event, at=now), priority, priority
            )
            status = event
        statuses = status_of(state, POLICY, priority, now)
        if status in ("pending", "on_hold", "closed"):
            assert not {"ok", "at_risk"} & set(statuses.values())  # nothing runs while waiting or closed
            assert next_due(state, POLICY, priority) is None
        if status == "open":
            assert state.resolution.phase == "running"
        for metric in ("first_response", "next_response", "resolution"):
            clock = state.clock(metric)
            assert (clock.since is not None) == (clock.phase == "running")
            assert clock.consumed <= (now - T0) / timedelta(minutes=1) + 1e-6
            if clock.breached:  # announced or missed: it stays so for the cycle, and no timer runs
                assert metric not in timer_times(state, POLICY, priority)
                if clock.phase != "idle":
                    assert statuses.get(metric, "breached") == "breached"
            if clock.warned and metric in timer_times(state, POLICY, priority):
                assert timer_times(state, POLICY, priority)[metric].warn_at is None


def test_a_breach_is_announced_once_per_cycle_whatever_the_priority_does_next():
    normal = created("normal")
    breached = on_alert(on_alert(normal, "first_response", "warning"), "first_response", "breach")
    assert breached.version == normal.version  # the timer that fired needs no successor
    assert set(timer_times(breached, POLICY, "normal")) == {"resolution"}
    # The escalation raises the priority: urgent's first response (60) was due long before 480.
    raised = on_priority_change(breached, POLICY, "normal", "urgent")
    assert set(timer_times(raised, POLICY, "urgent")) == {"resolution"}
    assert status_of(raised, POLICY, "urgent", at(481))["first_response"] == "breached"
    # Lowering it again does not undo the breach either.
    lowered = on_priority_change(raised, POLICY, "urgent", "low")
    assert status_of(lowered, POLICY, "low", at(481))["first_response"] == "breached"


def test_a_breached_metric_paused_and_resumed_is_not_announced_again():
    breached = on_alert(created(), "resolution", "breach")
    pending = on_status_change(breached, POLICY, "urgent", "open", "pending", at=at(500))
    resumed = on_customer_message(pending, POLICY, "urgent", at(900))
    assert "resolution" not in timer_times(resumed, POLICY, "urgent")
    assert status_of(resumed, POLICY, "urgent", at(901))["resolution"] == "breached"


def test_a_warning_is_not_repeated_but_the_breach_still_comes():
    warned = on_alert(created(), "first_response", "warning")
    assert timer_times(warned, POLICY, "urgent")["first_response"] == DueTime(warn_at=None, due_at=at(60))
    paused = on_status_change(warned, POLICY, "urgent", "open", "on_hold", at=at(50))
    resumed = on_status_change(paused, POLICY, "urgent", "on_hold", "open", at=at(100))
    assert timer_times(resumed, POLICY, "urgent")["first_response"] == DueTime(warn_at=None, due_at=at(110))


def test_the_next_response_cycle_starts_fresh():
    answered = on_agent_reply(created(), POLICY, "urgent", at(10))
    asked = on_customer_message(answered, POLICY, "urgent", at(20))
    missed = on_alert(on_alert(asked, "next_response", "warning"), "next_response", "breach")
    late_answer = on_agent_reply(missed, POLICY, "urgent", at(200))
    assert status_of(late_answer, POLICY, "urgent", at(201))["next_response"] == "breached"
    again = on_customer_message(late_answer, POLICY, "urgent", at(300))
    assert timer_times(again, POLICY, "urgent")["next_response"] == DueTime(warn_at=at(390), due_at=at(420))
    assert status_of(again, POLICY, "urgent", at(301))["next_response"] == "ok"


def test_a_new_policy_recomputes_due_times_and_counts_used_minutes_in_the_old_calendar():
    office = SlaPolicy(name="office")  # Mon-Fri 09-17 UTC; normal first response 480
    tight = SlaPolicy(
        name="tight", calendar=ALWAYS, targets={p: Targets(60, 120, 480) for p in POLICY.targets}
    )
    friday = datetime(2026, 5, 8, 16, tzinfo=UTC)
    state = on_ticket_created(office, "normal", friday)
    moved = on_policy_change(
        state, office, "normal", tight, "normal", at=datetime(2026, 5, 9, 10, tzinfo=UTC)
    )
    assert moved.version == state.version + 1
    assert moved.first_response.consumed == 60  # Friday 16-17 in office hours, not the night after
    assert timer_times(moved, tight, "normal")["first_response"].due_at == datetime(
        2026, 5, 9, 10, tzinfo=UTC
    )
    same = on_policy_change(state, office, "normal", SlaPolicy(name="copy"), "normal", at=friday)
    assert same == state  # same targets and calendar: nothing moves


def test_the_customer_waits_since_their_unanswered_message():
    assert waiting_since(created()) == T0
    answered = on_agent_reply(created(), POLICY, "urgent", at(10))
    assert waiting_since(answered) is None  # resolution runs, but no answer is owed
    assert waiting_since(on_customer_message(answered, POLICY, "urgent", at(30))) == at(30)
    paused = on_status_change(created(), POLICY, "urgent", "open", "pending", at=at(5))
    assert waiting_since(paused) is None


CALENDARS = st.sampled_from(
    [
        ALWAYS,
        BusinessCalendar(),  # Mon-Fri 09-17 UTC
        BusinessCalendar(time_zone="Europe/Berlin"),
        BusinessCalendar(time_zone="America/New_York"),
    ]
)
INSTANTS = st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC))
GAPS = st.timedeltas(timedelta(0), timedelta(days=3))


@settings(max_examples=200, deadline=None)
@given(CALENDARS, st.sampled_from(PRIORITIES), INSTANTS, GAPS, GAPS)
def test_a_due_time_is_one_whole_second_for_the_ticket_the_queue_and_the_timer(
    calendar, priority, created_at, open_for, paused_for
):
    """Sub-second instants and paused minutes: the due time the API and the queue read is the
    instant the timer waits for, and the verdict turns exactly then, not a fraction before."""
    policy = SlaPolicy(name="p", calendar=calendar)
    paused_at = created_at + open_for
    state = on_status_change(
        on_ticket_created(policy, priority, created_at), policy, priority, "open", "pending", at=paused_at
    )
    resumed_at = paused_at + paused_for
    state = on_status_change(state, policy, priority, "pending", "open", at=resumed_at)
    timed = timer_times(state, policy, priority)
    assert next_due(state, policy, priority) == min(d.due_at for d in timed.values())
    for metric, due in timed.items():
        assert due.due_at.microsecond == 0 and due.warn_at.microsecond == 0
        timer = execution_input(
            1, metric, state.version, warn_at=due.warn_at, due_at=due.due_at, table="t", queue_url="q"
        )
        assert timer["due_at"] == due.due_at.isoformat().replace("+00:00", "Z")  # what summary() shows
        assert timer["warn_at"] == due.warn_at.isoformat().replace("+00:00", "Z")
        assert status_of(state, policy, priority, due.due_at)[metric] == "breached"
        target, clock = policy.target(priority, metric), state.clock(metric)
        if clock.consumed >= target:
            assert due.due_at == _whole(resumed_at)  # used up while it ran before: due at once
            continue
        used = clock.consumed + business_minutes_between(calendar, clock.since, due.due_at)
        assert used >= target - 1e-9  # never before the target is reached...
        assert clock.consumed + business_minutes_between(calendar, clock.since, due.due_at - SECOND) < target
        # ...and the first whole second at or after it: the verdict turns with the timer, not before.
        assert status_of(state, policy, priority, due.due_at - MICROSECOND)[metric] != "breached"


def _whole(value: datetime) -> datetime:
    return value if not value.microsecond else value.replace(microsecond=0) + SECOND
