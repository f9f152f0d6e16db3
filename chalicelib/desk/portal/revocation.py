"""Revoking a ticket's customer links: for a link that reached the wrong person, or a forwarded mail.

Every status and survey link carries the ticket's `link_version` (desk.portal.links); bumping it makes
every link mailed so far open nothing, and the next mail to the customer carries a working one.
A merge bumps it too (desk.agent_work.merge), so the merged ticket's links die with it.
"""

from __future__ import annotations

from chalicelib.desk.setup.agents import AgentProfile
from chalicelib.desk.ticket.records import event_message, utcnow
from chalicelib.desk.ticket.tickets import get_ticket
from chalicelib.models import Ticket, write_transaction


def revoke_links(agent: AgentProfile, number: int) -> Ticket:
    """Kill every customer link of ticket `number` made so far; returns the ticket as it is now.

    The bump is an atomic ADD, so it needs no version check: two agents revoking at once both win.
    """
    ticket = get_ticket(agent, number)
    with write_transaction() as transaction:
        transaction.update(ticket, actions=[Ticket.link_version.add(1)], add_version_condition=False)
        transaction.save(event_message(number, agent, utcnow(), {"type": "links_revoked"}))
    return Ticket.get(number)
