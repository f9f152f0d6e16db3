"""Failed writes on moto: a race is a conflict (or a retry), anything else is reported as what it is.

DynamoDB's throttling cannot be provoked on moto, so `throttled` answers the real TransactWriteItems
call (through PynamoDB's connection and botocore's client, as in AWS) with the response DynamoDB
sends when it throttles an item of a transaction; everything else runs on moto as usual.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from botocore.awsrequest import AWSResponse
from chalice.test import Client
from pynamodb.exceptions import TransactWriteError

from chalicelib.desk.agent_work import merge, ticket_changes
from chalicelib.desk.base.errors import Conflict, DeskError
from chalicelib.desk.base.transactions import condition_failed, is_race
from chalicelib.desk.portal import links, portal
from chalicelib.desk.ticket import opening
from chalicelib.desk.ticket.tickets import thread
from chalicelib.mail.message import Address
from chalicelib.models import Message, Ticket, _connection
from tests.mailbuilder import raw_mail

THROTTLED = {
    "Error": {
        "Code": "TransactionCanceledException",
        "Message": "Transaction cancelled [None, ThrottlingError]",
    },
    "CancellationReasons": [
        {"Code": "None"},
        {"Code": "ThrottlingError", "Message": "Throughput exceeds the current capacity of your table"},
    ],
    "ResponseMetadata": {"HTTPStatusCode": 400, "HTTPHeaders": {}},
}


class Throttle:
    """From `start()` on, every TransactWriteItems is throttled; `tried` counts the ones sent."""

    def __init__(self) -> None:
        self.tried = 0
        self._events = _connection().client.meta.events

    def start(self) -> None:
        self._events.register_first(_EVENT, self._answer, unique_id="throttled")

    def stop(self) -> None:
        self._events.unregister(_EVENT, unique_id="throttled")

    def _answer(self, **_: object) -> tuple[AWSResponse, dict]:
        self.tried += 1
        return AWSResponse("https://dynamodb.us-east-1.amazonaws.com/", 400, {}, None), THROTTLED


_EVENT = "before-call.dynamodb.TransactWriteItems"


@pytest.fixture
def throttled() -> Iterator[Throttle]:
    throttle = Throttle()
    yield throttle
    throttle.stop()


def test_a_stale_change_is_a_real_cancellation_on_its_ticket_item(deliver, admin):
    ticket = Ticket.get(deliver(raw_mail()).ticket_number)
    Ticket.get(ticket.number).update(actions=[Ticket.priority.set("high")])  # someone else, meanwhile
    message = Message(ticket_number=0, key="k", kind="customer", body_text="hi", created_at=ticket.created_at)
    with pytest.raises(TransactWriteError) as stale:
        opening.append_message(ticket, Address("jo@customer.test"), message, "<stale-item@customer.test>")
    # Sent as: the idempotency put, the message put, the ticket's update, the contact's update.
    # The idempotency put went through; the ticket's version condition did not.
    assert is_race(stale.value)
    assert condition_failed(stale.value, 2) and not condition_failed(stale.value, 0)
    assert not opening.is_duplicate(stale.value)


def test_a_throttled_ticket_change_is_no_conflict(deliver, admin, throttled):
    ticket = Ticket.get(deliver(raw_mail()).ticket_number)
    changes = ticket_changes.parse_changes({"priority": "urgent"}, frozenset({"Support"}))
    throttled.start()
    with pytest.raises(TransactWriteError) as raised:
        ticket_changes.update_ticket(admin, ticket.number, ticket.version, changes)
    assert not isinstance(raised.value, DeskError) and not is_race(raised.value)
    assert throttled.tried == 1
    assert Ticket.get(ticket.number).priority == "normal"


def test_a_throttled_change_through_the_api_is_a_logged_500(deliver, admin, monkeypatch, throttled):
    from app import app
    from chalicelib.web import auth

    monkeypatch.setattr(auth, "authenticate", lambda header: admin)
    number = deliver(raw_mail()).ticket_number
    with Client(app) as api:
        version = api.http.get(f"/api/tickets/{number}").json_body["version"]
        throttled.start()
        changed = api.http.patch(
            f"/api/tickets/{number}",
            body=json.dumps({"version": version, "priority": "high"}),
            headers={"content-type": "application/json"},
        )
    assert (changed.status_code, changed.json_body["error"]) == (500, "internal")


def test_a_throttled_merge_is_no_conflict(deliver, admin, throttled):
    source = Ticket.get(deliver(raw_mail(sender="a@customer.test")).ticket_number)
    target = deliver(raw_mail(sender="b@customer.test")).ticket_number
    throttled.start()
    with pytest.raises(TransactWriteError):
        merge.merge(admin, source.number, target, source.version)
    assert Ticket.get(source.number).status == "new"


def test_a_throttled_status_page_reply_is_tried_once_and_no_conflict(deliver, throttled):
    ticket = Ticket.get(deliver(raw_mail()).ticket_number)
    token = links.status_url(ticket).rsplit("/", 1)[1]
    throttled.start()
    with pytest.raises(TransactWriteError):
        portal.reply(token, "Any news?", "form-1", "192.0.2.7")
    assert throttled.tried == 1  # not retried: the same write would be throttled again
    with pytest.raises(TransactWriteError):
        portal.close(token)
    assert Ticket.get(ticket.number).status == "new"


def test_a_status_page_reply_racing_a_change_is_retried_on_the_fresh_ticket(deliver, monkeypatch):
    ticket = Ticket.get(deliver(raw_mail()).ticket_number)
    token = links.status_url(ticket).rsplit("/", 1)[1]
    append = opening.append_message
    raced: list[int] = []

    def change_first(current: Ticket, *args: object, **options: object) -> None:
        if not raced:  # another writer changes the ticket between the page's read and its write
            raced.append(current.version)
            Ticket.get(current.number).update(actions=[Ticket.priority.set("high")])
        append(current, *args, **options)

    monkeypatch.setattr(opening, "append_message", change_first)
    replied = portal.reply(token, "Any news?", "form-race", "192.0.2.8")
    assert replied.priority == "high" and replied.version == raced[0] + 2
    assert [m.visible_text for m in thread(ticket.number) if m.kind == "customer"][-1] == "Any news?"


def test_a_throttled_delivery_is_not_retried(deliver, throttled):
    throttled.start()
    with pytest.raises(RuntimeError, match="TransactionCanceledException"):
        deliver(raw_mail(sender="ty@customer.test"))
    assert throttled.tried == 1


def test_a_real_conflict_stays_a_conflict(deliver, admin):
    ticket = Ticket.get(deliver(raw_mail()).ticket_number)
    changes = ticket_changes.parse_changes({"priority": "urgent"}, frozenset({"Support"}))
    ticket_changes.update_ticket(admin, ticket.number, ticket.version, changes)
    with pytest.raises(Conflict):
        ticket_changes.update_ticket(admin, ticket.number, ticket.version, changes)
