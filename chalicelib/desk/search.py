"""Finding tickets without a Scan: by number (GetItem), customer address (requester index), or
subject words (the search table, written with the ticket)."""

from __future__ import annotations

import re
import unicodedata

from chalicelib.desk.agents import AgentProfile
from chalicelib.desk.errors import NotFound
from chalicelib.desk.queues import visibility
from chalicelib.desk.tickets import get_ticket
from chalicelib.models import SearchTerm, Ticket

MAX_WORDS_PER_TICKET = 12
MAX_QUERY_WORDS = 3
MAX_RESULTS = 50
_STOP_WORDS = frozenset(
    re.split(
        r"\s+",
        "a an and are as at be by for from has have i in is it me my no not of on or our re fw fwd "
        "please the this to was we with you your",
    )
)


def words(text: str) -> list[str]:
    """Distinct searchable words of a subject: lower-case, accents folded, no stop words."""
    folded = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    found = [w for w in re.findall(r"[\w-]{2,40}", plain) if w not in _STOP_WORDS and not w.isdigit()]
    return list(dict.fromkeys(found))


def index_items(number: int, subject: str) -> list[SearchTerm]:
    """The search items of a new ticket, capped so the creating transaction stays small."""
    return [SearchTerm(word=word, number=number) for word in words(subject)[:MAX_WORDS_PER_TICKET]]


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
