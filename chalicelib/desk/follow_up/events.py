"""The follow-up timers' events, as the SLA queue's consumer (handlers/sla.py) hands them here."""

from __future__ import annotations

import json
from dataclasses import dataclass

from chalicelib.desk.follow_up import due_dates, snooze
from chalicelib.desk.follow_up.timer import KINDS, Kind


@dataclass(frozen=True)
class FollowUpEvent:
    kind: Kind
    ticket_number: int
    version: int

    @classmethod
    def from_body(cls, body: str) -> FollowUpEvent | None:
        """The event in a queue message; None for a message of another kind (an SLA event)."""
        data = json.loads(body)
        if data.get("type") != "follow_up":
            return None
        if data.get("kind") not in KINDS:
            raise ValueError(f"not a follow-up event: {body[:200]}")
        return cls(data["kind"], int(data["ticket_number"]), int(data["version"]))


def handle(event: FollowUpEvent) -> str:
    if event.kind == "wake":
        return snooze.wake(event.ticket_number, event.version)
    return due_dates.remind(event.ticket_number, event.version)
