"""Webhook payloads and retry timing (desk.webhooks.payload, desk.webhooks.retry): pure rules."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from chalicelib.desk.events import TicketEvent
from chalicelib.desk.webhooks import payload
from chalicelib.desk.webhooks.retry import MAX_VISIBILITY_S, RETRY_WINDOW_S, backoff_s, receives_for
from chalicelib.models import Ticket

DESK = "https://help.example.com"
AT = datetime(2026, 12, 7, 20, 15, 3, 120000, tzinfo=UTC)


def ticket(**fields) -> Ticket:
    values = {
        "number": 42,
        "subject": "Invoice missing",
        "status": "open",
        "priority": "normal",
        "requester_email": "carla@customer.test",
        "requester_name": "Carla",
        "mailbox": "billing@example.com",
        "team": "Billing",
        "team_status": "Billing#open",
        "assignee": "ben@example.com",
        "tags": ["invoice"],
        "created_at": datetime(2026, 12, 7, 19, 58, 40, tzinfo=UTC),
        "updated_at": AT,
    }
    return Ticket(**(values | fields))


def event(**fields) -> TicketEvent:
    values = {
        "id": f"42#{AT.isoformat()}#a1b2c3",
        "type": "ticket.agent_replied",
        "ticket_number": 42,
        "at": AT,
        "actor": "ana@example.com",
        "actor_name": "Ana",
        "kind": "reply",
        "text": "We sent it again.",
        "change": {},
    }
    return TicketEvent(**(values | fields))


def test_the_payload_is_the_event_and_the_tickets_summary_with_links_to_the_agent_app():
    sent = json.loads(payload.body(event(), ticket(), DESK))
    assert sent == {
        "event": {
            "id": f"42#{AT.isoformat()}#a1b2c3",
            "type": "ticket.agent_replied",
            "at": "2026-12-07T20:15:03.120000Z",
            "actor": {"email": "ana@example.com", "name": "Ana"},
            "kind": "reply",
            "channel": None,
            "internal": False,
            "automatic": False,
            "text": "We sent it again.",
            "text_truncated": False,
            "change": {},
            "mentions": [],
        },
        "ticket": {
            "number": 42,
            "subject": "Invoice missing",
            "status": "open",
            "priority": "normal",
            "team": "Billing",
            "assignee": "ben@example.com",
            "mailbox": "billing@example.com",
            "requester": {"email": "carla@customer.test", "name": "Carla"},
            "tags": ["invoice"],
            "created_at": "2026-12-07T19:58:40.000000Z",
            "updated_at": "2026-12-07T20:15:03.120000Z",
            "follow_up_of": None,
            "merged_into": None,
            "links": {"agent_app": f"{DESK}/tickets/42", "api": f"{DESK}/api/tickets/42"},
        },
    }


def test_customer_links_never_leave_in_a_text_or_a_change():
    footer = f"Thanks!\n\nYour request: {DESK}/t/4x9k2.v1.abc-DEF_0\nRate us: <{DESK}/s/4x9k2.v1.zz/good>."
    sent = payload.payload(event(text=footer, change={"note": f"see {DESK}/t/TOKEN"}), ticket(), DESK)
    assert "/t/" not in json.dumps(sent) and "/s/" not in json.dumps(sent)
    assert sent["event"]["text"] == (
        "Thanks!\n\nYour request: [customer link removed]\nRate us: <[customer link removed]>."
    )
    assert sent["event"]["change"] == {"note": "see [customer link removed]"}
    # Other links, the desk's own agent pages included, stay.
    kept = f"{DESK}/tickets/42 and https://example.org/t/x"
    assert payload.scrub(kept, DESK) == kept


def test_long_texts_are_cut_and_say_so():
    sent = payload.payload(event(text="x" * (payload.MAX_TEXT + 5)), ticket(), DESK)
    assert len(sent["event"]["text"]) == payload.MAX_TEXT and sent["event"]["text_truncated"] is True


def test_internal_events_only_to_endpoints_asking_for_notes():
    note = event(type="ticket.note_added", kind="note", internal=True, mentions=("ben@example.com",))
    assert payload.deliverable(note, include_notes=True)
    assert not payload.deliverable(note, include_notes=False)
    assert payload.deliverable(event(), include_notes=False)
    assert payload.payload(note, ticket(), DESK)["event"]["mentions"] == ["ben@example.com"]


def test_backoff_doubles_from_the_base_up_to_sqs_maximum():
    assert [backoff_s(n, 60) for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert backoff_s(11, 60) == backoff_s(500, 60) == MAX_VISIBILITY_S
    assert backoff_s(0, 60) == 60


@pytest.mark.parametrize("base_s", [1, 5, 60, 300, 3600])
def test_max_receives_covers_the_retry_window_and_no_more_than_needed(base_s):
    receives = receives_for(RETRY_WINDOW_S, base_s)
    waits = [backoff_s(n, base_s) for n in range(1, receives)]
    assert sum(waits) >= RETRY_WINDOW_S > sum(waits[:-1])


def test_the_deployed_schedule():
    assert receives_for(RETRY_WINDOW_S, 60) == 12  # docs/WEBHOOKS.md and infra/ say 12
