"""Merging a ticket into another: its thread, its people and its future replies move to the target.

The source's conditional update (its version, closed, `merged_into`) commits first, together with
both tickets' events and the target's new participants: of two merges racing for the same ticket
only one gets past it. Then the copies of the messages and the re-pointed thread-index items are
written in chunks (a transaction holds at most 100 items). Mail arriving in between still lands on
the target: ingestion follows `merged_into`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

from pynamodb.exceptions import TransactWriteError

from chalicelib.config import settings
from chalicelib.desk.base.errors import Conflict, InvalidRequest
from chalicelib.desk.base.transactions import is_race
from chalicelib.desk.setup.agents import AgentProfile
from chalicelib.desk.ticket import sla, transition
from chalicelib.desk.ticket.records import event_message, message_key, utcnow
from chalicelib.desk.ticket.tickets import get_ticket, thread
from chalicelib.mail.threading import ses_message_ids
from chalicelib.models import Message, ThreadIndex, Ticket, write_transaction

TRANSACTION_ITEMS = 100  # DynamoDB's TransactWriteItems limit
_T = TypeVar("_T")


def merge(agent: AgentProfile, number: int, into: int, version: int) -> Ticket:
    """Merge ticket `number` (at `version`) into ticket `into`; returns the target as it is now."""
    if not isinstance(version, int) or isinstance(version, bool):
        raise InvalidRequest("version (integer) is required: send the version you last read")
    if not isinstance(into, int) or isinstance(into, bool) or into <= 0:
        raise InvalidRequest("into must be the number of the ticket to merge into")
    if into == number:
        raise InvalidRequest("a ticket cannot be merged into itself")
    source, target = get_ticket(agent, number), get_ticket(agent, into)
    if source.version != version:
        raise Conflict(
            f"ticket #{number} changed since you opened it; reload it", current_version=source.version
        )
    for ticket in (source, target):
        if ticket.merged_into is not None or ticket.status == "closed":
            raise InvalidRequest(f"ticket #{ticket.number} is closed and cannot take part in a merge")
    messages = [m for m in thread(source.number) if m.kind != "event"]
    _close_into(agent, source, target, carried_people(source, messages))
    _copy_messages(messages, target.number)
    _repoint_thread(messages, source.number, target.number)
    return Ticket.get(target.number)


def carried_people(source: Ticket, messages: Iterable[Message]) -> set[str]:
    """Who the merge adds to the target's people: the source's requester, and those of its
    participants the requester wrote with, i.e. named in To or Cc of a customer message on the source
    whose sender is the requester. Someone another sender copied, or who wrote in on their own, is
    not brought to a ticket the requester never included them in."""
    requester = source.requester_email
    written_with = {
        address
        for message in messages
        if message.kind == "customer" and message.from_email == requester
        for address in (*(message.to or ()), *(message.cc or ()))
    }
    return {requester, *(set(source.participants or ()) & written_with)}


def _close_into(agent: AgentProfile, source: Ticket, target: Ticket, people: set[str]) -> None:
    """The one write that decides the merge: both conditional on the versions read."""
    at = utcnow()
    closing = transition.change(source, at, agent, status="closed", status_event=None)  # "merged" says it
    source_actions = [
        *closing.actions,
        Ticket.merged_into.set(target.number),
        Ticket.link_version.add(1),  # the customer's links to the source die: the target's mail has its own
    ]
    newcomers = people - {target.requester_email}
    touched = transition.change(target, at, agent).actions  # the target's clock does not move
    target_actions = [*([Ticket.participants.add(newcomers)] if newcomers else ()), *touched]
    try:
        with write_transaction() as transaction:
            transaction.update(source, actions=source_actions)
            transaction.update(target, actions=target_actions)
            transaction.save(
                event_message(source.number, agent, at, {"type": "merged", "to": str(target.number)})
            )
            transaction.save(
                event_message(target.number, agent, at, {"type": "merged", "from": str(source.number)})
            )
    except TransactWriteError as error:
        if not is_race(error):
            raise
        raise Conflict(
            f"ticket #{source.number} or #{target.number} changed meanwhile; reload and try again"
        ) from None
    # Closing stops every metric: no timer to arm. The target's clock did not move.
    if closing.sla_step.moved:
        sla.arm(Ticket.get(source.number), closing.sla_step.state)


def _copy_messages(messages: list[Message], target: int) -> None:
    """The source's mail, replies and notes on the target, in their original order (keys start with
    `created_at`); bodies and attachments stay where they are in S3. Fresh keys race with nothing,
    so a batch write (half the cost of a transactional one) is enough."""
    with Message.batch_write() as batch:
        for message in messages:
            data = message.attribute_values
            copy = Message(**{**data, "ticket_number": target, "key": message_key(message.created_at)})
            copy.merged_from = message.ticket_number
            batch.save(copy)


def _repoint_thread(messages: list[Message], source: int, target: int) -> None:
    """Every thread-index item of the source's mail now names the target, so replies land there."""
    ids = list(dict.fromkeys(_message_ids(messages)))
    indexed = [row for row in ThreadIndex.batch_get(ids) if row.ticket_number == source]
    for chunk in _chunks(indexed, TRANSACTION_ITEMS):
        with write_transaction() as transaction:
            for row in chunk:
                transaction.update(
                    row,
                    actions=[ThreadIndex.ticket_number.set(target)],
                    condition=ThreadIndex.ticket_number == source,
                )


def _message_ids(messages: Iterable[Message]) -> Iterator[str]:
    """The ids each message is indexed under: its own, and both forms SES may have substituted."""
    for message in messages:
        if message.message_id:
            yield message.message_id
        if message.ses_message_id:
            yield from ses_message_ids(message.ses_message_id, settings().region)


def _chunks(items: list[_T], size: int) -> Iterator[list[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
