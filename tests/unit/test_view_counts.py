"""Sidebar counts from the counted tickets: each view counts exactly what listing it shows."""

from __future__ import annotations

from chalicelib.desk.ticket.queue_keys import CountedTicket, counts, standard_views, team_view, view_keys

ME = "me@example.com"
VIEWS = (*standard_views(ME), team_view("Support"), team_view("Billing"))


def test_each_view_counts_its_own_tickets_and_finished_work_is_not_counted():
    tickets = [
        CountedTicket("new", "Support", None),
        CountedTicket("open", "Support", ME),
        CountedTicket("open", "Billing", "other@example.com"),
        CountedTicket("pending", "Billing", None),
        CountedTicket("on_hold", "Support", ME),
        CountedTicket("spam", "Support", None),
    ]
    assert counts(VIEWS, tickets) == {
        "unassigned": 1,  # the new one; a pending ticket without owner waits on the customer
        "mine": 1,
        "open": 3,
        "pending": 1,
        "solved": None,
        "spam": 1,
        "team:Support": 2,
        "team:Billing": 1,
    }


def test_only_tickets_a_view_counts_carry_the_counted_key():
    for status in ("new", "open", "pending", "on_hold", "spam"):
        assert view_keys(status, "Support", None)["counted"] == "ticket"
    for status in ("solved", "closed"):
        assert view_keys(status, "Support", None)["counted"] is None
