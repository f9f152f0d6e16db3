"""The ticket event stream's consumer: events per ticket and AWS requests per event (not the requests
of the synchronous paths, which the stream leaves as they were: `operations` prints those).

One ticket's lifecycle as `sla_cost` runs it (the customer writes and is acknowledged, an agent
answers, the customer answers back, the agent answers and solves, auto-close closes it), with what
notifications follow: the ticket is assigned to a second agent of its team after the first answer
and a note mentions her (so the new ticket, the assignment, the customer's answer and the mention
each tell someone: in the app, and by mail at once or collected for a delayed flush). Then every
INSERT record its messages put on the stream, each handed to the real `ticket_events` handler in a
batch of its own (the upper bound: Lambda batches records that arrive together). Reading the stream
is not counted: Lambda's reads of a stream that triggers it are free. The consumers are whatever
`desk.notifications` and `desk.webhooks` hold on this branch; their requests count too.
"""

from __future__ import annotations

import collections
from datetime import timedelta
from typing import Any

from bench.counting import RequestCounter
from bench.operations import stored
from bench.sla_cost import LAMBDA_GB_SECONDS_PER_INVOCATION, PRICES
from tests.mailbuilder import raw_mail


def _lifecycle() -> int:
    from chalicelib.desk.agent_work import replies, ticket_changes
    from chalicelib.desk.service_levels import auto_close
    from chalicelib.desk.setup import agents, directory
    from chalicelib.desk.ticket.records import utcnow
    from chalicelib.models import Agent, Message, Ticket

    Agent(email="bea@example.com", name="Bea", role="agent", teams=["Support"]).save()
    directory.forget()
    admin = agents.load_agent("admin@example.com")
    number = int(stored(raw_mail(sender="events@customer.test"))().ticket_number)
    replies.reply(admin, number, "First answer.")
    assign = ticket_changes.parse_changes({"assignee": "bea@example.com"}, frozenset({"Support"}))
    ticket_changes.update_ticket(admin, number, Ticket.get(number).version, assign)
    replies.add_note(admin, number, "@Bea can you follow this up?", ["bea@example.com"])
    answer = next(m for m in Message.query(number) if m.kind == "reply" and not m.automatic)
    stored(raw_mail(sender="events@customer.test", in_reply_to=answer.message_id))()
    replies.reply(admin, number, "Solved.", status="solved")
    auto_close.close_solved(utcnow() + timedelta(days=30))
    return number


def _records(number: int) -> tuple[list[dict[str, Any]], str]:
    """The stream's INSERT records of that ticket, as GetRecords returns them."""
    import boto3

    from chalicelib.models import Message

    arn = boto3.client("dynamodb").describe_table(TableName=Message.Meta.table_name)["Table"][
        "LatestStreamArn"
    ]
    streams = boto3.client("dynamodbstreams")
    found: list[dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            page = streams.get_records(ShardIterator=iterator, Limit=1000)
            if not page["Records"]:
                break
            found += page["Records"]
            iterator = page["NextShardIterator"]
    mine = [
        r
        for r in found
        if r["eventName"] == "INSERT" and r["dynamodb"]["Keys"]["ticket_number"]["N"] == str(number)
    ]
    return mine, arn


def report(counter: RequestCounter) -> None:
    from chalicelib.desk.events import from_stream_image
    from chalicelib.handlers.ticket_events import ticket_events
    from local.invoke import LambdaContext
    from local.streams import lambda_event

    records, arn = _records(_lifecycle())
    events = [from_stream_image(r["dynamodb"]["NewImage"]) for r in records]
    kinds: collections.Counter[str] = collections.Counter(e.type for e in events if e is not None)
    by_type: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    calls: collections.Counter[str] = collections.Counter()
    for record, event in zip(records, events, strict=True):
        context = LambdaContext(function_name="ticket_events")
        context.start_attempt()
        with counter.measure() as made:
            answer = ticket_events(lambda_event([record], arn), context)
        assert answer == {"batchItemFailures": []}, answer
        by_type[event.type if event else "merge copy"].update(made)
        calls.update(made)
    n = max(len(records), 1)
    per_event = {op: count / n for op, count in sorted(calls.items())}
    detail = ", ".join(f"{op} {count:g}" for op, count in per_event.items())
    print("\n## Ticket event stream: the consumer (ticket_events), off the synchronous path")
    types = ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
    print(f"events of one ticket's lifecycle  {len(records):3d}  ({types})")
    print(f"requests per event                {sum(per_event.values()):5.1f}  ({detail})")
    print(
        "requests per event by type (fan_out's 1 GetItem + 2 claims x 2 consumers = 5, plus the consumers'):"
    )
    for kind, made in sorted(by_type.items()):
        each = {op: c / kinds.get(kind, 1) for op, c in sorted(made.items())}
        print(
            f"  {kind:26s} {sum(each.values()):5.1f}  ({', '.join(f'{op} {c:g}' for op, c in each.items())})"
        )
    # A transaction's write costs two units per item (the notification and its counter: 4 WRU).
    writes = sum(c for op, c in calls.items() if op.split(":")[1] in ("UpdateItem", "PutItem", "DeleteItem"))
    writes += 4 * calls.get("dynamodb:TransactWriteItems", 0)
    reads = sum(c for op, c in calls.items() if op.split(":")[1] in ("GetItem", "Query", "BatchGetItem"))
    mails = calls.get("sesv2:SendEmail", 0)
    flushes = calls.get("sqs:SendMessage", 0)  # each a later flush: 1 invocation, GetItem + PutItem, a mail
    lambda_each = PRICES["lambda_request"] + LAMBDA_GB_SECONDS_PER_INVOCATION * PRICES["lambda_gb_second"]
    costs = [
        (
            "Lambda",
            f"{len(records)} invocations (one per event, the upper bound) + {flushes} flushes",
            (len(records) + flushes) * lambda_each,
        ),
        (
            "DynamoDB writes",
            f"{writes} + {flushes} WRU (claims, notifications, windows)",
            (writes + flushes) * PRICES["dynamodb_write_unit"],
        ),
        ("DynamoDB reads", f"{reads} + {flushes} RRU", (reads + flushes) * PRICES["dynamodb_read_unit"]),
        ("SES", f"{mails} + {flushes} notification mails", (mails + flushes) * PRICES["ses_message"]),
        ("SQS", f"{flushes} delayed flushes: send, receive, delete", 3 * flushes * PRICES["sqs_request"]),
        ("stream reads", "GetRecords by a Lambda trigger: free", 0.0),
    ]
    print("Cost per 1,000 tickets of the consumer (USD, us-east-1 list prices, x 1,000):")
    for name, arithmetic, cost in costs:
        print(f"  {name:16s} {arithmetic:60s} ${cost * 1000:8.4f}")
    print(f"  {'total':16s} {'':60s} ${sum(c for _, _, c in costs) * 1000:8.4f}")
