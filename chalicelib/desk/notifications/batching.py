"""At most one notification mail per agent and ticket per window (5 minutes), saying everything
that happened in it: the decisions, pure.

The first event after a quiet window is mailed at once and opens a window. Events inside it are
collected (`pending`), and the first of them queues one delayed flush for the window's end; the
flush mails what was collected and opens the next window. So an agent gets a mail at once, then at
most one more per window, each listing every event since the last.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Window:
    """One agent's mail window for one ticket, as stored (`mail#<ticket>`)."""

    until: int = 0  # epoch seconds: no mail before this
    pending: tuple[str, ...] = ()  # lines collected for the next mail
    queued: bool = False  # a delayed flush is on its way


@dataclass(frozen=True)
class Decision:
    action: Literal["send", "collect"]
    window: Window  # the window to store
    flush_in: int | None = None  # queue a flush due in this many seconds (collect only)


def on_event(current: Window | None, line: str, now: int, window_s: int) -> Decision:
    """What an event does to the window: mail now, or collect (queueing a flush if none is)."""
    current = current or Window()
    if now >= current.until and not current.queued and not current.pending:
        return Decision("send", Window(until=now + window_s))
    pending = collected(current.pending, line)
    if current.queued:
        return Decision("collect", Window(current.until, pending, True))
    return Decision("collect", Window(current.until, pending, True), flush_in=max(0, current.until - now))


@dataclass(frozen=True)
class Flush:
    lines: tuple[str, ...]  # what to mail now (none: nothing)
    window: Window
    flush_in: int | None = None  # early (a window longer than SQS's longest delay): again then


def on_flush(current: Window | None, now: int, window_s: int) -> Flush:
    """A flush: the lines to mail and the window after it. A flush that mails opens a new window;
    one with nothing to say leaves the old one; one that came early waits for the window's end."""
    current = current or Window()
    if not current.pending:
        return Flush((), Window(current.until, (), False))
    if now < current.until:
        return Flush((), current, flush_in=current.until - now)
    return Flush(current.pending, Window(until=now + window_s))


MAX_LINES = 50  # a window's collected lines; past them the last line says there was more
MORE = "… and more updates: see the ticket."


def collected(pending: tuple[str, ...], line: str) -> tuple[str, ...]:
    """`pending` with `line` added, at most MAX_LINES (the last one then says there was more)."""
    if len(pending) < MAX_LINES - 1:
        return (*pending, line)
    return (*pending[: MAX_LINES - 1], MORE)


# Delayed SQS messages wait at most 15 minutes; a longer window flushes in steps (`Flush.flush_in`).
MAX_DELAY_S = 900


def delay(seconds: int) -> int:
    return min(max(0, seconds), MAX_DELAY_S)
