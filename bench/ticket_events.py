"""The ticket event stream's consumer: events per ticket and AWS requests per event (not the requests
of the synchronous paths, which the stream leaves as they were: `operations` prints those).

One ticket's lifecycle as `sla_cost` runs it (the customer writes and is acknowledged, an agent
answers, the customer answers back, the agent answers and solves, auto-close closes it), then every
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
    from chalicelib.desk.agent_work import replies
    from chalicelib.desk.service_levels import auto_close
    from chalicelib.desk.setup import agents
    from chalicelib.desk.ticket.records import utcnow
    from chalicelib.models import Message

    admin = agents.load_agent("admin@example.com")
    number = int(stored(raw_mail(sender="events@customer.test"))().ticket_number)
    replies.reply(admin, number, "First answer.")
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
    kinds = collections.Counter(e.type for e in events if e is not None)
    with counter.measure() as calls:
        for record in records:
            context = LambdaContext(function_name="ticket_events")
            context.start_attempt()
            answer = ticket_events(lambda_event([record], arn), context)
            assert answer == {"batchItemFailures": []}, answer
    n = max(len(records), 1)
    per_event = {op: count / n for op, count in sorted(calls.items())}
    detail = ", ".join(f"{op} {count:g}" for op, count in per_event.items())
    print("\n## Ticket event stream: the consumer (ticket_events), off the synchronous path")
    by_type = ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
    print(f"events of one ticket's lifecycle  {len(records):3d}  ({by_type})")
    print(f"requests per event                {sum(per_event.values()):5.1f}  ({detail})")
    writes = sum(c for op, c in calls.items() if op.split(":")[1] in ("UpdateItem", "PutItem", "DeleteItem"))
    reads = sum(c for op, c in calls.items() if op.split(":")[1] in ("GetItem", "Query", "BatchGetItem"))
    lambda_each = PRICES["lambda_request"] + LAMBDA_GB_SECONDS_PER_INVOCATION * PRICES["lambda_gb_second"]
    costs = [
        (
            "Lambda",
            f"{len(records)} invocations (one per event, the upper bound)",
            len(records) * lambda_each,
        ),
        (
            "DynamoDB writes",
            f"{writes} WRU (claims: small items, no index)",
            writes * PRICES["dynamodb_write_unit"],
        ),
        ("DynamoDB reads", f"{reads} RRU", reads * PRICES["dynamodb_read_unit"]),
        ("stream reads", "GetRecords by a Lambda trigger: free", 0.0),
    ]
    print("Cost per 1,000 tickets of the consumer (USD, us-east-1 list prices, x 1,000):")
    for name, arithmetic, cost in costs:
        print(f"  {name:16s} {arithmetic:52s} ${cost * 1000:8.4f}")
    print(f"  {'total':16s} {'':52s} ${sum(c for _, _, c in costs) * 1000:8.4f}")
