"""desk.events: every kind of history item is the event type the contract says (no AWS)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.desk.events import EVENT_TYPES, event_json, from_message, from_stream_image
from chalicelib.desk.events.descriptions import describe_event
from chalicelib.desk.setup.agents import AgentProfile
from chalicelib.desk.ticket.records import customer_message, event_message, message_key
from chalicelib.mail.message import Address
from chalicelib.models import Message, Ticket

AT = datetime(2026, 12, 7, 10, 30, 0, 123456, tzinfo=UTC)
AGENT = AgentProfile(email="ann@example.com", name="Ann", role="agent", teams=("Support",))
CUSTOMER = Address(email="cus@customer.test", name="Cus Tomer")


def _customer(opens: bool, channel: str = "email") -> Message:
    message = customer_message(
        CUSTOMER, channel, "Help", AT, text="whole mail", visible="my words", ticket_number=7
    )
    message.opens_ticket = opens or None
    return message


def _written(kind: str, *, author: tuple[str, str], automatic: bool = False, text: str = "body") -> Message:
    return Message(
        ticket_number=7,
        key=message_key(AT),
        kind=kind,
        from_email=author[0],
        from_name=author[1],
        body_text=f"whole {text}",
        visible_text=text,
        automatic=automatic,
        created_at=AT,
    )


def _event(change: dict[str, str], actor: AgentProfile | None = AGENT) -> Message:
    return event_message(7, actor, AT, change)


CHANGES = [
    ({"type": "status", "from": "new", "to": "open"}, "ticket.status_changed"),
    ({"type": "customer_solved", "from": "open", "to": "solved"}, "ticket.status_changed"),
    ({"type": "priority", "from": "normal", "to": "high"}, "ticket.priority_changed"),
    ({"type": "team", "from": "Support", "to": "Billing"}, "ticket.team_changed"),
    ({"type": "assignee", "from": "", "to": "ann@example.com"}, "ticket.assigned"),
    ({"type": "assignee", "from": "ann@example.com", "to": ""}, "ticket.assigned"),
    ({"type": "tags", "from": "", "to": "vip, refund"}, "ticket.tags_changed"),
    ({"type": "merged", "to": "9"}, "ticket.merged"),
    ({"type": "merged", "from": "5"}, "ticket.merged"),
    ({"type": "sla_warning", "metric": "first_response"}, "sla.warning"),
    ({"type": "sla_breach", "metric": "resolution"}, "sla.breached"),
    ({"type": "csat", "from": "", "to": "good"}, "ticket.rated"),
    ({"type": "follow_up", "from": "", "to": "3"}, "ticket.changed"),
    (
        {"type": "notified", "alert": "warning", "metric": "first_response", "to": "a@x.test"},
        "ticket.changed",
    ),
    ({"type": "links_revoked"}, "ticket.changed"),
]


@pytest.mark.parametrize(("change", "expected"), CHANGES, ids=[f"{c['type']}-{e}" for c, e in CHANGES])
def test_each_event_item_is_its_event_type(change, expected):
    event = from_message(_event(change))
    assert event is not None
    assert (event.type, event.kind, event.change, event.text) == (
        expected,
        "event",
        change,
        describe_event(change),
    )
    assert (event.actor, event.actor_name, event.internal) == ("ann@example.com", "Ann", False)


def test_an_event_of_the_desk_or_the_customer_names_no_actor():
    event = from_message(_event({"type": "sla_breach", "metric": "resolution"}, actor=None))
    assert event is not None and (event.actor, event.actor_name) == (None, None)


def test_the_opening_message_is_the_ticket_created_event_and_a_later_one_a_customer_reply():
    opening, later = from_message(_customer(opens=True)), from_message(_customer(opens=False))
    assert opening is not None and later is not None
    assert (opening.type, later.type) == ("ticket.created", "ticket.customer_replied")
    assert (opening.text, opening.channel, opening.actor, opening.kind) == (
        "my words",
        "email",
        None,
        "customer",
    )


@pytest.mark.parametrize("channel", ["email", "web", "phone", "api"])
def test_a_ticket_is_created_by_any_channel(channel):
    event = from_message(_customer(opens=True, channel=channel))
    assert event is not None and (event.type, event.channel) == ("ticket.created", channel)


def test_an_agents_reply_is_agent_replied_and_the_desks_own_mail_is_a_change():
    reply = from_message(_written("reply", author=("ann@example.com", "Ann"), text="Thanks"))
    ack = from_message(_written("reply", author=("support@example.com", "Support"), automatic=True))
    assert reply is not None and ack is not None
    assert (reply.type, reply.actor, reply.text, reply.internal) == (
        "ticket.agent_replied",
        "ann@example.com",
        "Thanks",
        False,
    )
    assert (ack.type, ack.actor, ack.automatic) == ("ticket.changed", None, True)


def test_notes_are_internal_and_the_desks_own_notes_have_no_actor():
    note = from_message(_written("note", author=("ann@example.com", "Ann"), text="Call them"))
    automatic = from_message(_written("note", author=("support@example.com", "Help desk"), automatic=True))
    assert note is not None and automatic is not None
    assert (note.type, note.internal, note.actor, note.text) == (
        "ticket.note_added",
        True,
        "ann@example.com",
        "Call them",
    )
    assert (automatic.type, automatic.internal, automatic.actor) == ("ticket.note_added", True, None)


def test_a_merge_copy_is_no_event():
    copy = _customer(opens=False)
    copy.merged_from = 5
    assert from_message(copy) is None
    assert from_stream_image(copy.serialize()) is None


def test_the_id_is_the_items_own_key_so_a_retry_names_the_same_event():
    message = _event({"type": "status", "from": "new", "to": "open"})
    first, again = from_message(message), from_stream_image(message.serialize())
    assert first is not None and again is not None
    assert first.id == again.id == f"7#{message.key}"


@pytest.mark.parametrize(
    "message",
    [
        _customer(opens=True),
        _customer(opens=False, channel="web"),
        _written("reply", author=("ann@example.com", "Ann")),
        _written("note", author=("ann@example.com", "Ann")),
        _event({"type": "tags", "from": "a", "to": "a, b"}),
    ],
    ids=["created", "customer_replied", "agent_replied", "note_added", "tags_changed"],
)
def test_a_stream_image_reads_as_the_item_it_is(message):
    assert from_stream_image(message.serialize()) == from_message(message)


def test_mentions_are_read_from_the_image_as_a_string_set():
    note = _written("note", author=("ann@example.com", "Ann"))
    image = {**note.serialize(), "mentions": {"SS": ["zed@example.com", "bob@example.com"]}}
    event = from_stream_image(image)
    assert event is not None and event.mentions == ("bob@example.com", "zed@example.com")


def test_every_message_write_puts_it_in_the_feed_but_a_merge_copy():
    message = _customer(opens=False)
    assert message.serialize()["feed_day"] == {"S": "2026-12-07"}
    message.merged_from = 3
    assert "feed_day" not in message.serialize()


def test_event_json_is_the_documented_shape():
    ticket = Ticket(
        number=7,
        subject="Help",
        status="open",
        priority="normal",
        requester_email="cus@customer.test",
        requester_name="Cus Tomer",
        mailbox="support@example.com",
        team="Support",
        team_status="Support#open",
        assignee="ann@example.com",
        created_at=AT,
        updated_at=AT,
    )
    event = from_message(_event({"type": "assignee", "from": "", "to": "ann@example.com"}))
    assert event is not None
    body = event_json(event, ticket)
    assert body["id"] == event.id and body["type"] == "ticket.assigned"
    assert body["at"] == "2026-12-07T10:30:00.123456Z"
    assert body["actor"] == {"email": "ann@example.com", "name": "Ann"}
    assert body["ticket"]["number"] == 7 and body["ticket"]["requester"] == {
        "email": "cus@customer.test",
        "name": "Cus Tomer",
    }
    assert body["change"] == {"type": "assignee", "from": "", "to": "ann@example.com"}
    assert body["internal"] is False and body["mentions"] == []
    assert "link" not in str(body).lower() and "token" not in str(body).lower()
    assert event_json(event, None)["ticket"] is None


def test_every_event_type_is_reachable():
    reached = {from_message(_event(c)).type for c, _ in CHANGES}  # type: ignore[union-attr]
    reached |= {from_message(_customer(opens=o)).type for o in (True, False)}  # type: ignore[union-attr]
    reached |= {from_message(_written(k, author=("a@example.com", "A"))).type for k in ("reply", "note")}  # type: ignore[union-attr]
    assert reached == set(EVENT_TYPES)
