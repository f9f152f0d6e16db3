"""The ticket event stream on moto: what each change puts on the messages table's stream, the
stream consumer's once-only delivery per consumer, and `GET /api/events`.

The consumers (notifications, webhooks) are other work's; here each is a recorder put in place of
its package's `on_event`, the one thing fan_out calls. Everything else is real: the stream's
records as moto wrote them, in Lambda's event shape (local/streams.py), the handler, the claims.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
import time_machine
from chalice.test import Client

from chalicelib.desk import notifications, webhooks
from chalicelib.desk.agent_work import merge, replies
from chalicelib.desk.events import claims, feed
from chalicelib.desk.events.ticket_event import TicketEvent
from chalicelib.desk.portal import links, portal
from chalicelib.desk.setup.agents import AgentProfile
from chalicelib.handlers.ticket_events import ticket_events
from chalicelib.models import Ledger, Message, Ticket
from local.invoke import LambdaContext
from local.streams import lambda_event
from tests.mailbuilder import raw_mail

SUPPORT_AGENT = AgentProfile(email="sam@example.com", name="Sam", role="agent", teams=("Support",))


def stream_records() -> tuple[list[dict[str, Any]], str]:
    """Every record of the (fresh) messages table's stream so far, and the stream's ARN."""
    arn = boto3.client("dynamodb").describe_table(TableName=Message.Meta.table_name)["Table"][
        "LatestStreamArn"
    ]
    streams = boto3.client("dynamodbstreams")
    records = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            response = streams.get_records(ShardIterator=iterator, Limit=1000)
            records += response["Records"]
            if not response["Records"]:
                break
            iterator = response["NextShardIterator"]
    return records, arn


def invoke(records: list[dict[str, Any]], arn: str) -> dict[str, Any]:
    context = LambdaContext(function_name="ticket_events")
    context.start_attempt()
    return ticket_events(lambda_event(records, arn), context)


class Recorder:
    """A consumer's `on_event`: records each call; raises while `failures` is above zero."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []
        self.failures = 0

    def __call__(self, event: TicketEvent, ticket: Ticket) -> None:
        self.calls.append((event.id, ticket.number))
        if self.failures:
            self.failures -= 1
            raise RuntimeError("consumer down")


@pytest.fixture
def consumers(monkeypatch) -> tuple[Recorder, Recorder]:
    notify, hooks = Recorder(), Recorder()
    monkeypatch.setattr(notifications, "on_event", notify)
    monkeypatch.setattr(webhooks, "on_event", hooks)
    return notify, hooks


def _types(records: list[dict[str, Any]]) -> list[str]:
    from chalicelib.desk.events import from_stream_image

    events = [from_stream_image(r["dynamodb"]["NewImage"]) for r in records if r["eventName"] == "INSERT"]
    return [e.type for e in events if e is not None]


def test_every_change_of_a_ticket_is_one_event_on_the_stream(fresh_tables, deliver, admin, update, sent_mail):
    created = deliver(raw_mail(sender="Cus <cus@customer.test>", subject="Broken"))
    number = created.ticket_number
    ack = next(m for m in Message.query(number) if m.kind == "reply")
    deliver(raw_mail(sender="Cus <cus@customer.test>", subject="Re: Broken", in_reply_to=ack.message_id))
    replies.reply(admin, number, "We are on it.")
    replies.add_note(admin, number, "Check the logs")
    update(number, assignee="admin@example.com", priority="high", tags=["vip"])
    update(number, team="Billing")
    update(number, status="solved")
    portal.rate(links.issue(number, links.SURVEY, Ticket.get(number).link_version), "good")
    records, _ = stream_records()
    assert _types(records) == [
        "ticket.created",
        "ticket.changed",  # the acknowledgement: the desk's own mail
        "ticket.customer_replied",
        "ticket.agent_replied",
        "ticket.status_changed",  # new → open, with the reply
        "ticket.note_added",
        "ticket.priority_changed",
        "ticket.assigned",
        "ticket.tags_changed",
        "ticket.team_changed",
        "ticket.status_changed",
        "ticket.changed",  # the solved notice
        "ticket.rated",
    ]


def test_a_merge_is_one_event_on_each_ticket_and_its_copies_none(fresh_tables, deliver, admin):
    source = deliver(raw_mail(sender="Ann <ann@customer.test>", subject="One")).ticket_number
    target = deliver(raw_mail(sender="Ann <ann@customer.test>", subject="Two")).ticket_number
    before = len(stream_records()[0])
    merge.merge(admin, source, into=target, version=Ticket.get(source).version)
    records = stream_records()[0][before:]
    assert len([r for r in records if "merged_from" in r["dynamodb"]["NewImage"]]) == 2  # mail + ack copied
    # The source closes with its "merged" event (no status event of its own: transition.change).
    assert _types(records) == ["ticket.merged", "ticket.merged"]


def test_a_replayed_record_calls_no_consumer_twice(fresh_tables, deliver, consumers):
    notify, hooks = consumers
    number = deliver(raw_mail(sender="cus@customer.test", subject="Once")).ticket_number
    records, arn = stream_records()
    assert invoke(records, arn) == {"batchItemFailures": []}
    assert invoke(records, arn) == {"batchItemFailures": []}  # the stream's retry of the same batch
    ids = [f"{number}#{r['dynamodb']['Keys']['key']['S']}" for r in records]
    assert notify.calls == hooks.calls == [(event_id, number) for event_id in ids]
    assert Ledger.get(claims.claim_key(ids[0], "webhooks")).ref == claims.DONE


def test_a_failed_consumer_is_retried_and_the_one_that_finished_is_not(fresh_tables, deliver, consumers):
    notify, hooks = consumers
    deliver(raw_mail(sender="cus@customer.test", subject="Flaky"))
    records, arn = stream_records()
    hooks.failures = 1
    first = invoke(records[:1], arn)
    assert first == {"batchItemFailures": [{"itemIdentifier": records[0]["dynamodb"]["SequenceNumber"]}]}
    assert (len(notify.calls), len(hooks.calls)) == (1, 1)
    assert invoke(records[:1], arn) == {"batchItemFailures": []}
    assert (len(notify.calls), len(hooks.calls)) == (1, 2)


def test_a_delivery_that_crashed_is_taken_over_once_its_lease_expires(fresh_tables, deliver, consumers):
    notify, _ = consumers
    deliver(raw_mail(sender="cus@customer.test", subject="Crash"))
    records, arn = stream_records()
    key = (
        f"{records[0]['dynamodb']['Keys']['ticket_number']['N']}#{records[0]['dynamodb']['Keys']['key']['S']}"
    )
    claim = claims.claim_key(key, "notifications")
    assert claims.claim(claim)  # an invocation claimed it, then its container died
    assert invoke(records[:1], arn)["batchItemFailures"]  # within the lease: not now, later
    assert notify.calls == []
    later = datetime.now(UTC) + timedelta(seconds=claims.LEASE_SECONDS + 1)
    with time_machine.travel(later):
        assert invoke(records[:1], arn) == {"batchItemFailures": []}
    assert [event_id for event_id, _ in notify.calls] == [key]


def test_only_inserts_are_events(fresh_tables, deliver, consumers):
    notify, _ = consumers
    deliver(raw_mail(sender="cus@customer.test", subject="Changed"))
    records, arn = stream_records()
    modified = [{**records[0], "eventName": "MODIFY"}, {**records[0], "eventName": "REMOVE"}]
    assert invoke(modified, arn) == {"batchItemFailures": []}
    assert notify.calls == []


def _settled() -> datetime:
    return datetime.now(UTC) + timedelta(seconds=feed.SETTLE_SECONDS + 1)


def test_the_feed_pages_through_every_event_with_its_cursor(fresh_tables, deliver, admin):
    start = datetime.now(UTC) - timedelta(seconds=1)
    for n in range(3):
        deliver(raw_mail(sender="cus@customer.test", subject=f"Feed {n}"))
    expected = [m.key for m in Message.feed_index.query(start.strftime("%Y-%m-%d"))]
    assert len(expected) == 6  # each mail and its acknowledgement
    seen, since = [], start.isoformat()
    for _ in range(4):
        page = feed.read_events(admin, since, limit=4, now=_settled())
        seen += [event.id.partition("#")[2] for event, _ in page.events]
        since = page.cursor
    assert seen == expected
    assert feed.read_events(admin, since, limit=4, now=_settled()).events == []


def test_the_feed_leaves_the_newest_seconds_for_the_next_call(fresh_tables, deliver, admin):
    start = datetime.now(UTC) - timedelta(seconds=1)
    deliver(raw_mail(sender="cus@customer.test", subject="Just now"))
    page = feed.read_events(admin, start.isoformat(), now=datetime.now(UTC))
    assert page.events == []
    assert len(feed.read_events(admin, page.cursor, now=_settled()).events) == 2


def test_the_feed_walks_empty_days_in_bounded_reads(fresh_tables, admin, requests_made):
    long_ago = (datetime.now(UTC) - timedelta(days=25)).isoformat()
    with requests_made.measure() as made:
        page = feed.read_events(admin, long_ago, now=_settled())
    assert page.events == [] and made["dynamodb:Query"] == feed.MAX_QUERIES and "dynamodb:Scan" not in made
    reached = feed.position(page.cursor, _settled())
    assert reached.day == (datetime.now(UTC) - timedelta(days=25 - feed.MAX_QUERIES)).strftime("%Y-%m-%d")


def test_events_api_shows_the_callers_teams_internal_notes_and_a_cursor(
    fresh_tables, deliver, admin, monkeypatch
):
    from app import app
    from chalicelib.web import auth

    start = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    support = deliver(raw_mail(sender="cus@customer.test", subject="Mine")).ticket_number
    billing = deliver(
        raw_mail(sender="cus@customer.test", to="billing@example.com", subject="Theirs"),
        recipients=("billing@example.com",),
    ).ticket_number
    replies.add_note(admin, support, "Internal only")
    caller = {"agent": SUPPORT_AGENT}
    monkeypatch.setattr(auth, "authenticate", lambda header: caller["agent"])
    with Client(app) as client, time_machine.travel(_settled()):

        def get(query: str):
            return client.http.get(f"/api/events?{query}", headers={"content-type": "application/json"})

        response = get(f"since={start.replace('+', '%2B')}")
        assert response.status_code == 200, response.body
        items = response.json_body["items"]
        assert {item["ticket"]["number"] for item in items} == {support}
        assert [item["type"] for item in items] == ["ticket.created", "ticket.changed", "ticket.note_added"]
        note = items[-1]
        assert (note["internal"], note["text"], note["actor"]["email"]) == (
            True,
            "Internal only",
            "admin@example.com",
        )
        assert get(f"since={response.json_body['next_cursor']}").json_body["items"] == []
        caller["agent"] = admin
        everything = get(f"since={start.replace('+', '%2B')}").json_body["items"]
        assert {item["ticket"]["number"] for item in everything} == {support, billing}
        assert get("since=not-a-cursor").status_code == 400
        assert get("limit=0").status_code == 400
        assert json.loads(get("limit=500").body)["message"] == f"limit must be between 1 and {feed.MAX_LIMIT}"


def test_events_api_needs_a_signed_in_agent():
    from app import app

    with Client(app) as client:
        assert client.http.get("/api/events").status_code == 401
