"""Opening a ticket: the one path every channel (mail, the web form) creates tickets through.

The caller builds the customer's message (its bodies and attachments already in S3) and names an
idempotency id: its conditional put in the thread index is the first item of the creating
transaction, so a retried or repeated request cancels its own transaction (`is_duplicate`) and
never makes a second ticket. The caller sends the acknowledgement afterwards (its rules depend on
the channel). What the help desk noticed about a message and an agent must know (an address it
cannot mail, files it withheld) goes into the same transaction as automatic internal notes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.update import Action

from chalicelib.config import Mailbox
from chalicelib.desk.base.numbers import next_ticket_number
from chalicelib.desk.base.transactions import condition_failed
from chalicelib.desk.ticket import sla, transition
from chalicelib.desk.ticket.queue_keys import view_keys
from chalicelib.desk.ticket.records import event_message, message_key, thread_entry
from chalicelib.desk.ticket.rule_writes import by_rule, opening_events, rule_notes, tags_event
from chalicelib.desk.ticket.search_index import index_items
from chalicelib.desk.ticket.tags import tag_links
from chalicelib.mail.message import Address
from chalicelib.mail.threading import extended_references
from chalicelib.models import Contact, Message, ThreadIndex, Ticket, write_transaction
from chalicelib.rules.engine import Outcome

# A customer's message moves these statuses back to open; `closed` starts a follow-up ticket instead.
REOPENING_STATUSES = frozenset({"pending", "on_hold", "solved"})
_NOTE_AUTHOR = "Help desk"


@dataclass(frozen=True)
class NewTicket:
    """What a new ticket is opened with, whatever channel it came from."""

    subject: str
    requester: Address
    mailbox: Mailbox
    status: str = "new"  # or "spam" (mail with an SES spam/virus verdict)
    participants: frozenset[str] = frozenset()
    last_inbound_message_id: str | None = None
    references: tuple[str, ...] = ()
    follow_up_of: int | None = None
    # What the rules decided for it (desk.rules, evaluated by the caller before the write): its
    # fields, tags and notes are written here, in the creating transaction, before the SLA starts.
    decided: Outcome = field(default_factory=Outcome)
    # Who it opens assigned to when no rule did (auto-assignment decides above this layer) and how
    # ("round_robin"): written in the creating transaction with its event, "Assigned to … by round robin".
    assignee: str | None = None
    assigned_by: str | None = None


def open_ticket(new: NewTicket, message: Message, idempotency_id: str, note: str = "") -> Ticket:
    """Write the ticket, its first message (and `note`), search terms and the contact in one transaction,
    then arm its SLA timers. Raises TransactWriteError; `is_duplicate` tells a repeated request apart,
    `base.transactions.is_race` one worth retrying. The rules' decisions (`new.decided`) are part
    of the same write, and the SLA clock starts from the priority and team they set."""
    at = message.created_at
    number = next_ticket_number()
    decided = new.decided
    status, team = decided.status or new.status, decided.team or new.mailbox.team
    assignee = decided.assignee if decided.assign else new.assignee
    ticket = Ticket(
        number=number,
        subject=new.subject or "(no subject)",
        status=status,
        priority=decided.priority or "normal",
        requester_email=new.requester.email,
        requester_name=new.requester.name or None,
        participants=set(new.participants) or None,
        mailbox=new.mailbox.address,
        team=team,
        assignee=assignee,
        tags=list(decided.tags) if decided.tags else None,
        **view_keys(status, team, assignee),
        created_at=at,
        updated_at=at,
        last_inbound_message_id=new.last_inbound_message_id,
        references=list(new.references) or None,
        follow_up_of=new.follow_up_of,
    )
    message.ticket_number = number
    message.opens_ticket = True  # its stream record is the "ticket.created" event (desk.events)
    sla_state = sla.start(ticket, at)
    with write_transaction() as transaction:
        transaction.save(
            thread_entry(idempotency_id, number, "in", at), condition=ThreadIndex.message_id.does_not_exist()
        )
        transaction.save(ticket, condition=Ticket.number.does_not_exist())
        transaction.save(message)
        if note:
            transaction.save(_automatic_note(ticket, note, at))
        for term in index_items(number, ticket.subject):
            transaction.save(term)
        if new.follow_up_of is not None:
            event = {"type": "follow_up", "from": "", "to": str(new.follow_up_of)}
            transaction.save(event_message(number, None, at, event))
        for item in [*opening_events(number, at, decided), *rule_notes(number, ticket.mailbox, at, decided)]:
            transaction.save(item)
        if decided.tags:
            tag_links(transaction, number, (), decided.tags)
        if assignee and not decided.assign:
            event = {"type": "assignee", "from": "", "to": assignee, "by": new.assigned_by or ""}
            transaction.save(event_message(number, None, at + timedelta(microseconds=2), event))
        transaction.update(
            Contact(email=new.requester.email), actions=contact_actions(new.requester, at, new_ticket=True)
        )
    sla.arm(ticket, sla_state)
    return ticket


def append_message(
    ticket: Ticket,
    sender: Address,
    message: Message,
    idempotency_id: str,
    *,
    message_id: str | None = None,
    newcomers: frozenset[str] = frozenset(),
    note: str = "",
    decided: Outcome | None = None,
) -> None:
    """Add a customer's message to their ticket, whatever channel it came by (mail, status page).

    A waiting or solved ticket opens again and the SLA clock resumes; the message's idempotency id
    is put conditionally in the same transaction, so a redelivery fails as a duplicate
    (`is_duplicate`) and a concurrent ticket change as a race to retry on (`transactions.is_race`).
    `message_id` is the mail's id as written: replies put it in their headers. `note` (what the
    help desk noticed about the message) becomes an automatic internal note. `decided` is what the
    rules decided for the reply (desk.rules): written in the same transaction, a status it sets
    taking the place of the reopening.
    """
    at = message.created_at
    message.ticket_number = ticket.number
    rules = decided or Outcome()
    reopening = "open" if ticket.status in REOPENING_STATUSES else None
    changed = transition.change(
        ticket,
        at,
        None,
        status=rules.status or reopening,
        team=rules.team,
        priority=rules.priority,
        assignee=rules.assignee if rules.assign else transition.KEEP,
        after=(sla.customer_wrote(ticket, at),),
        by_rule=by_rule(rules),
    )
    actions = list(changed.actions)
    tagged = tags_event(ticket.number, at, ticket.tags or (), rules)
    if tagged is not None and rules.tags is not None:
        actions.append(Ticket.tags.set(list(rules.tags)) if rules.tags else Ticket.tags.remove())
    if message_id:
        references = extended_references(ticket.references, message_id)
        actions += [Ticket.last_inbound_message_id.set(message_id), Ticket.references.set(references)]
    if newcomers:
        actions.append(Ticket.participants.add(set(newcomers)))
    with write_transaction() as transaction:
        transaction.save(
            thread_entry(idempotency_id, ticket.number, "in", at),
            condition=ThreadIndex.message_id.does_not_exist(),
        )
        transaction.update(ticket, actions=actions)
        transaction.save(message)
        if note:
            transaction.save(_automatic_note(ticket, note, at))
        for event in changed.events:
            transaction.save(event)
        for item in [*([tagged] if tagged else []), *rule_notes(ticket.number, ticket.mailbox, at, rules)]:
            transaction.save(item)
        if tagged is not None and rules.tags is not None:
            tag_links(transaction, ticket.number, ticket.tags or (), rules.tags)
        transaction.update(Contact(email=sender.email), actions=contact_actions(sender, at, new_ticket=False))
    if changed.sla_step.moved:
        sla.arm(ticket, changed.sla_step.state)


def is_duplicate(error: TransactWriteError) -> bool:
    """The transaction failed on its first item, the idempotency id's conditional put."""
    return condition_failed(error, 0)


def _automatic_note(ticket: Ticket, text: str, at: datetime) -> Message:
    """An internal note by the help desk itself, just after the message it is about."""
    later = at + timedelta(microseconds=1)
    return Message(
        ticket_number=ticket.number,
        key=message_key(later),
        kind="note",
        from_email=ticket.mailbox,
        from_name=_NOTE_AUTHOR,
        body_text=text,
        visible_text=text,
        automatic=True,
        created_at=later,
    )


def contact_actions(sender: Address, at: datetime, new_ticket: bool) -> list[Action]:
    actions: list[Action] = [Contact.created_at.set(Contact.created_at | at), Contact.last_seen_at.set(at)]
    if sender.name:
        actions.append(Contact.name.set(sender.name))
    if new_ticket:
        actions.append(Contact.ticket_count.add(1))
    return actions
