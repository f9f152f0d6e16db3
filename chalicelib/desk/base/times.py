"""Times as fixed-width UTC text, which sorts as the times do.

One format for every key that is ordered by time: message keys (a thread's Query is oldest first),
the event feed's cursor (compared with those keys) and the queue views' sort keys.
"""

from __future__ import annotations

from datetime import UTC, datetime


def sortable_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
