"""EventBridge schedule expressions, evaluated in UTC: `cron(...)` and `rate(...)`.

`cron(minutes hours day-of-month month day-of-week year)` with `*`, `?`, numbers, ranges, lists,
`/` steps, month names JAN-DEC and weekday names SUN-SAT (numbers 1-7, 1 = Sunday, as in AWS).
Exactly one of day-of-month and day-of-week is `?`, as EventBridge requires. `L`, `W` and `#`
raise `UnsupportedSchedule`: the local scheduler skips such a schedule rather than guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_RATE = re.compile(r"^rate\((\d+) (minute|hour|day)(s?)\)$")
_CRON = re.compile(r"^cron\((\S+(?: \S+){5})\)$")


class UnsupportedSchedule(ValueError):
    """A valid EventBridge expression this local evaluator does not implement (L, W, #)."""


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()

    def parse(self, text: str) -> frozenset[int]:
        tokens = re.findall(r"[A-Z]+|#", text.upper())
        if any(t == "#" or (t not in self.names and set(t) <= {"L", "W"}) for t in tokens):
            raise UnsupportedSchedule(f"{self.name} {text!r}: L, W and # are not supported locally")
        values: set[int] = set()
        for part in text.split(","):
            span, _, step = part.partition("/")
            if span == "*":
                first, last = self.low, self.high
            elif "-" in span:
                first, last = (self._value(v) for v in span.split("-", 1))
            else:
                first = self._value(span)
                last = self.high if step else first
            every = int(step) if step else 1
            if first > last or every < 1:
                raise ValueError(f"{self.name} {part!r} is not a valid range")
            values.update(range(first, last + 1, every))
        return frozenset(values)

    def _value(self, text: str) -> int:
        if text.upper() in self.names:
            return self.names.index(text.upper()) + self.low
        if not text.isdigit() or not self.low <= int(text) <= self.high:
            raise ValueError(f"{self.name} {text!r} is not in {self.low}-{self.high}")
        return int(text)


_FIELDS = (
    _Field("minutes", 0, 59),
    _Field("hours", 0, 23),
    _Field("day-of-month", 1, 31),
    _Field("month", 1, 12, MONTHS),
    _Field("day-of-week", 1, 7, WEEKDAYS),
    _Field("year", 1970, 2199),
)


@dataclass(frozen=True)
class _Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int] | None  # None: `?`, the day-of-week decides
    months: frozenset[int]
    weekdays: frozenset[int] | None  # 1 = Sunday; None: `?`
    years: frozenset[int]

    def matches_day(self, day: date) -> bool:
        """Day of month or weekday; the caller has checked year and month."""
        if self.days is not None:
            return day.day in self.days
        assert self.weekdays is not None
        return (day.isoweekday() % 7) + 1 in self.weekdays


def _parse_cron(fields: list[str]) -> _Cron:
    day_field, weekday_field = fields[2], fields[4]
    if (day_field == "?") == (weekday_field == "?"):
        raise ValueError("exactly one of day-of-month and day-of-week must be '?'")
    parsed = [None if text == "?" else spec.parse(text) for spec, text in zip(_FIELDS, fields, strict=True)]
    return _Cron(*parsed)  # type: ignore[arg-type]


def next_fire(expression: str, after: datetime) -> datetime:
    """The first instant strictly after `after` (timezone-aware) at which the schedule fires, in UTC.

    A rate fires every period counted from `after` (the previous firing or the scheduler's start).
    """
    if after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    after = after.astimezone(UTC)
    if rate := _RATE.match(expression):
        count, unit, plural = int(rate[1]), rate[2], rate[3]
        if count < 1 or (count == 1) == bool(plural):
            raise ValueError(f"{expression!r}: use 'rate(1 {unit})' or 'rate(N {unit}s)' with N > 1")
        return after + timedelta(**{f"{unit}s": count})
    cron = _CRON.match(expression)
    if not cron:
        raise ValueError(f"{expression!r} is neither cron(...) with six fields nor rate(N unit)")
    schedule = _parse_cron(cron[1].split(" "))
    times = [(h, m) for h in sorted(schedule.hours) for m in sorted(schedule.minutes)]
    start = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
    day = start.date()
    while day.year <= max(schedule.years):
        if day.year not in schedule.years:
            day = date(day.year + 1, 1, 1)
        elif day.month not in schedule.months:
            day = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
        else:
            earliest = (start.hour, start.minute) if day == start.date() else (0, 0)
            found = next((t for t in times if t >= earliest), None)
            if found and schedule.matches_day(day):
                return datetime(day.year, day.month, day.day, *found, tzinfo=UTC)
            day += timedelta(days=1)
    raise ValueError(f"{expression!r} never fires after {after.isoformat()}")
