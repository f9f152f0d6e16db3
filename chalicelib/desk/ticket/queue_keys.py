"""Queue views as DynamoDB keys: pure functions, no I/O.

Every view (Unassigned, Mine, All open, …) is one key of one ticket index. The keys are derived
from status, team and assignee by `view_keys` and written with every change to those three, so
listing a view is always one Query (sorted by `queue_order`: SLA due first, then oldest waiting).
Tickets in a counted view also carry `counted`, so one Query of its index reads what every
view's count is computed from (`counts`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypedDict
from urllib.parse import quote

from chalicelib.desk.base.times import sortable_time

if TYPE_CHECKING:  # the statuses' and priorities' types only: this module stays free of models
    from chalicelib.desk.ticket.records import Priority, Status

# Sort key of tickets with no running clock: after every real due time in an SLA-first queue.
NO_SLA_DUE = datetime(9999, 12, 31, tzinfo=UTC)
# "new" and "open" both need an agent: they share the open queue.
ACTIVE_STATUSES = frozenset({"new", "open"})
# Views whose tickets wait for an agent read oldest first; finished work reads newest first.
_NEWEST_FIRST = frozenset({"solved", "closed", "spam"})
# The queues whose views show a count: what needs an agent. Solved and closed work grows forever
# and asks nothing of anyone, so its views show none.
COUNTED_QUEUES = frozenset({"open", "pending", "on_hold", "spam"})


# Statuses whose due date still matters: the due index (Ticket.due_scope) holds only these.
DUE_STATUSES = frozenset({"new", "open", "pending", "on_hold"})


def due_scope(status: str, due_date: str | None) -> str | None:
    """The due index's key: "due" while the ticket has a due date and still needs work, else None."""
    return "due" if due_date and status in DUE_STATUSES else None


def queue_of(status: str) -> str:
    return "open" if status in ACTIVE_STATUSES else status


def queue_order(due_at: datetime | None, updated_at: datetime) -> str:
    """The views' sort key: earliest SLA due time first, then oldest update (fixed-width UTC, so it
    sorts as text; tickets without a running clock carry the far-future NO_SLA_DUE and come last)."""
    return f"{sortable_time(due_at or NO_SLA_DUE)}#{sortable_time(updated_at)}"


class ViewKeys(TypedDict):
    """A ticket's queue-view index keys (attributes of chalicelib.models.Ticket)."""

    team_status: str
    queue: str
    team_queue: str
    assignee_queue: str | None
    unassigned: str | None
    counted: str | None


def view_keys(status: str, team: str, assignee: str | None) -> ViewKeys:
    """The index keys of a ticket in this state; None removes the ticket from that (sparse) index."""
    queue = queue_of(status)
    return {
        "team_status": f"{team}#{status}",
        "queue": queue,
        "team_queue": f"{team}#{queue}",
        "assignee_queue": f"{assignee}#{queue}" if assignee else None,
        "unassigned": None if assignee else queue,
        "counted": "ticket" if queue in COUNTED_QUEUES else None,
    }


def view_key_actions(ticket: Any, status: str, team: str, assignee: str | None) -> list[Any]:
    """UpdateItem actions moving `ticket` (a chalicelib.models.Ticket) to the keys of its new state."""
    actions = []
    for name, value in view_keys(status, team, assignee).items():
        attribute = getattr(type(ticket), name)
        actions.append(attribute.set(value) if value is not None else attribute.remove())
    return actions


@dataclass(frozen=True)
class View:
    """A named queue: which index and key list it, as the agent sees it in the sidebar."""

    slug: str
    title: str
    index: str
    hash_value: str
    newest_first: bool = False
    empty: str = ""

    @property
    def path(self) -> str:
        """The view's page: /teams/<team> for a team's view, else /queues/<slug>."""
        team = self.slug.removeprefix("team:")
        return f"/teams/{quote(team, safe='')}" if team != self.slug else f"/queues/{self.slug}"


@dataclass(frozen=True)
class ViewFilter:
    status: Status | None = None
    priority: Priority | None = None
    assignee: str | None = None
    tag: str | None = None


def standard_views(me: str) -> tuple[View, ...]:
    """The sidebar's fixed views for the agent `me`."""
    return (
        View("unassigned", "Unassigned", "unassigned_index", "open", empty="Nobody is waiting for an owner."),
        View("mine", "Mine", "assignee_queue_index", f"{me}#open", empty="Nothing assigned to you is open."),
        View("open", "All open", "queue_index", "open", empty="No open tickets: the queue is clear."),
        View("pending", "Pending", "queue_index", "pending", empty="No ticket waits on a customer."),
        View("solved", "Solved", "queue_index", "solved", newest_first=True, empty="Nothing solved yet."),
        View("spam", "Spam", "queue_index", "spam", newest_first=True, empty="No mail was marked as spam."),
    )


def team_view(team: str) -> View:
    return View(
        f"team:{team}", team, "team_queue_index", f"{team}#open", empty=f"Team {team} has no open tickets."
    )


def standard_view(slug: str, me: str) -> View:
    """One of the sidebar's fixed views, by a slug the code names (StopIteration for another)."""
    return next(view for view in standard_views(me) if view.slug == slug)


def find_view(slug: str, me: str) -> View | None:
    if slug.startswith("team:") and len(slug) > 5:
        return team_view(slug[5:])
    return next((view for view in standard_views(me) if view.slug == slug), None)


@dataclass(frozen=True)
class CountedTicket:
    """What counting needs of a ticket (what the `counted_updated` index projects)."""

    status: str
    team: str
    assignee: str | None


def counts(views: tuple[View, ...], tickets: list[CountedTicket]) -> dict[str, int | None]:
    """Each view's count by slug (None for a view of uncounted work): a ticket is in a view when
    its own view keys hold the view's key, exactly as listing the view finds it."""
    found: dict[str, int | None] = {}
    keyed = [view_keys(t.status, t.team, t.assignee) for t in tickets]
    for view in views:
        counted = queue_of(view.hash_value.rpartition("#")[2]) in COUNTED_QUEUES
        attribute = view.index.removesuffix("_index")
        found[view.slug] = sum(keys.get(attribute) == view.hash_value for keys in keyed) if counted else None
    return found


def narrowed(view: View, status: str | None) -> View:
    """The view with its queue replaced by the queue of `status` (the status filter of a view)."""
    if not status or view.index == "status_index":
        return view
    queue = queue_of(status)
    prefix, _, _ = view.hash_value.rpartition("#")
    hash_value = f"{prefix}#{queue}" if prefix else queue
    return View(view.slug, view.title, view.index, hash_value, queue in _NEWEST_FIRST, view.empty)
