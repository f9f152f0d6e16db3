"""An agent's working hours: a short text an admin types, read as an SLA business calendar (no I/O).

`"mon-fri 09:00-17:00; sat 10:00-14:00"`: `;`-separated entries, each a weekday or a range of
weekdays and one or more `HH:MM-HH:MM` intervals (24:00 ends a day; `always` is every day, all
day). The calendar is the agent's own zone, so "inside their working hours" is
`sla.calendar.is_open`, DST included. No text (None) means DEFAULT: Monday to Friday 09:00-17:00.
"""

from __future__ import annotations

from chalicelib.sla.calendar import WEEKDAYS, BusinessCalendar, calendar_from_config

DEFAULT = "mon-fri 09:00-17:00"
ALWAYS = "always"
MAX_LENGTH = 200


def parse(text: str) -> dict[str, list[list[str]]]:
    """The `hours` mapping of `sla.calendar.calendar_from_config`; ValueError names the bad part."""
    text = " ".join(text.lower().split())
    if text == ALWAYS:
        return {day: [["00:00", "24:00"]] for day in WEEKDAYS}
    if not text or len(text) > MAX_LENGTH:
        raise ValueError(f"working hours need 1 to {MAX_LENGTH} characters, e.g. {DEFAULT!r}")
    hours: dict[str, list[list[str]]] = {}
    for entry in filter(None, (part.strip() for part in text.split(";"))):
        days, *spans = entry.split()
        if not spans:
            raise ValueError(f"working hours: {entry!r} needs a time like 09:00-17:00 after the days")
        for day in _days(days):
            hours.setdefault(day, []).extend(_span(span) for span in spans)
    for intervals in hours.values():
        intervals.sort()
    return hours


def checked(text: str) -> str:
    """The text as stored (whitespace normalised), once it reads as a valid calendar."""
    calendar("UTC", text)
    return " ".join(text.lower().split())


def calendar(time_zone: str, text: str | None) -> BusinessCalendar:
    """The agent's working week in their zone (DEFAULT when they have none)."""
    try:
        return calendar_from_config(
            {"time_zone": time_zone, "hours": parse(DEFAULT if text is None else text)}
        )
    except ValueError as error:
        raise ValueError(str(error).replace("calendar.hours.", "working hours: ")) from None


def _days(spec: str) -> list[str]:
    first, _, last = spec.partition("-")
    if first not in WEEKDAYS or (last and last not in WEEKDAYS):
        raise ValueError(f"working hours: {spec!r} is not a weekday or a range like mon-fri")
    start, end = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
    if end < start:
        raise ValueError(f"working hours: {spec!r} runs backwards (write mon-fri, not fri-mon)")
    return list(WEEKDAYS[start : end + 1])


def _span(span: str) -> list[str]:
    start, dash, end = span.partition("-")
    if not dash:
        raise ValueError(f"working hours: {span!r} is not a time range like 09:00-17:00")
    return [start, end]
