"""Snooze quick picks, chosen local times and due-date classification (desk.follow_up.times):
pure functions of a fixed instant, across DST nights, New Year's Eve and zones either side of UTC."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from chalicelib.desk.base.times import parse_local, zone
from chalicelib.desk.events.descriptions import describe_event
from chalicelib.desk.follow_up import timer
from chalicelib.desk.follow_up.times import (
    due_state,
    parse_date,
    quick_pick,
    reminder_at,
    whole_seconds,
)

BERLIN, NEW_YORK, SYDNEY, KIRITIMATI = (
    zone("Europe/Berlin"),
    zone("America/New_York"),
    zone("Australia/Sydney"),
    zone("Pacific/Kiritimati"),
)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "tz", "tomorrow", "next_monday"),
    [
        # A Tuesday afternoon in Berlin (winter, UTC+1).
        (utc(2026, 12, 8, 14, 0), BERLIN, utc(2026, 12, 9, 8, 0), utc(2026, 12, 14, 8, 0)),
        # A Monday: next Monday is a week ahead, not today.
        (utc(2026, 12, 7, 6, 0), BERLIN, utc(2026, 12, 8, 8, 0), utc(2026, 12, 14, 8, 0)),
        # Saturday night before the spring change in Berlin (Sun 29 Mar 2026, 02:00 → 03:00):
        # tomorrow 9:00 is already summer time (UTC+2).
        (utc(2026, 3, 28, 22, 0), BERLIN, utc(2026, 3, 29, 7, 0), utc(2026, 3, 30, 7, 0)),
        # The autumn night in New York (Sun 1 Nov 2026, 02:00 → 01:00): back to UTC-5.
        (utc(2026, 11, 1, 5, 30), NEW_YORK, utc(2026, 11, 2, 14, 0), utc(2026, 11, 2, 14, 0)),
        # New Year's Eve, last tenth of a second in UTC; in Sydney it is already 1 January (Friday).
        (
            utc(2026, 12, 31, 23, 59, 59).replace(microsecond=900000),
            SYDNEY,
            utc(2027, 1, 1, 22, 0),
            utc(2027, 1, 3, 22, 0),
        ),
        # ... and in New York still New Year's Eve afternoon (Thursday).
        (utc(2026, 12, 31, 23, 59, 59), NEW_YORK, utc(2027, 1, 1, 14, 0), utc(2027, 1, 4, 14, 0)),
        # UTC+14: the local day is a day ahead of UTC's.
        (utc(2026, 12, 8, 12, 0), KIRITIMATI, utc(2026, 12, 9, 19, 0), utc(2026, 12, 13, 19, 0)),
    ],
)
def test_quick_picks_are_nine_in_the_agents_zone(now, tz, tomorrow, next_monday):
    assert quick_pick("tomorrow", now, tz) == tomorrow
    assert quick_pick("next_monday", now, tz) == next_monday
    assert quick_pick("next_monday", now, tz).astimezone(tz).weekday() == 0
    assert quick_pick("tomorrow", now, tz).astimezone(tz).hour == 9


def test_a_chosen_time_is_read_in_the_agents_zone():
    assert parse_local("2026-12-24T09:00", BERLIN) == utc(2026, 12, 24, 8, 0)
    assert parse_local("2026-07-01T09:00", BERLIN) == utc(2026, 7, 1, 7, 0)
    assert parse_local("2026-12-24T09:00:30", NEW_YORK) == utc(2026, 12, 24, 14, 0, 30)
    # An instant with its own offset is taken as it is.
    assert parse_local("2026-12-24T09:00:00+00:00", BERLIN) == utc(2026, 12, 24, 9, 0)
    with pytest.raises(ValueError):
        parse_local("next week", BERLIN)


def test_a_time_a_dst_change_skips_lands_after_the_gap_and_a_repeated_one_is_the_first():
    # 02:30 does not exist in Berlin on 29 March 2026: the wall clock jumps from 02:00 to 03:00.
    assert parse_local("2026-03-29T02:30", BERLIN) == utc(2026, 3, 29, 1, 30)  # 03:30 CEST
    # 01:30 happens twice in New York on 1 November 2026: the first (EDT, UTC-4).
    assert parse_local("2026-11-01T01:30", NEW_YORK) == utc(2026, 11, 1, 5, 30)


def test_the_reminder_is_nine_on_the_due_day_in_the_zone():
    assert reminder_at(date(2026, 3, 29), BERLIN) == utc(2026, 3, 29, 7, 0)
    assert reminder_at(date(2027, 1, 1), SYDNEY) == utc(2026, 12, 31, 22, 0)


@pytest.mark.parametrize(
    ("now", "tz", "expected"),
    [
        # 23:30 UTC on 8 December: still the 8th in New York, already the 9th in Berlin and Sydney.
        (
            utc(2026, 12, 8, 23, 30),
            NEW_YORK,
            {"2026-12-07": "overdue", "2026-12-08": "today", "2026-12-09": "later"},
        ),
        (
            utc(2026, 12, 8, 23, 30),
            BERLIN,
            {"2026-12-08": "overdue", "2026-12-09": "today", "2026-12-10": "later"},
        ),
        (utc(2026, 12, 8, 23, 30), SYDNEY, {"2026-12-08": "overdue", "2026-12-09": "today"}),
        # New Year's Eve in UTC's last moment: 2027 has begun in Sydney, not in New York.
        (utc(2026, 12, 31, 23, 59, 59), SYDNEY, {"2026-12-31": "overdue", "2027-01-01": "today"}),
        (utc(2026, 12, 31, 23, 59, 59), NEW_YORK, {"2026-12-31": "today", "2027-01-01": "later"}),
    ],
)
def test_due_today_and_overdue_depend_on_the_zone_of_whoever_looks(now, tz, expected):
    assert {day: due_state(parse_date(day), now, tz) for day in expected} == expected


def test_dates_and_zones_are_read_strictly_or_fall_back():
    with pytest.raises(ValueError):
        parse_date("2026-12-8")
    with pytest.raises(ValueError):
        parse_date("20261208")
    assert zone("Not/AZone") == zone("UTC") == zone("")


def test_timer_instants_are_whole_seconds_rounded_up():
    assert whole_seconds(utc(2026, 12, 8, 9, 0).replace(microsecond=1)) == utc(2026, 12, 8, 9, 0, 1)
    assert whole_seconds(utc(2026, 12, 8, 9, 0)) == utc(2026, 12, 8, 9, 0)
    with pytest.raises(ValueError):
        timer.timestamp(utc(2026, 12, 8, 9, 0).replace(microsecond=5))


def test_timer_names_and_inputs():
    assert timer.execution_name(1042, "wake", 3) == "ticket-1042-wake-v3"
    payload = timer.execution_input(1042, "due", 2, utc(2026, 12, 9, 8, 0), "https://queue")
    assert payload == {
        "ticket_number": 1042,
        "kind": "due",
        "version": 2,
        "at": "2026-12-09T08:00:00Z",
        "queue_url": "https://queue",
    }
    with pytest.raises(ValueError):
        timer.execution_name(1, "later", 1)  # type: ignore[arg-type]
    states = json.loads(timer.definition())["States"]
    assert states["WaitUntilDue"]["TimestampPath"] == "$.at"
    assert set(states["Tell"]["Parameters"]["MessageBody"]) == {
        "type",
        "kind.$",
        "ticket_number.$",
        "version.$",
        "at.$",
    }


def test_history_lines():
    until = "2026-12-09T08:00:00.000000Z"
    assert (
        describe_event({"type": "snoozed", "from": "", "to": until}) == "Snoozed until 2026-12-09 08:00 UTC"
    )
    assert (
        describe_event({"type": "woke", "until": until, "early": ""})
        == "Woke up: snoozed until 2026-12-09 08:00 UTC"
    )
    assert describe_event({"type": "woke", "until": until, "early": "1"}).startswith("Woke up early")
    assert (
        describe_event({"type": "due_date", "from": "", "to": "2026-12-24"}) == "Due date set to 2026-12-24"
    )
    assert (
        describe_event({"type": "due_date", "from": "2026-12-24", "to": ""})
        == "Due date cleared (was 2026-12-24)"
    )
    assert describe_event({"type": "due_reminder", "to": "2026-12-24"}) == "Reminder: due today (2026-12-24)"
