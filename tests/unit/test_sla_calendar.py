"""Business-time arithmetic: properties against a wall-clock oracle, DST, holidays, validation."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.sla.calendar import (
    BusinessCalendar,
    add_business_minutes,
    business_minutes_between,
    calendar_from_config,
    default_calendar,
    is_open,
    is_working_day,
    next_open,
)

US = timedelta(microseconds=1)
EVERY_DAY = 7
BERLIN = calendar_from_config(
    {
        "time_zone": "Europe/Berlin",
        "hours": {d: [["09:00", "12:30"], ["13:30", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
        | {"sat": [["10:00", "14:00"]]},
        "holidays": {"country": "DE", "subdivision": "BY"},
        "closed": ["2026-12-24", "2026-12-31"],
    }
)
# Intervals spanning both DST changes; New York's 02:30 lies in its spring gap (02:00-03:00) and
# outside its repeated hour (01:00-02:00). No boundary lies in a repeated hour: there the wall-clock
# oracle and the "first instant" convention differ by design (an example test covers that case).
NEW_YORK = BusinessCalendar(
    time_zone="America/New_York", hours=(((0, 150), (480, 1440)),) * EVERY_DAY, holiday_country="US"
)
BERLIN_NIGHTS = BusinessCalendar(time_zone="Europe/Berlin", hours=(((90, 210), (1320, 1440)),) * EVERY_DAY)
ALWAYS_BERLIN = BusinessCalendar(time_zone="Europe/Berlin", hours=(((0, 1440),),) * EVERY_DAY)
CALENDARS = [default_calendar(), BERLIN, NEW_YORK, BERLIN_NIGHTS]
TRANSITIONS = [
    datetime(2026, 3, 8, 7, tzinfo=UTC),  # New York springs forward
    datetime(2026, 3, 29, 1, tzinfo=UTC),  # Berlin springs forward
    datetime(2026, 10, 25, 1, tzinfo=UTC),  # Berlin falls back
    datetime(2026, 11, 1, 6, tzinfo=UTC),  # New York falls back
]

calendars = st.sampled_from(CALENDARS)
anywhere = st.datetimes(datetime(2026, 1, 1), datetime(2027, 1, 31), timezones=st.just(UTC))
near_transition = st.builds(
    lambda t, offset: t + offset,
    st.sampled_from(TRANSITIONS),
    st.timedeltas(timedelta(days=-3), timedelta(days=3)),
)
instants = st.one_of(anywhere, near_transition)
whole_minutes = st.integers(0, 6000)
exact_minutes = st.one_of(whole_minutes, st.integers(0, 24000).map(lambda q: q / 4))
any_minutes = st.floats(0, 6000, allow_nan=False)
fast = settings(max_examples=200, deadline=None)


def open_by_wall_clock(calendar: BusinessCalendar, at: datetime) -> bool:
    """Independent oracle: the local wall time lies in one of the local day's intervals."""
    local = at.astimezone(ZoneInfo(calendar.time_zone))
    minute = local.hour * 60 + local.minute + (local.second + local.microsecond / 1e6) / 60
    if calendar.is_closed_day(local.date()):
        return False
    return any(start <= minute < end for start, end in calendar.hours[local.weekday()])


@fast
@given(calendars, instants, st.one_of(exact_minutes, any_minutes))
def test_result_ends_inside_opening_hours_or_exactly_at_an_interval_end(calendar, start, minutes):
    result = add_business_minutes(calendar, start, minutes)
    if result == start:
        return
    # Just before the result the calendar is open: the result is inside an interval or its end.
    assert result > start
    assert open_by_wall_clock(calendar, result - US)
    assert is_open(calendar, result - US)


@fast
@given(calendars, instants, exact_minutes, exact_minutes)
def test_adding_a_then_b_equals_adding_a_plus_b(calendar, start, a, b):
    after_a = add_business_minutes(calendar, start, a)
    assert add_business_minutes(calendar, after_a, b) == add_business_minutes(calendar, start, a + b)


@fast
@given(calendars, instants, any_minutes, any_minutes)
def test_adding_fractional_minutes_is_additive_to_the_microsecond(calendar, start, a, b):
    stepwise = add_business_minutes(calendar, add_business_minutes(calendar, start, a), b)
    assert abs(stepwise - add_business_minutes(calendar, start, a + b)) <= 2 * US


@fast
@given(calendars, instants, any_minutes, any_minutes)
def test_monotonic_in_minutes(calendar, start, a, b):
    a, b = sorted((a, b))
    assert add_business_minutes(calendar, start, a) <= add_business_minutes(calendar, start, b)


@fast
@given(calendars, instants, instants, exact_minutes)
def test_monotonic_in_start(calendar, first, second, minutes):
    first, second = sorted((first, second))
    assert add_business_minutes(calendar, first, minutes) <= add_business_minutes(calendar, second, minutes)


@fast
@given(calendars, instants, any_minutes)
def test_minutes_between_inverts_adding(calendar, start, minutes):
    end = add_business_minutes(calendar, start, minutes)
    assert business_minutes_between(calendar, start, end) == pytest.approx(minutes, abs=1e-6)


@fast
@given(calendars, instants, instants, instants)
def test_minutes_between_adds_up_and_never_exceeds_real_time(calendar, a, b, c):
    a, b, c = sorted((a, b, c))
    whole = business_minutes_between(calendar, a, c)
    assert whole == pytest.approx(
        business_minutes_between(calendar, a, b) + business_minutes_between(calendar, b, c), abs=1e-6
    )
    assert whole <= (c - a) / timedelta(minutes=1) + 1e-6
    assert business_minutes_between(calendar, c, a) == 0


@settings(max_examples=40, deadline=None)
@given(calendars, near_transition.map(lambda t: t.replace(second=0, microsecond=0)), st.integers(0, 3 * 1440))
def test_minutes_between_matches_counting_open_minutes_one_by_one(calendar, start, length):
    counted = sum(open_by_wall_clock(calendar, start + timedelta(minutes=i)) for i in range(length))
    assert business_minutes_between(calendar, start, start + timedelta(minutes=length)) == counted


@fast
@given(calendars, instants)
def test_next_open_is_the_first_open_instant(calendar, at):
    opening = next_open(calendar, at)
    assert opening >= at
    assert is_open(calendar, opening) and open_by_wall_clock(calendar, opening)
    assert business_minutes_between(calendar, at, opening) == 0
    assert is_open(calendar, at) == (opening == at) == open_by_wall_clock(calendar, at)


def test_adding_zero_returns_the_start_even_when_closed():
    saturday = datetime(2026, 5, 2, 20, tzinfo=UTC)
    assert add_business_minutes(default_calendar(), saturday, 0) == saturday
    assert add_business_minutes(default_calendar(), saturday, 1) == datetime(2026, 5, 4, 9, 1, tzinfo=UTC)


def test_landing_on_an_interval_end_returns_the_end_not_the_next_opening():
    monday = datetime(2026, 5, 4, 9, tzinfo=UTC)
    assert add_business_minutes(default_calendar(), monday, 480) == datetime(2026, 5, 4, 17, tzinfo=UTC)
    assert add_business_minutes(default_calendar(), monday, 481) == datetime(2026, 5, 5, 9, 1, tzinfo=UTC)


def test_a_long_span_steps_by_days():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    due = add_business_minutes(BERLIN, start, 480 * 260)  # about a working year
    assert due.year == 2027
    assert business_minutes_between(BERLIN, start, due) == 480 * 260


@pytest.mark.parametrize(
    ("day", "hours"),
    [
        (date(2026, 3, 29), 23),  # Berlin springs forward: the local day is 23 h long
        (date(2026, 10, 25), 25),  # and falls back: 25 h, the repeated hour counted once per real hour
        (date(2026, 3, 30), 24),
    ],
)
def test_an_always_open_calendar_counts_real_hours_on_dst_days(day, hours):
    zone = ZoneInfo("Europe/Berlin")
    start = datetime.combine(day, datetime.min.time(), zone)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone)
    assert business_minutes_between(ALWAYS_BERLIN, start, end) == hours * 60


def test_office_hours_keep_eight_hours_across_dst_and_follow_the_wall_clock():
    berlin = BusinessCalendar(time_zone="Europe/Berlin")
    friday_close = datetime(2026, 3, 27, 16, tzinfo=UTC)  # 17:00 CET
    assert add_business_minutes(berlin, friday_close, 60) == datetime(
        2026, 3, 30, 8, tzinfo=UTC
    )  # 10:00 CEST
    monday = datetime(2026, 3, 30, 7, tzinfo=UTC)  # 09:00 CEST
    assert business_minutes_between(berlin, monday, monday + timedelta(days=1)) == 480


def test_interval_boundaries_inside_a_gap_map_to_the_transition():
    gap = BusinessCalendar(time_zone="Europe/Berlin", hours=(((150, 240),),) * EVERY_DAY)  # 02:30-04:00
    spring = datetime(2026, 3, 29, 0, tzinfo=UTC)
    assert next_open(gap, spring) == datetime(2026, 3, 29, 1, tzinfo=UTC)  # the clock jumps 02:00 → 03:00
    assert business_minutes_between(gap, spring, spring + timedelta(hours=6)) == 60
    inside = BusinessCalendar(time_zone="Europe/Berlin", hours=(((135, 165),),) * EVERY_DAY)  # 02:15-02:45
    assert business_minutes_between(inside, spring, spring + timedelta(hours=6)) == 0


def test_an_interval_ending_in_a_repeated_hour_ends_at_its_first_occurrence():
    fold = BusinessCalendar(time_zone="America/New_York", hours=(((0, 90),),) * EVERY_DAY)  # 00:00-01:30
    day_start = datetime(2026, 11, 1, 4, tzinfo=UTC)  # 00:00 EDT; 01:00-02:00 happens twice
    assert add_business_minutes(fold, day_start, 90) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert business_minutes_between(fold, day_start, day_start + timedelta(hours=12)) == 90
    # Starting in a repeated hour starts at its first occurrence: Berlin 02:30-04:00 is 2.5 real hours.
    late = BusinessCalendar(time_zone="Europe/Berlin", hours=(((150, 240),),) * EVERY_DAY)
    fall_back = datetime(2026, 10, 24, 22, tzinfo=UTC)  # local midnight
    assert next_open(late, fall_back) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert business_minutes_between(late, fall_back, fall_back + timedelta(hours=12)) == 150


@pytest.mark.parametrize(
    ("calendar", "closed_day"),
    [
        (BERLIN, date(2026, 1, 6)),  # Epiphany, Bavaria only
        (BERLIN, date(2026, 6, 4)),  # Corpus Christi, Bavaria only
        (BERLIN, date(2026, 12, 24)),  # custom closed date
        (NEW_YORK, date(2026, 7, 3)),  # Independence Day observed (the 4th is a Saturday)
        (NEW_YORK, date(2026, 11, 26)),  # Thanksgiving
    ],
)
def test_holidays_and_closed_dates_have_no_business_time(calendar, closed_day):
    zone = ZoneInfo(calendar.time_zone)
    start = datetime.combine(closed_day, datetime.min.time(), zone)
    end = datetime.combine(closed_day + timedelta(days=1), datetime.min.time(), zone)
    assert calendar.is_closed_day(closed_day)
    assert not is_working_day(calendar, closed_day)
    assert is_working_day(calendar, closed_day - timedelta(days=7))  # the same weekday, a week before
    assert business_minutes_between(calendar, start, end) == 0
    assert next_open(calendar, start) >= end


def test_a_region_without_that_holiday_stays_open():
    hamburg = BusinessCalendar(time_zone="Europe/Berlin", holiday_country="DE", holiday_subdivision="HH")
    epiphany = datetime(2026, 1, 6, 9, tzinfo=UTC)
    assert is_open(hamburg, epiphany)
    assert not is_open(BERLIN, epiphany)


def test_naive_datetimes_and_negative_minutes_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business_minutes(default_calendar(), datetime(2026, 5, 4, 9), 10)
    with pytest.raises(ValueError, match="timezone-aware"):
        business_minutes_between(
            default_calendar(), datetime(2026, 5, 4, 9, tzinfo=UTC), datetime(2026, 5, 5)
        )
    with pytest.raises(ValueError, match="negative"):
        add_business_minutes(default_calendar(), datetime(2026, 5, 4, 9, tzinfo=UTC), -1)


def test_aware_non_utc_input_gives_utc_output():
    start = datetime(2026, 5, 4, 11, tzinfo=ZoneInfo("Europe/Berlin"))  # 09:00 UTC
    result = add_business_minutes(default_calendar(), start, 30)
    assert result == datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
    assert result.tzinfo is UTC


def test_config_parses_split_hours_holidays_and_closed_dates():
    assert BERLIN.hours[0] == ((540, 750), (810, 1020))
    assert BERLIN.hours[5] == ((600, 840),)
    assert BERLIN.hours[6] == ()
    assert (BERLIN.holiday_country, BERLIN.holiday_subdivision) == ("DE", "BY")
    assert date(2026, 12, 31) in BERLIN.closed_dates
    assert calendar_from_config({}) == default_calendar()
    assert calendar_from_config({"hours": {"sun": [["00:00", "24:00"]]}}).hours[6] == ((0, 1440),)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"timezone": "UTC"}, "unknown field timezone"),
        ({"time_zone": "Mars/Olympus"}, "calendar.time_zone"),
        ({"time_zone": 1}, "calendar.time_zone"),
        ({"holidays": {"country": 49}}, "calendar.holidays.country: 49 is not a string"),
        ({"hours": {}}, "calendar.hours has no open interval"),
        ({"hours": {"monday": [["09:00", "17:00"]]}}, "unknown weekday monday"),
        ({"hours": {"mon": [["9:00", "17:00"]]}}, r"calendar.hours.mon\[0\]"),
        ({"hours": {"mon": [["24:00", "24:00"]]}}, r"calendar.hours.mon\[0\]"),
        ({"hours": {"mon": [["17:00", "09:00"]]}}, "calendar.hours.mon"),
        ({"hours": {"mon": [["09:00", "13:00"], ["12:00", "17:00"]]}}, "must not overlap"),
        ({"hours": {"mon": ["09:00", "17:00"]}}, r"calendar.hours.mon\[0\] must be \[start, end\]"),
        ({"holidays": {"country": "XX"}}, "calendar.holidays"),
        ({"holidays": {"country": "DE", "subdivision": "ZZ"}}, "calendar.holidays"),
        ({"holidays": {"subdivision": "BY"}}, "calendar.holidays.subdivision"),
        ({"holidays": {"land": "DE"}}, "calendar.holidays"),
        ({"closed": ["24.12.2026"]}, "calendar.closed"),
    ],
)
def test_bad_config_names_the_field(config, message):
    with pytest.raises(ValueError, match=message):
        calendar_from_config(config)


def test_a_calendar_closed_all_week_is_refused():
    with pytest.raises(ValueError, match="no open interval"):
        BusinessCalendar(hours=((),) * EVERY_DAY)


def test_a_calendar_closed_for_years_is_an_error_not_a_hang():
    closed = frozenset(date(2026, 1, 1) + timedelta(days=n) for n in range(4 * 366))
    with pytest.raises(ValueError, match="no open day"):
        next_open(BusinessCalendar(closed_dates=closed), datetime(2026, 1, 1, tzinfo=UTC))


def test_the_holidays_package_is_imported_only_for_a_configured_country():
    script = (
        "import sys, datetime as d;"
        "from chalicelib.sla import calendar, clock, policy, timer;"
        "c = calendar.default_calendar();"
        "calendar.add_business_minutes(c, d.datetime(2026, 1, 1, tzinfo=d.UTC), 5000);"
        "policy.default_policy();"
        "assert 'holidays' not in sys.modules, 'holidays imported'"
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=Path(__file__).parents[2])
