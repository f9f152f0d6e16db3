"""`GET /api/events`: the ticket events for integrations that poll, from the sparse feed index.

The feed index (`Message.feed_index`: UTC day → message key) holds every history item but merge
copies, i.e. every event. A page walks it forward from a position (day, key): one Query per day,
the next day when a day is read to its end, at most `MAX_QUERIES` per page (an integration that
was away for a month catches up over a few calls, each a bounded read, never a Scan). Events newer
than `SETTLE_SECONDS` are left for the next call: an item's key is its time, taken just before its
transaction commits (and a GSI is eventually consistent), so an item may appear a moment after a
later-keyed one; waiting that long means a cursor never walks past an event that appears later.
The cursor is the position reached, DynamoDB-style JSON in `desk.base.cursor`'s opaque encoding,
returned with every page (also an empty one) so that the integration just keeps calling with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from chalicelib.desk.base.cursor import decode_cursor, encode_cursor
from chalicelib.desk.base.errors import InvalidRequest
from chalicelib.desk.base.times import sortable_time
from chalicelib.desk.events.ticket_event import TicketEvent, from_message
from chalicelib.desk.setup.agents import AgentProfile
from chalicelib.models import Message, Ticket

SETTLE_SECONDS = 10
DEFAULT_LIMIT, MAX_LIMIT = 50, 200
MAX_QUERIES = 10  # days read per page at most
DEFAULT_SINCE = timedelta(days=1)  # without `since`: the last day
_KEY_NAMES = frozenset({"feed_day", "key"})


@dataclass(frozen=True)
class FeedPage:
    events: list[tuple[TicketEvent, Ticket]]  # the caller's to see, oldest first
    cursor: str  # where the next call starts


@dataclass(frozen=True)
class Position:
    """Just after `key` on `day` (`key` = the day itself is its start: every key sorts after it)."""

    day: str
    key: str

    def cursor(self) -> str:
        encoded = encode_cursor({"feed_day": {"S": self.day}, "key": {"S": self.key}})
        assert encoded is not None
        return encoded


def position(since: str | None, now: datetime) -> Position:
    """`since` is a cursor this API returned or an ISO time (inclusive); None is a day ago."""
    if not since:
        return _at(now - DEFAULT_SINCE)
    try:
        at = datetime.fromisoformat(since.replace("Z", "+00:00"))
    except ValueError:
        return _from_cursor(since)
    return _at(at if at.tzinfo else at.replace(tzinfo=UTC))


def _from_cursor(cursor: str) -> Position:
    key = decode_cursor(cursor, _KEY_NAMES)
    assert key is not None
    day, after = key["feed_day"]["S"], key["key"]["S"]
    try:
        date.fromisoformat(day)
    except ValueError:
        day = ""
    if not day or not after.startswith(day):
        raise InvalidRequest("cursor does not belong to this list")
    return Position(day, after)


def _at(at: datetime) -> Position:
    # Just before every key of that microsecond: "…Z" sorts before "…Z#<random>".
    key = sortable_time(at)
    return Position(key[:10], key)


def read_events(
    agent: AgentProfile, since: str | None, limit: int = DEFAULT_LIMIT, now: datetime | None = None
) -> FeedPage:
    """Up to `limit` events after `since` of the tickets the agent may see (all, for an admin).
    Internal notes included: this is the agents' API. The page may hold fewer events than
    `limit` when some were on other teams' tickets; the cursor always moves past what was read."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidRequest(f"limit must be between 1 and {MAX_LIMIT}")
    now = now or datetime.now(UTC)
    horizon = sortable_time(now - timedelta(seconds=SETTLE_SECONDS))
    at = position(since, now)
    found: list[Message] = []
    for _ in range(MAX_QUERIES):
        if at.day > horizon[:10]:
            break
        day_done = True
        for message in Message.feed_index.query(
            at.day, Message.key > at.key, limit=limit - len(found), page_size=limit - len(found)
        ):
            if message.key >= horizon:
                day_done = False  # the rest is too new yet
                break
            found.append(message)
            at = Position(at.day, message.key)
            if len(found) == limit:
                day_done = False
                break
        if not day_done or at.day == horizon[:10]:
            break
        next_day = (date.fromisoformat(at.day) + timedelta(days=1)).isoformat()
        at = Position(next_day, next_day)
    return FeedPage(_visible(agent, found), at.cursor())


def _visible(agent: AgentProfile, messages: list[Message]) -> list[tuple[TicketEvent, Ticket]]:
    """Each event with its ticket as it is now (one BatchGetItem), if the agent may see that ticket."""
    numbers = {int(m.ticket_number) for m in messages}
    tickets = {t.number: t for t in Ticket.batch_get(numbers)} if numbers else {}
    events = []
    for message in messages:
        ticket = tickets.get(int(message.ticket_number))
        event = from_message(message)
        if ticket is not None and event is not None and agent.can_see_team(ticket.team):
            events.append((event, ticket))
    return events
