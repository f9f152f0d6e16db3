"""Business-time arithmetic: when N open minutes have elapsed, and how many lie between two instants.

Opening hours are wall-clock intervals in the calendar's zone, as minutes of the day `[start, end)`
with `0 <= start < end <= 1440` (1440 is midnight at the end of the day; hours across midnight are
two intervals). An interval on a date runs from the first instant the zone's clock shows its start
to the first instant it shows its end, so DST is real elapsed time: 09:00-17:00 is 8 h on a change
day unless the change falls inside it; a boundary inside a spring-forward gap maps to the transition;
a repeated fall-back hour inside an interval counts once per real hour, never twice on paper.

All instants in and out are timezone-aware UTC (aware non-UTC input is converted, naive is refused).
Minutes become whole microseconds (`timedelta`), so adding `a` then `b` equals adding `a + b`
exactly. Adding N > 0 minutes ends *inside* an open interval or exactly at its end (the end is
returned, not the next opening); adding 0 returns the start itself, open or not.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Interval = tuple[int, int]  # minutes of the day, [start, end)
DAY_MINUTES = 1440
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OFFICE_HOURS: tuple[tuple[Interval, ...], ...] = tuple(((540, 1020),) if d < 5 else () for d in range(7))
# A calendar with this many closed days in a row is treated as broken rather than searched forever.
_MAX_CLOSED_RUN = 3 * 366
_HHMM = re.compile(r"(\d{2}):(\d{2})")
_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class BusinessCalendar:
    """When the team works: a zone, weekly hours (index 0 = Monday), public holidays, closed dates."""

    time_zone: str = "UTC"
    hours: tuple[tuple[Interval, ...], ...] = OFFICE_HOURS
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    closed_dates: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise ValueError(f"time_zone {self.time_zone!r} is not an IANA time zone") from None
        if len(self.hours) != 7:
            raise ValueError("hours must have one entry per weekday, Monday first")
        for weekday, intervals in zip(WEEKDAYS, self.hours, strict=True):
            _check_intervals(weekday, intervals)
        if not any(self.hours):
            raise ValueError("hours has no open interval in the week")
        if self.holiday_subdivision and not self.holiday_country:
            raise ValueError("holidays.subdivision needs holidays.country")
        if self.holiday_country:
            _check_holiday_region(self.holiday_country, self.holiday_subdivision)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)  # ZoneInfo caches instances by key

    def is_closed_day(self, day: date) -> bool:
        """A public holiday or a custom closed date (the local date in the calendar's zone)."""
        if day in self.closed_dates:
            return True
        return bool(self.holiday_country) and day in _holiday_dates(
            self.holiday_country, self.holiday_subdivision, day.year
        )


def _check_intervals(weekday: str, intervals: tuple[Interval, ...]) -> None:
    previous_end = 0
    for start, end in intervals:
        if not all(type(v) is int for v in (start, end)) or not 0 <= start < end <= DAY_MINUTES:
            raise ValueError(f"hours.{weekday}: {start!r}-{end!r} is not 0 <= start < end <= 1440")
        if start < previous_end:
            raise ValueError(f"hours.{weekday}: intervals must be sorted and must not overlap")
        previous_end = end


def _check_holiday_region(country: str, subdivision: str | None) -> None:
    import holidays

    try:
        holidays.country_holidays(country, subdiv=subdivision)
    except NotImplementedError as error:
        raise ValueError(f"holidays: {error}") from None


@functools.lru_cache(maxsize=128)
def _holiday_dates(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    """Public holidays (observed days included) of one region and year; the package loads on first use."""
    import holidays

    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year))


def default_calendar() -> BusinessCalendar:
    """UTC, Monday to Friday 09:00-17:00, no holidays: a start a new team can refine."""
    return BusinessCalendar()


def utc(value: datetime, name: str = "datetime") -> datetime:
    """The instant in UTC; naive datetimes are refused because their instant is unknown."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")
    return value.astimezone(UTC)


def _offset(value: datetime) -> timedelta:
    """The UTC offset of a datetime in a ZoneInfo zone, which always has one."""
    offset = value.utcoffset()
    if offset is None:
        raise ValueError(f"{value!r} has no UTC offset")
    return offset


def _instant(zone: ZoneInfo, day: date, minute: int) -> datetime:
    """The first instant at which the zone's clock shows `minute` of `day` or later."""
    wall = datetime(day.year, day.month, day.day) + timedelta(minutes=minute)
    local = wall.replace(tzinfo=zone)  # fold=0: the first of two repeated times
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == wall:
        return instant
    # A skipped wall time: fold=0 read it with the old offset, landing after the transition; the
    # new offset lands before it. The transition itself is the first instant showing `wall` or later.
    new_offset = _offset(instant.astimezone(zone))
    after = int(instant.timestamp())
    before = after - int((new_offset - _offset(local)).total_seconds())
    while after - before > 1:
        middle = (before + after) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == new_offset:
            after = middle
        else:
            before = middle
    return datetime.fromtimestamp(after, UTC)


@functools.lru_cache(maxsize=4096)
def _day_spans(calendar: BusinessCalendar, day: date) -> tuple[tuple[datetime, datetime], ...]:
    if calendar.is_closed_day(day):
        return ()
    zone = calendar.zone
    spans = (
        (_instant(zone, day, start), _instant(zone, day, end)) for start, end in calendar.hours[day.weekday()]
    )
    return tuple((start, end) for start, end in spans if start < end)


def _spans_from(calendar: BusinessCalendar, since: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Open spans in time order: the one containing `since` (clipped to it), then every later one."""
    day = since.astimezone(calendar.zone).date() - timedelta(days=1)
    closed_run = 0
    while closed_run <= _MAX_CLOSED_RUN:
        spans = _day_spans(calendar, day)
        for start, end in spans:
            if end > since:
                yield max(start, since), end
        closed_run = 0 if spans else closed_run + 1
        day += timedelta(days=1)
    raise ValueError(f"calendar has no open day in {_MAX_CLOSED_RUN} days after {since.date()}")


def add_business_minutes(calendar: BusinessCalendar, start: datetime, minutes: float) -> datetime:
    """The instant at which `minutes` of open time have elapsed after `start`."""
    if minutes < 0:
        raise ValueError(f"minutes must not be negative, got {minutes}")
    start = utc(start, "start")
    remaining = timedelta(minutes=minutes)
    if not remaining:
        return start
    spans = _spans_from(calendar, start)
    while True:
        span_start, span_end = next(spans)
        if remaining <= span_end - span_start:
            return span_start + remaining
        remaining -= span_end - span_start


def business_minutes_between(calendar: BusinessCalendar, start: datetime, end: datetime) -> float:
    """Open minutes in `[start, end)`; 0 when `end` is not after `start`."""
    start, end = utc(start, "start"), utc(end, "end")
    total = timedelta()
    if end > start:
        for span_start, span_end in _spans_from(calendar, start):
            if span_start >= end:
                break
            total += min(span_end, end) - span_start
    return total / _MINUTE


def next_open(calendar: BusinessCalendar, at: datetime) -> datetime:
    """`at` itself when open, else the start of the next open interval."""
    return next(_spans_from(calendar, utc(at, "at")))[0]


def is_working_day(calendar: BusinessCalendar, day: date) -> bool:
    """The calendar opens on this local date (a weekday with hours, no holiday, not closed)."""
    return bool(_day_spans(calendar, day))


def is_open(calendar: BusinessCalendar, at: datetime) -> bool:
    at = utc(at, "at")
    return next_open(calendar, at) == at


def _minute_of_day(value: object, field: str, *, end: bool) -> int:
    match = _HHMM.fullmatch(value) if isinstance(value, str) else None
    hour, minute = (int(match[1]), int(match[2])) if match else (-1, -1)
    if not (0 <= hour < 24 and 0 <= minute < 60) and not (end and (hour, minute) == (24, 0)):
        raise ValueError(f"{field}: {value!r} is not a time 'HH:MM' (00:00-23:59, 24:00 as an end)")
    return hour * 60 + minute


def _hours_from_config(data: object) -> tuple[tuple[Interval, ...], ...]:
    if not isinstance(data, Mapping):
        raise ValueError("calendar.hours must be an object of weekday → [[start, end], ...]")
    if unknown := sorted(set(data) - set(WEEKDAYS)):
        raise ValueError(f"calendar.hours: unknown weekday {', '.join(map(str, unknown))} (use mon..sun)")
    week = []
    for weekday in WEEKDAYS:
        intervals = data.get(weekday) or []
        if not isinstance(intervals, list):
            raise ValueError(f"calendar.hours.{weekday} must be a list of [start, end]")
        day = []
        for n, pair in enumerate(intervals):
            field = f"calendar.hours.{weekday}[{n}]"
            if not isinstance(pair, list | tuple) or len(pair) != 2:
                raise ValueError(f"{field} must be [start, end]")
            day.append((_minute_of_day(pair[0], field, end=False), _minute_of_day(pair[1], field, end=True)))
        week.append(tuple(day))
    return tuple(week)


def _closed_from_config(data: object) -> frozenset[date]:
    if not isinstance(data, list):
        raise ValueError("calendar.closed must be a list of 'YYYY-MM-DD' dates")
    try:
        return frozenset(date.fromisoformat(value) for value in data)
    except (TypeError, ValueError):
        raise ValueError(f"calendar.closed: {data!r} has an entry that is not a 'YYYY-MM-DD' date") from None


def _text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{field}: {value!r} is not a string")
    return value


def calendar_from_config(data: object) -> BusinessCalendar:
    """Read `{"time_zone", "hours": {"mon": [["09:00", "17:00"]]}, "holidays": {...}, "closed": [...]}`.

    Every key is optional (defaults: UTC, Monday to Friday 09:00-17:00, no holidays); a weekday left
    out of `hours` is closed. Unknown keys are refused so that a typo does not silently do nothing.
    """
    if not isinstance(data, Mapping):
        raise ValueError("calendar must be an object")
    if unknown := sorted(set(data) - {"time_zone", "hours", "holidays", "closed"}):
        raise ValueError(f"calendar: unknown field {', '.join(unknown)}")
    region = data.get("holidays") or {}
    if not isinstance(region, Mapping) or set(region) - {"country", "subdivision"}:
        raise ValueError('calendar.holidays must be {"country": "DE", "subdivision": "BY"}')
    country, subdivision = region.get("country"), region.get("subdivision")
    try:
        return BusinessCalendar(
            time_zone=_text(data.get("time_zone", "UTC"), "time_zone"),
            hours=_hours_from_config(data["hours"]) if "hours" in data else OFFICE_HOURS,
            holiday_country=None if country is None else _text(country, "holidays.country"),
            holiday_subdivision=None if subdivision is None else _text(subdivision, "holidays.subdivision"),
            closed_dates=_closed_from_config(data.get("closed", [])),
        )
    except ValueError as error:
        message = str(error)
        raise ValueError(message if message.startswith("calendar") else f"calendar.{message}") from None
