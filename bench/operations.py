"""AWS requests per help-desk operation, on moto in-process (counts, not timings)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from bench.counting import RequestCounter
from tests.mailbuilder import raw_mail


def stored(raw: bytes) -> Callable[[], Any]:
    """Store the raw mail as SES would (not measured); returns the ingestion to measure."""
    from chalicelib.desk.base import storage
    from chalicelib.desk.intake.inbound import Delivery, ingest

    ses_id = uuid.uuid4().hex
    storage.put_object(f"inbound/{ses_id}", raw, "message/rfc822")
    return lambda: ingest(
        Delivery(s3_key=f"inbound/{ses_id}", ses_message_id=ses_id, recipients=("support@example.com",))
    )


def report(counter: RequestCounter) -> None:
    from chalicelib.desk.agent_work import replies
    from chalicelib.desk.setup import agents
    from chalicelib.desk.ticket import tickets
    from chalicelib.desk.ticket.tickets import TicketFilter
    from chalicelib.models import Message
    from chalicelib.web.serialize import message_json, ticket_json

    admin = agents.load_agent("admin@example.com")
    rows: list[tuple[str, dict[str, int]]] = []

    def measure(name: str, operation: Callable[[], Any]) -> Any:
        with counter.measure() as calls:
            result = operation()
        rows.append((name, dict(calls)))
        return result

    created = measure("new mail (with acknowledgement)", stored(raw_mail(sender="bench@customer.test")))
    ack = next(m for m in Message.query(created.ticket_number) if m.kind == "reply")
    measure(
        "reply mail (In-Reply-To)", stored(raw_mail(sender="bench@customer.test", in_reply_to=ack.message_id))
    )
    measure("agent reply", lambda: replies.reply(admin, created.ticket_number, "Thanks, looking into it."))
    measure(
        "list queue page (25, status=open)",
        lambda: [ticket_json(t) for t in tickets.list_tickets(admin, TicketFilter(status="open")).items],
    )
    measure(
        "view ticket",
        lambda: [
            message_json(m) for m in tickets.thread(tickets.get_ticket(admin, created.ticket_number).number)
        ],
    )
    agents.forget_profile("admin@example.com")
    measure("agent profile, cold cache (once per 30 s)", lambda: agents.load_agent("admin@example.com"))
    _auto_assignment(admin, measure)
    _rules(admin, measure)

    print("\n## AWS requests per operation")
    for name, calls in rows:
        detail = ", ".join(f"{op} {n}" for op, n in sorted(calls.items()))
        print(f"{name:44s} {sum(calls.values()):3d}  ({detail})")


def _auto_assignment(admin: Any, measure: Callable[[str, Callable[[], Any]], Any]) -> None:
    """New mail to a team with auto-assignment on (three agents at work), in a warm container; the
    row "new mail (with acknowledgement)" above is the same mail with it off (the default)."""
    from chalicelib.desk.setup import admin as setup_admin
    from chalicelib.desk.setup import directory
    from chalicelib.models import Agent

    added = [
        Agent(email=f"{name}.bench@example.com", name=name, teams=["Support"], working_hours="always")
        for name in ("ann", "bob", "cat")
    ]
    for agent in added:
        agent.save()
    for mode in ("round_robin", "fewest_open"):
        setup_admin.set_assignment(admin, "Support", mode)
        directory.directory(), directory.agents()  # cached for a minute in every container
        label = mode.replace("_", " ")
        measure(f"new mail, {label} (3 agents at work)", stored(raw_mail(sender="assign@customer.test")))
    setup_admin.set_assignment(admin, "Support", "off")
    for agent in added:  # the later sections' team mails reach the agents they always did
        agent.delete()
    directory.forget()


def _rules(admin: Any, measure: Callable[[str, Callable[[], Any]], Any]) -> None:
    """New mail with no rule, 20 rules (none matching) and a 21st on the customer's earlier tickets,
    the setup cached each time (as in a warm container); the rules are removed again after."""
    from chalicelib.desk.rules import store
    from chalicelib.desk.setup import directory

    def new_mail() -> Callable[[], Any]:
        ingest = stored(raw_mail(sender="rules.bench@customer.test"))
        directory.directory()
        return ingest

    words = {"conditions": [{"field": "subject", "op": "contains_any", "value": ["outage"]}]}
    measure("new mail, no rules", new_mail())
    for n in range(20):
        store.create(admin, {"name": f"Rule {n}", **words, "actions": [{"type": "add_tags", "value": ["x"]}]})
    measure("new mail, 20 rules active", new_mail())
    regulars = [{"field": "earlier_tickets", "op": "at_least", "value": 5}]
    store.create(admin, {"name": "Regulars", "conditions": regulars, "actions": [{"type": "stop"}]})
    measure("new mail, 21 rules, one on earlier tickets", new_mail())
    for rule in store.stored():
        store.delete(admin, rule.id)
