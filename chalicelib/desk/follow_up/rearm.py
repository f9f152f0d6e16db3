"""A ticket's follow-up timers started again from what it stores (the local runtime after a restart,
whose executions in flight are not kept): the wake-up of a snooze, the reminder of a due date whose
morning is still ahead. Same names as the first start, so one still running is found, not doubled."""

from __future__ import annotations

from datetime import datetime

from chalicelib.desk.base.times import zone
from chalicelib.desk.follow_up import timers
from chalicelib.desk.follow_up.times import parse_date, reminder_at
from chalicelib.desk.setup import directory
from chalicelib.models import Ticket


def rearm(ticket: Ticket, now: datetime) -> int:
    """Start what the ticket still waits for; returns how many timers that is."""
    started = 0
    if ticket.snoozed_until is not None and ticket.status == "pending":
        timers.start(ticket.number, "wake", ticket.snooze_version, ticket.snoozed_until)
        started += 1
    if ticket.due_scope and ticket.due_date:
        found = next((a for a in directory.agents() if a.email == ticket.assignee), None)
        remind = reminder_at(parse_date(ticket.due_date), zone(found.time_zone if found else "UTC"))
        if remind > now:
            timers.start(ticket.number, "due", ticket.due_version, remind)
            started += 1
    return started
