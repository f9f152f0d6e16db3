"""Times as fixed-width UTC text, which sorts as the times do, and wall-clock times in a zone.

One format for every key that is ordered by time: message keys (a thread's Query is oldest first),
the event feed's cursor (compared with those keys) and the queue views' sort keys. The times agents
type (away until, snooze until) are wall-clock times in their own zone: local times that a DST
change skips move forward by the gap (02:30 on a spring night is 03:30); ones it repeats take their
first occurrence (`fold=0`), as a wall clock read then.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def sortable_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def zone(name: str | None) -> ZoneInfo:
    """The agent's zone; an unknown or empty name is UTC (a profile is never a reason to fail)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def at_local(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """The UTC instant the wall clocks of `tz` show `clock` on `day` (see the module's DST rule)."""
    # PEP 495: with fold=0 a skipped time takes the offset before the change, which lands after the
    # gap, and a repeated time its first occurrence.
    return datetime.combine(day, clock).replace(tzinfo=tz, fold=0).astimezone(UTC)


def parse_local(value: str, tz: ZoneInfo) -> datetime:
    """`YYYY-MM-DDTHH:MM` (what `<input type="datetime-local">` sends; seconds allowed) read in `tz`,
    or an ISO instant with its own offset. ValueError for anything else."""
    parsed = datetime.fromisoformat(value.strip())
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC).replace(microsecond=0)
    return at_local(parsed.date(), parsed.time().replace(microsecond=0), tz)
