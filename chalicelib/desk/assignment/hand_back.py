"""A lead hands all of an agent's unfinished tickets back to their team (unassigned), in one action.

The agent's tickets are read from the assignee queue index (one bounded Query per unfinished
queue: open, pending, on hold; never a Scan). Each is unassigned by its own transaction,
conditional on the version that was read (`transition.change`, as any change), so a ticket that
changed meanwhile is left as it is and reported, as is one of a team the actor does not lead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pynamodb.exceptions import TransactWriteError

from chalicelib.desk.base.errors import Forbidden, NotFound
from chalicelib.desk.base.transactions import is_race
from chalicelib.desk.setup import directory
from chalicelib.desk.setup.agents import AgentProfile
from chalicelib.desk.ticket import sla, transition
from chalicelib.desk.ticket.queue_keys import view_keys
from chalicelib.models import Ticket, write_transaction

UNFINISHED_QUEUES = ("open", "pending", "on_hold")
MAX_PER_QUEUE = 200  # more than one call's worth: the lead calls again for the rest


@dataclass(frozen=True)
class HandBack:
    """What happened: tickets now unassigned, and those left as they were with the reason."""

    changed: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)


def may_hand_back(actor: AgentProfile, agent: AgentProfile) -> bool:
    """Admins for anyone; a lead for an agent in one of the teams they lead."""
    return actor.is_admin or any(actor.leads(team) for team in agent.teams)


def hand_back(actor: AgentProfile, email: str, at: datetime) -> HandBack:
    """Unassign every unfinished ticket of `email` the actor leads the team of."""
    agent = next((a for a in directory.agents() if a.email == email.lower()), None)
    if agent is None:
        raise NotFound(f"{email} is not an agent")
    if not may_hand_back(actor, agent):
        raise Forbidden(f"only an admin or a lead of {agent.name}'s teams can hand their tickets back")
    result = HandBack()
    for queue in UNFINISHED_QUEUES:
        key = view_keys(queue, "", agent.email)["assignee_queue"]
        for ticket in Ticket.assignee_queue_index.query(key, limit=MAX_PER_QUEUE):
            if not actor.leads(ticket.team):
                result.skipped[ticket.number] = f"team {ticket.team} is not one you lead"
            elif _unassign(ticket, actor, at):
                result.changed.append(ticket.number)
            else:
                result.skipped[ticket.number] = "it changed meanwhile; open it and try again"
    return result


def _unassign(ticket: Ticket, actor: AgentProfile, at: datetime) -> bool:
    """One version-checked change; False when the ticket moved on since it was read."""
    changed = transition.change(ticket, at, actor, assignee=None)
    try:
        with write_transaction() as transaction:
            transaction.update(ticket, actions=changed.actions)
            for event in changed.events:
                transaction.save(event)
    except TransactWriteError as error:
        if not is_race(error):
            raise
        return False
    if changed.sla_step.moved:
        sla.arm(ticket, changed.sla_step.state)
    return True
