"""The AWS requests each operation and page costs (docs/ARCHITECTURE.md, docs/COST.md), counted by
`make bench`'s counter: every request by service and operation, so an exact count also says that
none is a Scan. Each test has tables of its own; the caches a figure depends on are set explicitly.
"""

from __future__ import annotations

import pytest

from bench.operations import stored
from tests.mailbuilder import raw_mail
from tests.service.agent_http import cookie

# What one new mail costs in a container holding the setup and the signing key: the raw mail, the
# thread lookup, the ticket number and the acknowledgement's limit, the ticket's transaction, its two
# SLA timers, the articles to suggest, the acknowledgement and its transaction.
NEW_MAIL = {
    "s3:GetObject": 1,
    "dynamodb:BatchGetItem": 1,
    "dynamodb:UpdateItem": 2,
    "dynamodb:TransactWriteItems": 2,
    "stepfunctions:StartExecution": 2,
    "dynamodb:Query": 1,
    "sesv2:SendEmail": 1,
}


@pytest.fixture
def measured(requests_made):
    """`measured(operation)` → (its result, the requests it made by operation), never a Scan."""

    def measure(operation):
        with requests_made.measure() as made:
            result = operation()
        assert "dynamodb:Scan" not in made
        return result, dict(made)

    return measure


@pytest.fixture
def held_caches(monkeypatch):
    """Caches that expire after seconds (setup 60, profile 30, counts 10) kept for the test: a
    loaded machine must not turn a warm figure into a cold one."""
    from chalicelib.desk.setup import agents, directory
    from chalicelib.desk.ticket import queues

    monkeypatch.setattr(directory, "CACHE_TTL_SECONDS", 3600.0)
    monkeypatch.setattr(agents, "PROFILE_TTL_SECONDS", 3600.0)
    monkeypatch.setattr(queues, "COUNT_TTL_SECONDS", 3600.0)


def test_mail_replies_lists_and_views(fresh_tables, held_caches, measured, admin):
    from chalicelib.desk.agent_work import replies
    from chalicelib.desk.base import signing
    from chalicelib.desk.setup import agents
    from chalicelib.desk.ticket import tickets
    from chalicelib.desk.ticket.tickets import TicketFilter
    from chalicelib.models import Message

    signing.forget()  # a container that has not read the signing key yet
    _, first = measured(stored(raw_mail(sender="first@customer.test")))
    # The deployment's first mail seeds the setup from HELPDESK_MAILBOXES (a Query finding nothing,
    # a BatchWriteItem); the container's first signed link reads the key (every 15 minutes).
    assert first == {**NEW_MAIL, "dynamodb:Query": 2, "dynamodb:BatchWriteItem": 1, "ssm:GetParameter": 1}
    assert sum(first.values()) == 13

    created, new_mail = measured(stored(raw_mail(sender="budget@customer.test")))
    assert new_mail == NEW_MAIL
    assert sum(new_mail.values()) == 10

    ack = next(m for m in Message.query(created.ticket_number) if m.kind == "reply")
    _, reply_mail = measured(stored(raw_mail(sender="budget@customer.test", in_reply_to=ack.message_id)))
    assert reply_mail == {
        "s3:GetObject": 1,
        "dynamodb:BatchGetItem": 1,  # the thread lookup finds the acknowledgement's Message-ID
        "dynamodb:GetItem": 1,
        "dynamodb:TransactWriteItems": 1,
    }

    _, agent_reply = measured(lambda: replies.reply(admin, created.ticket_number, "Looking into it."))
    assert agent_reply == {
        "dynamodb:GetItem": 1,
        "dynamodb:TransactWriteItems": 1,
        "sesv2:SendEmail": 1,
        "stepfunctions:StartExecution": 1,  # the next response's timer
    }

    _, listing = measured(lambda: tickets.list_tickets(admin, TicketFilter(status="open")).items)
    assert listing == {"dynamodb:Query": 1}

    _, view = measured(lambda: tickets.thread(tickets.get_ticket(admin, created.ticket_number).number))
    assert view == {"dynamodb:GetItem": 1, "dynamodb:Query": 1}

    agents.forget_profile(admin.email)
    _, profile = measured(lambda: agents.load_agent(admin.email))
    assert profile == {"dynamodb:GetItem": 1}


# Page → (cold: the setup and counts caches empty, the agent's profile held; warm: again at once).
# Cold includes the bell's unread counter (one GetItem, kept as long as the counts).
PAGES = {
    "/queues/open": (
        {"dynamodb:Query": 4, "dynamodb:GetItem": 1},
        {"dynamodb:Query": 1},
    ),  # counts, teams, agents, list
    "/queues/unassigned": ({"dynamodb:Query": 4, "dynamodb:GetItem": 1}, {"dynamodb:Query": 1}),
    # ticket, thread, the customer's tickets; cold also counts, teams and agents
    "/tickets/{number}": (
        {"dynamodb:GetItem": 2, "dynamodb:Query": 5},
        {"dynamodb:GetItem": 1, "dynamodb:Query": 2},
    ),
    "/search?q=order": (  # a subject word: its search terms, then one BatchGetItem
        {"dynamodb:Query": 4, "dynamodb:BatchGetItem": 1, "dynamodb:GetItem": 1},
        {"dynamodb:Query": 1, "dynamodb:BatchGetItem": 1},
    ),
    "/admin": (
        {"dynamodb:Query": 4, "dynamodb:GetItem": 1},
        {"dynamodb:Query": 1},
    ),  # warm: the API keys, never cached
    "/reports": (
        {"dynamodb:Query": 3, "dynamodb:GetItem": 1},
        {"dynamodb:Query": 1},
    ),  # one Query of the all-tickets index
    # The list and the bell, read afresh (so they agree)
    "/notifications": (
        {"dynamodb:Query": 3, "dynamodb:GetItem": 1},
        {"dynamodb:Query": 1, "dynamodb:GetItem": 1},
    ),
}


def test_pages_cold_and_warm(
    fresh_tables, held_caches, measured, signed_in, web_client, deliver, admin, monkeypatch
):
    from chalicelib.desk.notifications import inbox
    from chalicelib.desk.setup import agents, directory
    from chalicelib.desk.ticket import queues

    numbers = [deliver(raw_mail(sender="ada@customer.test")).ticket_number for _ in range(3)]

    def page(path: str) -> dict[str, int]:
        response, made = measured(lambda: web_client.http.get(path, headers=cookie()))
        assert response.status_code == 200, path
        return made

    for shape, (cold, warm) in PAGES.items():
        path = shape.format(number=numbers[0])
        directory.forget()
        queues.forget_counts()
        inbox.forget_unread()
        assert (page(path), page(path)) == (cold, warm), path

    assert page("/queues/open") == {"dynamodb:Query": 2}  # the counts, dropped before /reports, again

    agents.forget_profile(admin.email)  # older than 30 s: one GetItem more
    assert page("/queues/open") == {"dynamodb:GetItem": 1, "dynamodb:Query": 1}
    monkeypatch.setattr(queues, "COUNT_TTL_SECONDS", 0.0)  # counts and bell older than 10 s: read again
    assert page("/queues/open") == {"dynamodb:Query": 2, "dynamodb:GetItem": 1}


def test_the_request_form(fresh_tables, held_caches, measured, web_client):
    from chalicelib.desk.base import storage
    from chalicelib.desk.intake import request_form, web_requests

    web_client.http.get("/support")  # fills the container's caches (setup, upload origin)
    response, form_page = measured(lambda: web_client.http.get("/support/billing"))
    assert (response.status_code, form_page) == (200, {})  # signing is local

    token = request_form.issue_token()
    mailbox = web_requests.mailbox_named("billing")
    upload, presign = measured(lambda: web_requests.presign_upload(token, "receipt.pdf", 9, "198.51.100.1"))
    assert presign == {"dynamodb:UpdateItem": 1}  # the rate limit; the POST is signed locally
    storage.put_object(upload["key"], b"%PDF-1.4\n", "application/pdf")  # what the browser does
    form = request_form.RequestForm(
        token=token,
        name="Budget",
        email="budget.form@customer.test",
        subject="Budget request",
        message="Hello",
        attachments=(upload["key"],),
    )
    _, submit = measured(lambda: web_requests.submit(form, mailbox, "198.51.100.1"))
    assert submit == {
        "dynamodb:GetItem": 1,  # a repeat?
        "s3:HeadObject": 1,
        "dynamodb:UpdateItem": 4,  # two limits, the ticket number, the acknowledgement's limit
        "s3:PutObject": 1,  # the submission
        "s3:CopyObject": 1,
        "dynamodb:TransactWriteItems": 2,  # the ticket, the acknowledgement
        "stepfunctions:StartExecution": 2,
        "dynamodb:Query": 1,  # published articles to suggest
        "sesv2:SendEmail": 1,
    }
    assert sum(submit.values()) == 14
    _, again = measured(lambda: web_requests.submit(form, mailbox, "198.51.100.1"))
    assert again == {"dynamodb:GetItem": 1}
