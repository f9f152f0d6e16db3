"""EventBridge schedule expressions as the local scheduler evaluates them (local/cron.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from chalice import Cron, Rate
from hypothesis import given, settings
from hypothesis import strategies as st

from local.cron import UnsupportedSchedule, next_fire

SUNDAY_EVENING = datetime(2026, 11, 22, 22, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("cron(0 7 ? * MON-FRI *)", datetime(2026, 11, 23, 7, 0)),
        ("cron(30 6 ? * 2-6 *)", datetime(2026, 11, 23, 6, 30)),  # 1 = Sunday, so 2-6 = MON-FRI
        ("cron(0 9 ? * 1 *)", datetime(2026, 11, 29, 9, 0)),  # Sunday 09:00 has passed today
        ("cron(0 23 ? * SUN *)", datetime(2026, 11, 22, 23, 0)),
        ("cron(*/20 * * * ? *)", datetime(2026, 11, 22, 22, 20)),
        ("cron(15 22 * * ? *)", datetime(2026, 11, 23, 22, 15)),  # strictly after
        ("cron(5/10 8-10 ? * SAT,sun *)", datetime(2026, 11, 28, 8, 5)),
        ("cron(0 0 1 JAN,jul ? *)", datetime(2027, 1, 1, 0, 0)),
        ("cron(0 0 29 FEB ? *)", datetime(2028, 2, 29, 0, 0)),
        ("cron(0 12 ? 7 MON 2030)", datetime(2030, 7, 1, 12, 0)),
        ("cron(0 0 10-20/5 * ? *)", datetime(2026, 12, 10, 0, 0)),
        ("rate(1 minute)", datetime(2026, 11, 22, 22, 16, 30)),
        ("rate(5 hours)", datetime(2026, 11, 23, 3, 15, 30)),
        ("rate(2 days)", datetime(2026, 11, 24, 22, 15, 30)),
    ],
)
def test_next_fire(expression, expected):
    assert next_fire(expression, SUNDAY_EVENING) == expected.replace(tzinfo=UTC)


def test_chalice_expressions_are_understood():
    assert next_fire(Cron(0, 7, "?", "*", "MON-FRI", "*").to_string(), SUNDAY_EVENING).weekday() == 0
    assert next_fire(Rate(1, Rate.HOURS).to_string(), SUNDAY_EVENING) == SUNDAY_EVENING + timedelta(hours=1)


def test_times_are_utc_whatever_zone_after_is_in():
    paris_midnight = datetime(2026, 11, 23, 0, 0, tzinfo=timezone(timedelta(hours=1)))
    assert next_fire("cron(0 0 * * ? *)", paris_midnight) == datetime(2026, 11, 23, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 0 L * ? *)",
        "cron(0 0 15W * ? *)",
        "cron(0 0 ? * 6#3 *)",
        "cron(0 0 ? * 6L *)",
        "cron(0 0 ? * FRI#2 *)",
    ],
)
def test_l_w_and_hash_are_refused_as_unsupported(expression):
    with pytest.raises(UnsupportedSchedule):
        next_fire(expression, SUNDAY_EVENING)


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 0 * * * *)",  # neither day field is ?
        "cron(0 0 ? * ? *)",  # both are
        "cron(0 7 ? * MON-FRI)",  # five fields
        "cron(60 0 * * ? *)",
        "cron(0 24 * * ? *)",
        "cron(0 0 0 * ? *)",
        "cron(0 0 ? * 8 *)",
        "cron(0 0 ? FOO * *)",
        "cron(0 0 ? * FRI-MON *)",
        "cron(*/0 * * * ? *)",
        "cron(0 0 31 FEB ? *)",  # never
        "cron(0 0 1 1 ? 2020)",  # only in the past
        "rate(1 minutes)",
        "rate(5 minute)",
        "rate(0 minutes)",
        "rate(5 weeks)",
        "every day",
    ],
)
def test_invalid_expressions_are_refused(expression):
    with pytest.raises(ValueError):
        next_fire(expression, SUNDAY_EVENING)


def test_a_naive_instant_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        next_fire("rate(1 minute)", datetime(2026, 1, 1))


def brute_force(minutes: set[int], hours: set[int], weekdays: set[int], after: datetime) -> datetime:
    at = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while not (at.minute in minutes and at.hour in hours and at.isoweekday() % 7 + 1 in weekdays):
        at += timedelta(minutes=1)
    return at


@settings(max_examples=60, deadline=None)
@given(
    minutes=st.sets(st.integers(0, 59), min_size=1, max_size=3),
    hours=st.sets(st.integers(0, 23), min_size=1, max_size=3),
    weekdays=st.sets(st.integers(1, 7), min_size=1, max_size=3),
    after=st.datetimes(datetime(2026, 1, 1), datetime(2027, 1, 1), timezones=st.just(UTC)),
)
def test_cron_agrees_with_walking_minute_by_minute(minutes, hours, weekdays, after):
    def listed(values: set[int]) -> str:
        return ",".join(map(str, sorted(values)))

    expression = f"cron({listed(minutes)} {listed(hours)} ? * {listed(weekdays)} *)"
    assert next_fire(expression, after) == brute_force(minutes, hours, weekdays, after)
