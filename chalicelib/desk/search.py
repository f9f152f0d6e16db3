"""Finding tickets without a Scan: by number (GetItem), customer address (requester index), or
subject words (the search table, written with the ticket by `desk.ticket.search_index`)."""

from __future__ import annotations

from chalicelib.desk.base.errors import NotFound
from chalicelib.desk.base.words import words
from chalicelib.desk.setup.agents import AgentProfile
from chalicelib.desk.ticket.queues import visibility
from chalicelib.desk.ticket.tickets import get_ticket
from chalicelib.models import SearchTerm, Ticket

MAX_QUERY_WORDS = 3
MAX_RESULTS = 50


def search(agent: AgentProfile, text: str) -> list[Ticket]:
    """Tickets the agent may see matching a number, an address, or all of the subject words."""
    text = text.strip()
    if not text:
        return []
    if text.lstrip("#").isdigit() and len(text) < 13:
        try:
            return [get_ticket(agent, int(text.lstrip("#")))]
        except NotFound:
            return []
    if "@" in text:
        query = Ticket.requester_index.query(
            text.lower(), filter_condition=visibility(agent), scan_index_forward=False, limit=MAX_RESULTS
        )
        return list(query)
    return _by_words(agent, words(text)[:MAX_QUERY_WORDS])


def _by_words(agent: AgentProfile, wanted: list[str]) -> list[Ticket]:
    if not wanted:
        return []
    numbers: set[int] | None = None
    for word in wanted:
        found = {term.number for term in SearchTerm.query(word, scan_index_forward=False)}
        numbers = found if numbers is None else numbers & found
        if not numbers:
            return []
    newest = sorted(numbers or (), reverse=True)[:MAX_RESULTS]
    tickets = [t for t in Ticket.batch_get(newest) if agent.can_see_team(t.team)]
    return sorted(tickets, key=lambda t: t.number, reverse=True)
