"""Who a new ticket goes to: round robin, fewest open, working hours in each agent's zone, nobody."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.desk.assignment.choice import at_work, eligible, fewest_open, round_robin
from chalicelib.desk.events.descriptions import describe_event
from chalicelib.desk.setup import working_hours
from chalicelib.desk.setup.agents import AgentProfile

# A Tuesday: 10:00 in London (GMT), 11:00 in Berlin, 05:00 in New York.
TUESDAY_10_UTC = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)


def agent(email: str, **fields: object) -> AgentProfile:
    values: dict[str, object] = {
        "name": email.split("@", maxsplit=1)[0],
        "role": "agent",
        "teams": ("Support",),
    }
    values.update(fields)
    return AgentProfile(email=email, **values)  # type: ignore[arg-type]


def test_round_robin_takes_the_candidates_in_address_order_turn_by_turn():
    team = eligible([agent("c@x.io"), agent("a@x.io"), agent("b@x.io")], "Support", TUESDAY_10_UTC)
    picks = [round_robin(team, turn) for turn in range(1, 10)]
    assert [p.email for p in picks if p] == ["a@x.io", "b@x.io", "c@x.io"] * 3


def test_fewest_open_takes_the_least_busy_and_breaks_ties_by_address():
    team = [agent("a@x.io"), agent("b@x.io"), agent("c@x.io")]
    chosen = fewest_open(team, {"a@x.io": 4, "b@x.io": 2, "c@x.io": 2})
    assert chosen is not None and chosen.email == "b@x.io"
    nobody_counted = fewest_open(team, {})
    assert nobody_counted is not None and nobody_counted.email == "a@x.io"


def test_nobody_available_means_no_assignee():
    now = TUESDAY_10_UTC
    away = agent("away@x.io", away_until=int(now.timestamp()) + 3600)
    off = agent("off@x.io", active=False)
    other_team = agent("billing@x.io", teams=("Billing",))
    admin_elsewhere = agent("root@x.io", role="admin", teams=())
    night = agent("ny@x.io", time_zone="America/New_York")  # 05:00 there
    team = eligible([away, off, other_team, admin_elsewhere, night], "Support", now)
    assert team == []
    assert round_robin(team, 1) is None
    assert fewest_open(team, {}) is None


def test_an_agent_is_back_by_themselves_once_away_until_has_passed():
    now = TUESDAY_10_UTC
    back = agent("back@x.io", away_until=int(now.timestamp()), away_note="dentist")
    assert [a.email for a in eligible([back], "Support", now)] == ["back@x.io"]


@pytest.mark.parametrize(
    ("zone", "instant", "working"),
    [
        ("Europe/Berlin", datetime(2026, 12, 8, 7, 59, tzinfo=UTC), False),  # 08:59 CET
        ("Europe/Berlin", datetime(2026, 12, 8, 8, 0, tzinfo=UTC), True),  # 09:00 CET
        ("Europe/Berlin", datetime(2026, 7, 7, 7, 0, tzinfo=UTC), True),  # 09:00 CEST (summer: UTC+2)
        ("Europe/Berlin", datetime(2026, 7, 7, 15, 0, tzinfo=UTC), False),  # 17:00 CEST
        ("America/New_York", datetime(2026, 12, 8, 14, 0, tzinfo=UTC), True),  # 09:00 EST
        ("America/New_York", datetime(2026, 12, 8, 13, 59, tzinfo=UTC), False),
        ("America/New_York", datetime(2026, 12, 12, 15, 0, tzinfo=UTC), False),  # a Saturday
        ("Asia/Tokyo", datetime(2026, 12, 7, 23, 30, tzinfo=UTC), False),  # Tuesday 08:30 JST
        ("Asia/Tokyo", datetime(2026, 12, 8, 0, 30, tzinfo=UTC), True),  # Tuesday 09:30 JST
    ],
)
def test_default_working_hours_are_nine_to_five_on_weekdays_in_the_agents_own_zone(zone, instant, working):
    assert at_work(agent("a@x.io", time_zone=zone), instant) is working


def test_working_hours_follow_the_dst_change_of_the_agents_zone():
    # Sunday 29 March 2026: Berlin goes from UTC+1 to UTC+2 at 02:00. An agent on Sundays 08:00-12:00.
    sunday = agent("a@x.io", time_zone="Europe/Berlin", working_hours="sun 08:00-12:00")
    assert at_work(sunday, datetime(2026, 3, 29, 6, 0, tzinfo=UTC))  # 08:00 CEST
    assert not at_work(sunday, datetime(2026, 3, 29, 5, 59, tzinfo=UTC))  # 07:59 CEST
    assert at_work(sunday, datetime(2026, 3, 22, 7, 0, tzinfo=UTC))  # a week before: 08:00 CET
    assert not at_work(sunday, datetime(2026, 3, 22, 6, 59, tzinfo=UTC))


def test_always_and_own_hours_decide_who_gets_weekend_tickets():
    saturday = datetime(2026, 12, 12, 11, 0, tzinfo=UTC)
    team = [
        agent("always@x.io", working_hours="always"),
        agent("weekdays@x.io"),
        agent("sat@x.io", working_hours="mon-fri 09:00-17:00; sat 10:00-14:00"),
    ]
    assert [a.email for a in eligible(team, "Support", saturday)] == ["always@x.io", "sat@x.io"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "1 to 200 characters"),
        ("monday 09:00-17:00", "'monday' is not a weekday"),
        ("fri-mon 09:00-17:00", "runs backwards"),
        ("mon-fri", "needs a time"),
        ("mon 9-17", "'9' is not a time"),
        ("mon 17:00-09:00", "is not 0 <= start < end"),
        ("mon 09:00-13:00 12:00-17:00", "must not overlap"),
    ],
)
def test_bad_working_hours_are_refused_naming_the_part(text, message):
    with pytest.raises(ValueError, match=message):
        working_hours.checked(text)


def test_working_hours_text_is_kept_normalised():
    assert working_hours.checked("  Mon-Fri   09:00-12:00 13:00-17:00 ") == "mon-fri 09:00-12:00 13:00-17:00"


def test_the_assignment_event_says_how_the_ticket_was_assigned():
    by_turn = {"type": "assignee", "from": "", "to": "a@x.io", "by": "round_robin"}
    assert describe_event(by_turn) == "Assigned to a@x.io by round robin"
    by_load = {"type": "assignee", "from": "", "to": "a@x.io", "by": "fewest_open"}
    assert describe_event(by_load) == "Assigned to a@x.io by fewest open"
    by_hand = {"type": "assignee", "from": "", "to": "a@x.io"}
    assert describe_event(by_hand) == "Assignee changed from nobody to a@x.io"
