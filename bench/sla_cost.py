"""One ticket's life with its SLA timers really run: AWS requests, state transitions, and what 1,000 cost.

The lifecycle: a customer writes (acknowledged), an agent answers, the customer answers back, the
agent answers and solves, the ticket is viewed, then auto-closed. It runs twice, each measured
alone: "answered in time" answers at once; "breached" answers only after the first-response and
resolution timers warned and breached (the handler records both and mails the team and the leads).

moto's Step Functions executes the timers, as in the local runtime, and each SLA event reaches the
sla_events handler alone, as Lambda's SQS poller hands it over at most; the state machine's own
DynamoDB and SQS requests are counted with the rest, and its state transitions are read from each
execution's history. `BENCH_POLICY` (set by `bench.__main__`) gives every target one business minute on a
calendar that never closes and warns at 25 %, so the timers wait seconds instead of hours: the
executions started and the states they pass through are those of an answer before the warning
point, or after the due time, under any policy.
"""

from __future__ import annotations

import collections
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from unittest import mock

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
LAMBDA_GB_SECONDS_PER_INVOCATION = 0.5 * 0.3  # 512 MB for ~300 ms, a warm invocation's order of size
ONE_MINUTE = {"first_response": 1, "next_response": 1, "resolution": 1}
BENCH_POLICY = {
    "name": "bench-one-minute",
    "warn_at": 0.25,
    "calendar": {
        "time_zone": "UTC",
        "hours": {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
    },
    "targets": {p: ONE_MINUTE for p in ("low", "normal", "high", "urgent")},
}
# Requests the bench makes to watch the timers, not the help desk's.
INSTRUMENTATION = frozenset({"stepfunctions:ListExecutions", "stepfunctions:GetExecutionHistory"})
POLL_SECONDS = 0.5
WAIT_LIMIT_SECONDS = 180  # every timer of BENCH_POLICY has fired or gone stale within ~80 s


@contextmanager
def executing_timers() -> Iterator[None]:
    """moto runs Step Functions executions in this block, as the local runtime asks its server to.

    The timer state machine is created again in the executing backend (it keeps its own), and
    requests are answered one at a time: the executions make theirs from their own threads, and
    moto's backends are not thread-safe (local/aws.py serialises the runtime's server the same way).
    """
    from moto.core.botocore_stubber import BotocoreStubber
    from moto.core.config import default_user_config

    from local import sqs
    from local.provision import create_sla_resources
    from local.sandbox import STAGE

    lock, answer = threading.RLock(), BotocoreStubber.process_request

    def one_at_a_time(stubber: BotocoreStubber, request: Any) -> Any:
        with lock:
            return answer(stubber, request)

    with (
        mock.patch.object(BotocoreStubber, "process_request", one_at_a_time),
        mock.patch.dict(default_user_config, {"stepfunctions": {"execute_state_machine": True}}),
        # Each event handled alone (the upper bound: events firing together may share a batch).
        mock.patch.object(sqs, "BATCH_SIZE", 1),
    ):
        create_sla_resources(STAGE)
        yield


@dataclass
class SlaEvents:
    """The sla_events Lambda fed from the queue as Lambda's poller feeds it, counting what it got."""

    batches: int = 0
    polls: int = 0
    delivered: collections.Counter[tuple[int, str]] = field(default_factory=collections.Counter)

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        from chalicelib.handlers.sla import sla_events

        self.batches += 1
        for record in event["Records"]:
            body = json.loads(record["body"])
            self.delivered[(body["ticket_number"], body["type"])] += 1
        return sla_events(event, context)


class Timers:
    """Waits for a ticket's timers while handing their events to sla_events."""

    def __init__(self, events: SlaEvents) -> None:
        from chalicelib.aws import client
        from chalicelib.config import settings
        from local.sqs import SqsPoller

        self._events, self._sfn, self._arn = events, client("stepfunctions"), settings().sla_state_machine_arn
        self._poller = SqsPoller(settings().sla_queue_url, "sla_events", events)

    def until(self, done: Callable[[], bool]) -> None:
        deadline = time.monotonic() + WAIT_LIMIT_SECONDS
        while True:
            self._events.polls += 1
            self._poller.poll()
            if done():
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"SLA timers still waiting after {WAIT_LIMIT_SECONDS} s")
            time.sleep(POLL_SECONDS)

    def executions(self, number: int) -> list[dict[str, Any]]:
        found = self._sfn.list_executions(stateMachineArn=self._arn)["executions"]
        return [e for e in found if e["name"].startswith(f"ticket-{number}-")]

    def settle(self, number: int) -> None:
        """Until every timer of the ticket ended and no event of theirs is left in the queue."""
        self.until(lambda: all(e["status"] != "RUNNING" for e in self.executions(number)))
        before = None
        while before != self._events.batches:  # a poll that finds nothing: the queue is drained
            before = self._events.batches
            self._events.polls += 1
            self._poller.poll()

    def states_entered(self, number: int) -> collections.Counter[str]:
        """The billed state transitions of the ticket's executions, by state type."""
        entered: collections.Counter[str] = collections.Counter()
        for execution in self.executions(number):
            history = self._sfn.get_execution_history(executionArn=execution["executionArn"], maxResults=1000)
            entered.update(e["type"] for e in history["events"] if e["type"].endswith("StateEntered"))
        return entered


@dataclass(frozen=True)
class Lifecycle:
    name: str
    calls: collections.Counter[str]
    item_writes: collections.Counter[tuple[str, bool]]
    executions: int
    stale: int  # executions whose conditional record failed (1 WRU, no index copy)
    transitions: collections.Counter[str]
    sla_batches: int


def lifecycle(counter: RequestCounter, timers: Timers, events: SlaEvents, *, breached: bool) -> Lifecycle:
    from chalicelib.desk.agent_work import replies
    from chalicelib.desk.service_levels import auto_close
    from chalicelib.desk.setup import agents
    from chalicelib.desk.ticket import tickets
    from chalicelib.desk.ticket.records import utcnow
    from chalicelib.models import Message

    admin = agents.load_agent("admin@example.com")
    customer = f"{'late' if breached else 'life'}@customer.test"
    writes_before, batches_before, polls_before = counter.item_writes.copy(), events.batches, events.polls
    with counter.measure() as calls:
        number = stored(raw_mail(sender=customer))().ticket_number
        if breached:
            timers.until(lambda: events.delivered[(number, "breach")] == 2)
        replies.reply(admin, number, "First answer.")
        answer = next(m for m in Message.query(number) if m.kind == "reply" and not m.automatic)
        stored(raw_mail(sender=customer, in_reply_to=answer.message_id))()
        replies.reply(admin, number, "Solved.", status="solved")
        tickets.get_ticket(admin, number)
        auto_close.close_solved(utcnow() + timedelta(days=30))
        timers.settle(number)
    entered = timers.states_entered(number)
    batches = events.batches - batches_before
    measured = collections.Counter({op: n for op, n in calls.items() if op not in INSTRUMENTATION})
    measured["sqs:ReceiveMessage"] -= events.polls - polls_before - batches  # Lambda's idle polling
    return Lifecycle(
        name="breached (first response and resolution)" if breached else "answered in time",
        calls=measured,
        item_writes=counter.item_writes - writes_before,
        executions=len(timers.executions(number)),
        stale=entered["SucceedStateEntered"],  # the state machine's only Succeed state is Stale
        transitions=entered,
        sla_batches=batches,
    )


def write_units(item_writes: collections.Counter[tuple[str, bool]], stale: int) -> int:
    """WRU for ~1 KB items: a transactional write costs 2, and every GSI (all attributes projected)
    is written again for each change of an item it holds; a failed conditional write (a stale
    timer's record) costs its 1 WRU and changes no index."""
    from chalicelib.models import ALL_MODELS, Ticket

    indexes = {model.Meta.table_name: len(model._indexes) for model in ALL_MODELS}
    written = sum(
        n * (2 if txn else 1) * (1 + indexes.get(table, 0)) for (table, txn), n in item_writes.items()
    )
    return written - stale * indexes[Ticket.Meta.table_name]


def report(counter: RequestCounter) -> None:
    events = SlaEvents()
    with executing_timers():
        timers = Timers(events)
        print("\n## One ticket's lifecycle with its SLA timers executed (the timers really wait: ~1.5 min)")
        for measured in (lifecycle(counter, timers, events, breached=b) for b in (False, True)):
            print_lifecycle(measured)


def print_lifecycle(measured: Lifecycle) -> None:
    calls = measured.calls
    wru = write_units(measured.item_writes, measured.stale)
    rru = sum(n for op, n in calls.items() if op.split(":")[1] in ("GetItem", "Query", "BatchGetItem"))
    transitions = sum(measured.transitions.values())
    sqs = sum(n for op, n in calls.items() if op.startswith("sqs:"))
    mails = calls["sesv2:SendEmail"]
    # two inbound mails, two replies and one view (API), one auto-close run, the sla_events batches
    invocations = 6 + measured.sla_batches
    print(f"\n### {measured.name}")
    for op, n in sorted((+calls).items()):  # the idle polls subtracted can leave a zero
        print(f"  {op:40s} {n:3d}")
    print(
        f"  items written {sum(measured.item_writes.values())} -> {wru} WRU (transactions x2, each GSI again)"
    )
    by_state = ", ".join(
        f"{kind.removesuffix('StateEntered')} {n}" for kind, n in sorted(measured.transitions.items())
    )
    print(f"  SLA timers {measured.executions} ({measured.stale} ended stale)")
    print(f"  state transitions {transitions} ({by_state})")
    print(f"  SQS requests {sqs} (receives that found events only: Lambda's idle polling is a fixed cost)")
    print(f"  Lambda invocations {invocations} (6 + {measured.sla_batches} sla_events); SES mails {mails}")
    lambda_each = PRICES["lambda_request"] + LAMBDA_GB_SECONDS_PER_INVOCATION * PRICES["lambda_gb_second"]
    costs = [
        ("DynamoDB writes", f"{wru} WRU x $0.625/M", wru * PRICES["dynamodb_write_unit"]),
        (
            "DynamoDB reads",
            f"{rru} RRU x $0.125/M (1 KB items; a Query page ~1-4 RRU)",
            rru * PRICES["dynamodb_read_unit"],
        ),
        ("Step Functions", f"{transitions} transitions x $0.025/1k", transitions * PRICES["sfn_transition"]),
        ("SQS", f"{sqs} requests x $0.40/M", sqs * PRICES["sqs_request"]),
        ("Lambda", f"{invocations} x ($0.20/M + 0.15 GB-s x $0.0000166667)", invocations * lambda_each),
        ("SES", f"{mails} mails x $0.10/1k", mails * PRICES["ses_message"]),
        (
            "S3",
            f"{calls['s3:PutObject']} PUT x $0.005/1k + {calls['s3:GetObject']} GET x $0.0004/1k",
            calls["s3:PutObject"] * PRICES["s3_put"] + calls["s3:GetObject"] * PRICES["s3_get"],
        ),
    ]
    print("  Cost per 1,000 tickets of this lifecycle (USD, us-east-1 list prices, x 1,000):")
    for name, arithmetic, cost in costs:
        print(f"    {name:16s} {arithmetic:62s} ${cost * 1000:8.4f}")
    print(f"    {'total':16s} {'':62s} ${sum(c for _, _, c in costs) * 1000:8.4f}")
