"""Notifications, pure: who is told (recipients), mail batching decisions, mentions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from chalicelib.desk.base.errors import InvalidRequest
from chalicelib.desk.events import TicketEvent
from chalicelib.desk.notifications import batching, mentions
from chalicelib.desk.notifications.recipients import Preferences, candidate_emails, recipients
from chalicelib.desk.setup.agents import AgentProfile

NOW = 1_800_000_000.0
AT = datetime(2027, 1, 15, 10, 0, tzinfo=UTC)
ADA = AgentProfile("ada@example.com", "Ada", "agent", ("Support",))
BOB = AgentProfile("bob@example.com", "Bob", "agent", ("Support",))
CAROL = AgentProfile("carol@example.com", "Carol", "agent", ("Billing",))
ADMIN = AgentProfile("admin@example.com", "Admin", "admin", ())
GONE = AgentProfile("gone@example.com", "Gone", "agent", ("Support",), active=False)
AWAY = AgentProfile("away@example.com", "Away", "agent", ("Support",), away_until=int(NOW) + 3600)
BACK = AgentProfile("back@example.com", "Back", "agent", ("Support",), away_until=int(NOW) - 1)
AGENTS = (ADA, BOB, CAROL, ADMIN, GONE, AWAY, BACK)


def _event(type_: str, actor: str | None = None, **fields) -> TicketEvent:
    return TicketEvent(
        id="7#k",
        type=type_,  # type: ignore[arg-type]
        ticket_number=7,
        at=AT,
        actor=actor,
        actor_name=actor,
        kind=fields.pop("kind", "customer"),
        text="hello",
        change=fields.pop("change", {}),
        **fields,
    )


def _told(event: TicketEvent, assignee: str | None = None, prefs=None, team: str = "Support"):
    found = recipients(event, team=team, assignee=assignee, agents=AGENTS, preferences=prefs or {}, now=NOW)
    return {r.email: (r.topic, r.in_app, r.mail) for r in found}


def test_a_new_ticket_tells_the_active_members_of_its_team_and_away_ones_only_in_the_app():
    assert _told(_event("ticket.created")) == {
        "ada@example.com": ("new_ticket", True, True),
        "bob@example.com": ("new_ticket", True, True),
        "away@example.com": ("new_ticket", True, False),
        "back@example.com": ("new_ticket", True, True),  # away until a past time: back
    }


def test_an_assignment_tells_the_new_assignee_but_not_who_assigned_themselves():
    event = _event(
        "ticket.assigned",
        actor="bob@example.com",
        kind="event",
        change={"type": "assignee", "to": "ada@example.com"},
    )
    assert _told(event) == {"ada@example.com": ("assigned", True, True)}
    own = _event(
        "ticket.assigned",
        actor="ada@example.com",
        kind="event",
        change={"type": "assignee", "to": "ada@example.com"},
    )
    assert _told(own) == {}


def test_a_customer_reply_and_an_sla_warning_tell_the_assignee_only():
    assert _told(_event("ticket.customer_replied"), assignee="bob@example.com") == {
        "bob@example.com": ("customer_replied", True, True)
    }
    assert _told(_event("sla.warning", kind="event"), assignee="bob@example.com") == {
        "bob@example.com": ("sla_warning", True, True)
    }
    assert _told(_event("ticket.customer_replied")) == {}  # unassigned: nobody in particular


def test_deactivated_agents_are_told_nothing():
    assert _told(_event("ticket.customer_replied"), assignee="gone@example.com") == {}


def test_mentions_tell_who_may_see_the_ticket_even_outside_its_team():
    event = _event(
        "ticket.note_added",
        actor="ada@example.com",
        kind="note",
        mentions=("admin@example.com", "carol@example.com", "ada@example.com", "nobody@example.com"),
    )
    # admin sees every team; Carol (Billing) cannot see a Support ticket; Ada wrote it.
    assert _told(event) == {"admin@example.com": ("mentioned", True, True)}


def test_preferences_turn_channels_off_and_an_agent_with_none_left_is_not_told():
    prefs = {
        "ada@example.com": Preferences(frozenset({"new_ticket:mail"})),
        "bob@example.com": Preferences(frozenset({"new_ticket:mail", "new_ticket:in_app"})),
    }
    told = _told(_event("ticket.created"), prefs=prefs)
    assert told["ada@example.com"] == ("new_ticket", True, False)
    assert "bob@example.com" not in told


def test_events_no_topic_follows_tell_nobody_and_need_no_preferences():
    for type_ in ("ticket.agent_replied", "ticket.status_changed", "ticket.rated", "sla.breached"):
        assert _told(_event(type_)) == {}
        assert candidate_emails(_event(type_), "Support", "ada@example.com", AGENTS) == []
    assert candidate_emails(_event("ticket.customer_replied"), "Support", "Ada@Example.com", AGENTS) == [
        "ada@example.com"
    ]


WINDOW = 300


def test_the_first_event_mails_at_once_and_opens_a_window():
    decision = batching.on_event(None, "a", now=1000, window_s=WINDOW)
    assert decision == batching.Decision("send", batching.Window(until=1300))


def test_events_inside_the_window_are_collected_and_the_first_queues_one_flush_for_its_end():
    opened = batching.Window(until=1300)
    first = batching.on_event(opened, "b", now=1100, window_s=WINDOW)
    assert first == batching.Decision("collect", batching.Window(1300, ("b",), True), flush_in=200)
    second = batching.on_event(first.window, "c", now=1200, window_s=WINDOW)
    assert second == batching.Decision("collect", batching.Window(1300, ("b", "c"), True), flush_in=None)


def test_the_flush_mails_everything_collected_and_opens_the_next_window():
    flushed = batching.on_flush(batching.Window(1300, ("b", "c"), True), now=1300, window_s=WINDOW)
    assert flushed == batching.Flush(("b", "c"), batching.Window(until=1600))
    # An event right after the flush is inside the new window: collected, not mailed.
    assert batching.on_event(flushed.window, "d", now=1310, window_s=WINDOW).action == "collect"
    # After a quiet window the next event is mailed at once again.
    assert batching.on_event(flushed.window, "e", now=1600, window_s=WINDOW).action == "send"


def test_an_expired_window_with_a_flush_on_its_way_still_collects():
    waiting = batching.Window(1300, ("b",), True)
    assert batching.on_event(waiting, "c", now=1400, window_s=WINDOW) == batching.Decision(
        "collect", batching.Window(1300, ("b", "c"), True)
    )


def test_an_early_or_empty_flush_mails_nothing():
    early = batching.on_flush(batching.Window(2000, ("b",), True), now=1100, window_s=1000)
    assert early == batching.Flush((), batching.Window(2000, ("b",), True), flush_in=900)
    assert batching.on_flush(batching.Window(1300, (), True), now=1300, window_s=WINDOW) == batching.Flush(
        (), batching.Window(1300, (), False)
    )
    assert batching.delay(5000) == batching.MAX_DELAY_S and batching.delay(-3) == 0


def test_a_window_collects_at_most_max_lines_and_says_there_was_more():
    pending: tuple[str, ...] = ()
    for n in range(batching.MAX_LINES + 10):
        pending = batching.collected(pending, f"line {n}")
    assert len(pending) == batching.MAX_LINES
    assert pending[-1] == batching.MORE and pending[0] == "line 0"


def test_mentions_are_checked_by_id_and_one_who_cannot_see_the_ticket_is_named():
    assert mentions.checked(
        ["Bob@example.com", "admin@example.com", "bob@example.com"], "Support", AGENTS
    ) == (
        "bob@example.com",
        "admin@example.com",
    )
    with pytest.raises(
        InvalidRequest, match=r"Carol \(carol@example.com\) cannot see tickets of team Support"
    ):
        mentions.checked(["carol@example.com"], "Support", AGENTS)
    with pytest.raises(InvalidRequest, match=r"gone@example\.com is not an active agent"):
        mentions.checked(["gone@example.com"], "Support", AGENTS)


def test_a_renamed_agent_stays_mentioned_and_is_highlighted_by_the_current_name():
    renamed = replace(BOB, name="Robert")
    assert mentions.checked(["bob@example.com"], "Support", (renamed,)) == ("bob@example.com",)
    assert mentions.segments("ask @Robert and @robert, not @Rob", ["Robert"]) == [
        ("ask ", False),
        ("@Robert", True),
        (" and ", False),
        ("@robert", True),
        (", not @Rob", False),
    ]
    assert mentions.segments("<b>@Ada</b>", ["Ada"]) == [("<b>", False), ("@Ada", True), ("</b>", False)]


def test_a_mail_names_the_ticket_without_anything_a_reply_could_thread_on():
    from chalicelib.desk.notifications import mail

    one = mail.line(_event("ticket.customer_replied"), "customer_replied")
    assert one == "10:00 UTC · The customer replied:\nhello"
    by = mail.line(_event("ticket.assigned", actor="Bob", kind="event"), "assigned")
    assert by.startswith("10:00 UTC · Assigned to you by Bob:")
    assert mail.mail_subject(7, "Lamp", (one,)) == "The customer replied: Lamp (ticket 7)"
    assert mail.mail_subject(7, "Lamp", (one, by)) == "2 updates: Lamp (ticket 7)"
    text = mail.compose_text(7, "Lamp", (one, by))
    assert "/tickets/7\n" in text and "[#" not in text and "/t/" not in text
    assert text.index("The customer replied") < text.index("Assigned to you")
