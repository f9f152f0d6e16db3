"""Auto-assignment of a new ticket: the team's mode, the eligible agents, then the turn or the counts.

Called by intake before `opening.open_ticket`, which writes the decision in the creating
transaction (the ticket layer cannot call up here). Costs: mode off (the default) nothing, the
setup and agents being cached; round robin one UpdateItem (the team's turn, an atomic ADD on the
counters table: concurrent tickets never share a turn; a ticket whose write then fails skips one,
like a ticket number); fewest open one Query (Select COUNT, bounded) per eligible agent on the
assignee queue index. The agents list is the directory's (cached a minute), so an agent who just
set "away" may still get that minute's tickets in another container.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from chalicelib.desk.assignment.choice import eligible, fewest_open, round_robin
from chalicelib.desk.setup import directory
from chalicelib.desk.ticket.opening import NewTicket
from chalicelib.desk.ticket.queue_keys import view_keys
from chalicelib.models import Ledger, Ticket

TURN_PREFIX = "assignment-turn#"
# Counting stops here: an agent with this many open tickets is "very busy", however many more.
COUNT_LIMIT = 500


def assigned(new: NewTicket, now: datetime) -> NewTicket:
    """`new` with the assignee its team's mode picks, after the rules (`new.decided`): in the team
    they chose; unchanged when it has an assignee already (a rule's too), opens as spam or solved,
    the mode is off or nobody is eligible."""
    decided = new.decided
    if new.assignee or decided.assign or (decided.status or new.status) in ("spam", "solved", "closed"):
        return new
    team = decided.team or new.mailbox.team
    mode = directory.directory().assignment.get(team, "off")
    if mode == "off":
        return new
    candidates = eligible(directory.agents(), team, now)
    if not candidates:
        return new
    if mode == "round_robin":
        chosen = round_robin(candidates, next_turn(team))
    else:
        chosen = fewest_open(candidates, {a.email: open_count(a.email) for a in candidates})
    return replace(new, assignee=chosen.email, assigned_by=mode) if chosen else new


def next_turn(team: str) -> int:
    """The team's next turn, from 1: one atomic ADD."""
    counter = Ledger(key=TURN_PREFIX + team)
    counter.update(actions=[Ledger.value.add(1)], add_version_condition=False)
    return int(counter.value)


def open_count(email: str) -> int:
    """The agent's tickets in the open queue (new and open), up to COUNT_LIMIT: the "Mine" view's key."""
    key = view_keys("open", "", email)["assignee_queue"]
    return Ticket.assignee_queue_index.count(key, limit=COUNT_LIMIT)
