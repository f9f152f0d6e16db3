"""Pure parts of the desk: settings parsing, query planning, cursors, tags, SES event translation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.config import ConfigError, Mailbox, parse_mailboxes
from chalicelib.desk.agent_work.ticket_changes import normalise_tags
from chalicelib.desk.base import storage
from chalicelib.desk.base.cursor import decode_cursor, encode_cursor
from chalicelib.desk.base.errors import InvalidRequest
from chalicelib.desk.setup.agents import AgentProfile
from chalicelib.desk.setup.directory import Directory
from chalicelib.desk.ticket.records import attachment_ref, customer_message, describe_event
from chalicelib.desk.ticket.tickets import TicketFilter, plan_query
from chalicelib.mail.message import Address, Attachment

KEYS = frozenset({"number", "status", "updated_at"})


def _agent(role: str, teams: tuple[str, ...] = ("Support",), active: bool = True) -> AgentProfile:
    return AgentProfile(email=f"{role}@example.com", name=role, role=role, teams=teams, active=active)


@pytest.mark.parametrize(
    ("agent", "may_take", "leads"),
    [
        (_agent("agent"), True, False),
        (_agent("agent", teams=("Billing",)), False, False),
        (_agent("lead"), True, True),
        (_agent("lead", teams=("Billing",)), False, False),
        (_agent("admin", teams=()), True, True),
        (_agent("lead", active=False), False, False),
        (_agent("admin", active=False), False, False),
    ],
)
def test_who_may_take_and_who_leads_a_team_s_tickets(agent, may_take, leads):
    assert agent.may_take("Support") is may_take
    assert agent.leads("Support") is leads


@pytest.mark.parametrize(
    ("away_until", "active", "away", "available"),
    [
        (None, True, False, True),
        (1_000, True, True, False),
        (999, True, False, True),  # the time set has passed: back by itself
        (None, False, False, False),
    ],
)
def test_an_agent_is_away_until_the_time_set_and_then_back(away_until, active, away, available):
    agent = AgentProfile(
        email="a@example.com",
        name="A",
        role="agent",
        teams=("Support",),
        active=active,
        away_until=away_until,
    )
    assert agent.is_away(now=999.5) is away
    assert agent.is_available(now=999.5) is available


def test_a_mailbox_is_found_whatever_the_tag_and_case():
    configured = Directory(
        teams=("Support",), mailboxes=(Mailbox("support@example.com", "Support"),), canned=()
    )
    assert configured.mailbox_for("Support+a+b@Example.COM").team == "Support"
    assert configured.mailbox_for("support@example.com@evil.test") is None
    assert configured.mailbox_for("support") is None


def test_mailboxes_parse_and_map_plus_addresses():
    mailboxes = parse_mailboxes(" Support@Example.com = Support , billing@example.com=Billing ")
    assert mailboxes == (Mailbox("support@example.com", "Support"), Mailbox("billing@example.com", "Billing"))
    configured = Directory(teams=("Support", "Billing"), mailboxes=mailboxes, canned=())
    assert configured.mailbox_for("SUPPORT+1042@example.com").team == "Support"
    assert configured.mailbox_for("support@other.test") is None


@pytest.mark.parametrize("value", ["", "support@example.com", "=Support", "nope=Support", "a@b.c="])
def test_bad_mailbox_settings_name_the_problem(value):
    with pytest.raises(ConfigError):
        parse_mailboxes(value)


@pytest.mark.parametrize(
    ("ticket_filter", "index", "key", "residual"),
    [
        (TicketFilter(), "all_index", "ticket", {}),
        (TicketFilter(status="open"), "status_index", "open", {}),
        (TicketFilter(team="Billing"), "team_index", "Billing", {}),
        (TicketFilter(team="Billing", status="open"), "team_status_index", "Billing#open", {}),
        (TicketFilter(assignee="A@x.test", status="open"), "assignee_index", "a@x.test", {"status": "open"}),
        (
            TicketFilter(requester="C@x.test", team="Billing", status="new"),
            "requester_index",
            "c@x.test",
            {"team": "Billing", "status": "new"},
        ),
    ],
)
def test_each_filter_is_a_query_on_the_most_selective_index(ticket_filter, index, key, residual):
    plan = plan_query(ticket_filter)
    assert (plan.index, plan.hash_value, plan.residual) == (index, key, residual)


@given(st.dictionaries(st.sampled_from(sorted(KEYS)), st.text(min_size=1), min_size=3, max_size=3))
def test_cursor_round_trips(values):
    key = {name: {"S": value} for name, value in values.items()}
    assert decode_cursor(encode_cursor(key), KEYS) == key


@pytest.mark.parametrize(
    "cursor",
    [
        "%%%",
        "bm90IGpzb24",
        encode_cursor({"number": {"N": "1"}}),
        encode_cursor({"number": {"X": "1"}, "a": 1}),
    ],
)
def test_foreign_or_forged_cursors_are_rejected(cursor):
    with pytest.raises(InvalidRequest):
        decode_cursor(cursor, KEYS)


def test_tags_are_normalised_and_deduplicated():
    assert normalise_tags(["VIP", " Late  Delivery ", "vip"]) == ("vip", "late-delivery")
    for bad in (["x" * 41], [""], ["a#b"], "vip", [1]):
        with pytest.raises(InvalidRequest):
            normalise_tags(bad)


def test_events_read_as_sentences():
    assert (
        describe_event({"type": "status", "from": "new", "to": "open"}) == "Status changed from new to open"
    )
    assert describe_event({"type": "assignee", "from": "", "to": "a@x.test"}) == (
        "Assignee changed from nobody to a@x.test"
    )


def test_a_customer_message_is_the_same_item_from_either_channel():
    at = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    message = customer_message(
        Address(email="ann@example.com", name=""),
        "web",
        "Help",
        at,
        text="full",
        visible="new",
        to=["s@x.test"],
    )
    assert (message.kind, message.channel, message.ticket_number) == ("customer", "web", 0)
    assert (message.from_email, message.from_name, message.subject, message.to) == (
        "ann@example.com",
        None,
        "Help",
        ["s@x.test"],
    )
    assert (message.body_text, message.visible_text, message.created_at) == ("full", "new", at)
    assert message.key.startswith("2024-05-06T07:08:09.123456Z#")


def test_an_attachment_ref_points_where_the_file_is_stored():
    file = Attachment(filename="a b.pdf", content_type="application/pdf", content=b"%PDF")
    ref = attachment_ref("abc", 2, file, content_id="cid1", inline=True)
    assert (ref.id, ref.filename, ref.content_type, ref.size) == ("2", "a b.pdf", "application/pdf", 4)
    assert (ref.s3_key, ref.content_id, ref.inline) == (
        storage.attachment_key("abc", 2, "a b.pdf"),
        "cid1",
        True,
    )
