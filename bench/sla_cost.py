"""One ticket's life, measured: AWS requests, SLA timers and state transitions, and what 1,000 cost.

The lifecycle: a customer writes (acknowledged), an agent answers, the customer answers back, the
agent answers and solves, the ticket is auto-closed. Timers are counted from the StartExecution
requests; their state transitions from the definition (a timer replaced before its warning enters
4 states: WarningWanted, WaitUntilWarning, RecordWarning, Stale).
"""

from __future__ import annotations

import collections
from datetime import timedelta

from bench.counting import RequestCounter
from bench.operations import stored
from tests.mailbuilder import raw_mail

# us-east-1 list prices (USD), as published in 2026; the arithmetic below shows each product.
PRICES = {
    "dynamodb_write_unit": 0.625 / 1e6,
    "dynamodb_read_unit": 0.125 / 1e6,
    "sfn_transition": 0.025 / 1e3,
    "lambda_request": 0.20 / 1e6,
    "lambda_gb_second": 0.0000166667,
    "ses_message": 0.10 / 1e3,
    "s3_put": 0.005 / 1e3,
    "s3_get": 0.0004 / 1e3,
    "sqs_request": 0.40 / 1e6,
}
STALE_TIMER_TRANSITIONS = 4
LAMBDA_GB_SECONDS_PER_INVOCATION = 0.5 * 0.3  # 512 MB for ~300 ms, a warm invocation's order of size


def lifecycle(
    counter: RequestCounter,
) -> tuple[collections.Counter[str], collections.Counter[tuple[str, bool]]]:
    from chalicelib.desk import agents, housekeeping, replies, tickets
    from chalicelib.desk.records import utcnow
    from chalicelib.models import Message

    admin = agents.load_agent("admin@example.com")
    writes_before = counter.item_writes.copy()
    with counter.measure() as calls:
        created = stored(raw_mail(sender="life@customer.test"))()
        number = created.ticket_number
        replies.reply(admin, number, "First answer.")
        answer = next(m for m in Message.query(number) if m.kind == "reply" and not m.automatic)
        stored(raw_mail(sender="life@customer.test", in_reply_to=answer.message_id))()
        replies.reply(admin, number, "Solved.", status="solved")
        tickets.get_ticket(admin, number)
        housekeeping.auto_close(utcnow() + timedelta(days=30))
    return calls, counter.item_writes - writes_before


def write_units(item_writes: collections.Counter[tuple[str, bool]]) -> int:
    """WRU for ~1 KB items: a transactional write costs 2, and every GSI (all attributes
    projected) is written again for each change of an item it holds."""
    from chalicelib.models import ALL_MODELS

    indexes = {model.Meta.table_name: len(model._indexes) for model in ALL_MODELS}
    return sum(n * (2 if txn else 1) * (1 + indexes.get(table, 0)) for (table, txn), n in item_writes.items())


def report(counter: RequestCounter) -> None:
    calls, item_writes = lifecycle(counter)
    timers = calls["stepfunctions:StartExecution"]
    transitions = timers * STALE_TIMER_TRANSITIONS
    wru = write_units(item_writes)
    rru = sum(n for op, n in calls.items() if op.split(":")[1] in ("GetItem", "Query", "BatchGetItem"))
    mails = calls["sesv2:SendEmail"]
    invocations = 6  # two inbound mails, two replies, one view, one auto-close run
    print("\n## One ticket's lifecycle (mail, answer, mail, answer + solve, view, auto-close)")
    for op, n in sorted(calls.items()):
        print(f"  {op:40s} {n:3d}")
    print(f"  items written {sum(item_writes.values())} -> {wru} WRU (transactions x2, each GSI again)")
    print(
        f"  SLA timers started {timers}; state transitions {transitions} (a replaced timer enters 4 states)"
    )
    lambda_each = PRICES["lambda_request"] + LAMBDA_GB_SECONDS_PER_INVOCATION * PRICES["lambda_gb_second"]
    costs = [
        ("DynamoDB writes", f"{wru} WRU x $0.625/M", wru * PRICES["dynamodb_write_unit"]),
        (
            "DynamoDB reads",
            f"{rru} RRU x $0.125/M (1 KB items; a Query page ~1-4 RRU)",
            rru * PRICES["dynamodb_read_unit"],
        ),
        ("Step Functions", f"{transitions} transitions x $0.025/1k", transitions * PRICES["sfn_transition"]),
        ("Lambda", f"{invocations} x ($0.20/M + 0.15 GB-s x $0.0000166667)", invocations * lambda_each),
        ("SES", f"{mails} mails x $0.10/1k", mails * PRICES["ses_message"]),
        (
            "S3",
            f"{calls['s3:PutObject']} PUT x $0.005/1k + {calls['s3:GetObject']} GET x $0.0004/1k",
            calls["s3:PutObject"] * PRICES["s3_put"] + calls["s3:GetObject"] * PRICES["s3_get"],
        ),
    ]
    print("\n## Cost per 1,000 tickets of this lifecycle (USD, us-east-1 list prices, x 1,000)")
    for name, arithmetic, cost in costs:
        print(f"  {name:16s} {arithmetic:62s} ${cost * 1000:8.4f}")
    print(f"  {'total':16s} {'':62s} ${sum(c for _, _, c in costs) * 1000:8.4f}")
