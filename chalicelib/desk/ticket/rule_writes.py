"""What the rules decided, as the items of the write that creates or changes the ticket (no I/O).

The rules run before the transaction (`chalicelib.rules.engine.evaluate`, the desk's glue in
`desk.rules`); the writers here turn the `Outcome` into history: each field a rule set is an event
that names the rule ("Rule 'Outage' set priority urgent"), each note an automatic note by the rule.
Rule mails and notifications happen after the commit and record their own events (`desk.rules`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from chalicelib.desk.ticket.records import event_message, message_key
from chalicelib.models import Message
from chalicelib.rules.engine import Outcome

# The action of a rule → the history event type of the field it sets.
FIELD_EVENTS = {
    "set_status": "status",
    "set_priority": "priority",
    "set_team": "team",
    "set_assignee": "assignee",
    "add_tags": "tags",
    "remove_tags": "tags",
}


def by_rule(outcome: Outcome) -> dict[str, str]:
    """Event type → the (last) rule that set that field: `transition.change(by_rule=…)`."""
    return {FIELD_EVENTS[t.kind]: t.rule for t in outcome.taken if t.kind in FIELD_EVENTS}


def opening_events(number: int, at: datetime, outcome: Outcome) -> list[Message]:
    """The events of a new ticket's fields the rules set: from the value it would have had to the
    one it opens with, one event per field (a later rule's change wins)."""
    changes: dict[str, dict[str, str]] = {}
    for taken in outcome.taken:
        if taken.kind in FIELD_EVENTS:
            kind = FIELD_EVENTS[taken.kind]
            first = changes.get(kind, {"from": taken.old})
            changes[kind] = {"type": kind, "from": first["from"], "to": taken.new, "rule": taken.rule}
    moved = [event for event in changes.values() if event["from"] != event["to"]]
    return [event_message(number, None, at, event) for event in moved]


def rule_notes(number: int, mailbox: str, at: datetime, outcome: Outcome) -> list[Message]:
    """Each note a rule adds: internal, automatic, written by the rule, just after `at`."""
    notes = [t for t in outcome.taken if t.kind == "add_note"]
    return [
        Message(
            ticket_number=number,
            key=message_key(at + timedelta(microseconds=2 + position)),
            kind="note",
            from_email=mailbox,
            from_name=f"Rule '{taken.rule}'",
            body_text=taken.new,
            visible_text=taken.new,
            automatic=True,
            created_at=at + timedelta(microseconds=2 + position),
        )
        for position, taken in enumerate(notes)
    ]


def tags_event(number: int, at: datetime, old: Sequence[str], outcome: Outcome) -> Message | None:
    """The event of the tags rules gave an existing ticket (its other fields go through
    `transition.change(by_rule=…)`); None when they left the tags alone."""
    if outcome.tags is None or tuple(old) == outcome.tags:
        return None
    rule = by_rule(outcome)["tags"]
    event = {"type": "tags", "from": ", ".join(old), "to": ", ".join(outcome.tags), "rule": rule}
    return event_message(number, None, at, event)
