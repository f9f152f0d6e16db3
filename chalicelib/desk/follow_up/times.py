"""Wall-clock times in an agent's zone, as pure functions of a given instant (no I/O, no "now").

Snooze quick picks ("tomorrow 9:00", "next Monday 9:00"), a chosen local date and time, the
morning a due date's reminder goes out, and whether a due date is today or past, all in the zone
of whoever looks, by `desk.base.times.at_local`'s DST rule.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from chalicelib.desk.base.times import at_local

QuickPick = Literal["tomorrow", "next_monday"]
QUICK_PICKS: tuple[QuickPick, ...] = ("tomorrow", "next_monday")
MORNING = time(9, 0)
DueState = Literal["overdue", "today", "later"]


def local_day(now: datetime, tz: ZoneInfo) -> date:
    return now.astimezone(tz).date()


def quick_pick(pick: QuickPick, now: datetime, tz: ZoneInfo) -> datetime:
    """Tomorrow 9:00, or the next Monday 9:00 (a week ahead on a Monday), in `tz`, as UTC."""
    today = local_day(now, tz)
    if pick == "tomorrow":
        return at_local(today + timedelta(days=1), MORNING, tz)
    days = (7 - today.weekday()) % 7 or 7
    return at_local(today + timedelta(days=days), MORNING, tz)


def reminder_at(due: date, tz: ZoneInfo) -> datetime:
    """The morning a due date is reminded of: 9:00 on that day in `tz`."""
    return at_local(due, MORNING, tz)


def due_state(due: date, now: datetime, tz: ZoneInfo) -> DueState:
    """Whether a due date is past, today or later for someone in `tz` at `now`."""
    today = local_day(now, tz)
    return "overdue" if due < today else "today" if due == today else "later"


def parse_date(value: str) -> date:
    """`YYYY-MM-DD` only (ValueError otherwise)."""
    if len(value) != 10:
        raise ValueError(f"not a date: {value!r}")
    return date.fromisoformat(value)


def whole_seconds(at: datetime) -> datetime:
    """Rounded up to the next whole second: a timer waits for exactly the instant the ticket shows."""
    at = at.astimezone(UTC)
    return at.replace(microsecond=0) + (timedelta(seconds=1) if at.microsecond else timedelta())
