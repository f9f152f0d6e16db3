"""Service tests: the real services on moto in-process, provisioned by the local runtime's code."""

from __future__ import annotations

import contextlib
import email
import email.policy
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bench.counting import RequestCounter, install
from local.sandbox import in_process_aws

# bench's counter of AWS requests, hooked into every botocore session made from here on: pytest
# imports this file while collecting, before any test makes an AWS client.
REQUESTS = install()


@pytest.fixture(scope="session", autouse=True)
def aws() -> Iterator[None]:
    with in_process_aws():
        yield


def _point_at(model: type, table_name: str) -> None:
    """Point a PynamoDB model at another table: `Meta.table_name`, which PynamoDB builds requests
    from, and the model's open table connection. Left alone, PynamoDB would open a new connection
    when the name changes, and each makes its own botocore client (~0.5 s on a loaded machine)."""
    from pynamodb.connection.base import MetaTable

    connection = model._get_connection()
    with contextlib.suppress(ValueError):  # the connection knows this table already
        connection.connection.add_meta_table(
            MetaTable({**connection.get_meta_table().data, "TableName": table_name})
        )
    connection.table_name = model.Meta.table_name = table_name


@pytest.fixture
def fresh_tables() -> Iterator[str]:
    """Empty tables of this test's own, the demo admin seeded: a test that lists or counts tickets
    asserts exactly what it made, not what the session's earlier tests left. Yields the prefix.

    The tables are the local runtime's (its provisioning creates them) under a prefix of the test's
    own; the per-container caches are dropped on the way in and out, and the tables deleted after.
    Ticket numbers go on from the session's: moto's Step Functions executions and S3 keys named
    after a ticket number are shared by every test.
    """
    from chalicelib.config import settings
    from chalicelib.desk.base.numbers import TICKET_COUNTER
    from chalicelib.desk.setup import directory
    from chalicelib.desk.setup.agents import forget_profile
    from chalicelib.desk.ticket import queues
    from chalicelib.models import ALL_MODELS, Ledger
    from local.provision import create_storage, seed_admin

    def ticket_count() -> int:
        try:
            return int(Ledger.get(TICKET_COUNTER).value)
        except Ledger.DoesNotExist:
            return 0

    def forget_caches() -> None:
        directory.forget()
        queues.forget_counts()
        forget_profile("admin@example.com")

    shared = {model: model.Meta.table_name for model in ALL_MODELS}
    prefix = f"{settings().table_prefix}{uuid.uuid4().hex[:8]}-"
    numbered = ticket_count()
    for model, name in shared.items():
        _point_at(model, prefix + name.removeprefix(settings().table_prefix))
    try:
        create_storage()
        Ledger(key=TICKET_COUNTER, value=numbered).save()
        seed_admin("admin@example.com")
        forget_caches()
        yield prefix
    finally:
        numbered = ticket_count() if Ledger.exists() else numbered
        for model in ALL_MODELS:
            if model.exists():
                model.delete_table()
        for model, name in shared.items():
            _point_at(model, name)
        forget_caches()
        Ledger(key=TICKET_COUNTER).update(actions=[Ledger.value.set(numbered)], add_version_condition=False)


@pytest.fixture
def requests_made() -> RequestCounter:
    """Every AWS request of the test process, by operation (`with requests_made.measure() as made:`)."""
    return REQUESTS


@pytest.fixture
def admin_off_the_rota(fresh_tables):
    """The seeded admin in no team: it is in every mailbox's team with the default working hours
    (Mon-Fri 09:00-17:00 UTC), so on a weekday afternoon it would be eligible for auto-assignment
    and take turns. Tests of who gets a ticket count only the agents they add."""
    from chalicelib.desk.setup import directory
    from chalicelib.desk.setup.agents import forget_profile
    from chalicelib.models import Agent

    Agent(email="admin@example.com").update(actions=[Agent.teams.set([])])
    forget_profile("admin@example.com")
    directory.forget()


@pytest.fixture
def admin():
    from chalicelib.desk.setup.agents import load_agent

    return load_agent("admin@example.com")


def stored_ses_event(
    raw: bytes,
    recipients: tuple[str, ...] = ("support@example.com",),
    verdicts: dict[str, str] | None = None,
    envelope_sender: str = "sender@customer.test",
) -> dict:
    """Store a raw mail where SES's S3 action would; the event SES's Lambda action then sends."""
    from chalicelib.config import settings
    from chalicelib.desk.base import storage
    from local.ses_event import ses_event

    ses_id = uuid.uuid4().hex
    storage.put_object(f"inbound/{ses_id}", raw, "message/rfc822")
    return ses_event(raw, ses_id, envelope_sender, list(recipients), settings().mail_domains, verdicts)


@pytest.fixture
def deliver() -> Callable[..., object]:
    """Store a raw mail where SES's S3 action would and run the inbound handler on its event."""
    from chalicelib.desk.intake.inbound import ingest
    from chalicelib.handlers.inbound import delivery_from_record

    def deliver(raw: bytes, **options: Any):
        return ingest(delivery_from_record(stored_ses_event(raw, **options)["Records"][0]))

    return deliver


@pytest.fixture
def sent_mail() -> Callable[[], list[email.message.EmailMessage]]:
    """Every mail SES accepted so far, parsed."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    def sent() -> list[email.message.EmailMessage]:
        backend = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
        return [
            email.message_from_string(m.raw_data, policy=email.policy.default)
            for m in backend.sent_messages
            if hasattr(m, "raw_data")
        ]

    return sent


@pytest.fixture
def update(admin) -> Callable[..., object]:
    from chalicelib.desk.agent_work import ticket_changes
    from chalicelib.models import Ticket

    def update(number: int, **changes: object):
        ticket = Ticket.get(number)
        parsed = ticket_changes.parse_changes(changes, frozenset({"Support", "Billing"}))
        return ticket_changes.update_ticket(admin, number, ticket.version, parsed)

    return update


@pytest.fixture(scope="module")
def web_client():
    """The Chalice app behind its test client (tests/service/agent_http.py talks to it)."""
    from chalice.test import Client

    from app import app

    with Client(app) as test_client:
        yield test_client


@pytest.fixture
def signed_in(monkeypatch):
    """A token `agent:<email>` stands for a verified Cognito ID token of that agent."""
    import time

    from chalicelib.desk.base.errors import Unauthorized
    from chalicelib.desk.setup.agents import load_agent
    from chalicelib.web import session

    def agent_for_token(token: str):
        if not token.startswith("agent:"):
            raise Unauthorized("invalid or expired token")
        email = token.removeprefix("agent:")
        return load_agent(email), {"sub": email, "iat": 1, "exp": time.time() + 3600, "email": email}

    monkeypatch.setattr(session, "agent_for_token", agent_for_token)


@pytest.fixture
def pool(monkeypatch) -> dict[str, str]:
    """A fresh user pool with the admin's login bound to the admin's row, and settings naming it;
    token checks are real (tests/service/cognito_http.py)."""
    import dataclasses

    from chalicelib import config
    from chalicelib.desk.setup import admin as desk_admin
    from chalicelib.desk.setup.agents import forget_profile
    from chalicelib.web import auth
    from local.provision import create_identity, seed_admin
    from tests.service.cognito_http import PASSWORD, MotoKeys

    ids = create_identity("admin@example.com", PASSWORD, pool_name="helpdesk-sessions")
    configured = dataclasses.replace(
        config.settings(), cognito_user_pool_id=ids["user_pool_id"], cognito_client_id=ids["client_id"]
    )
    for module in (config, auth, desk_admin):
        monkeypatch.setattr(module, "settings", lambda: configured)
    monkeypatch.setattr(auth, "_jwks", lambda: MotoKeys("https://keys.invalid/jwks.json"))
    seed_admin("admin@example.com", sub=ids["admin_sub"])
    forget_profile("admin@example.com")
    return ids


@pytest.fixture
def added_mailbox(admin):
    """A mailbox an admin added (not in HELPDESK_MAILBOXES), removed again afterwards."""
    from chalicelib.desk.setup import admin as admin_service
    from chalicelib.desk.setup import directory

    added = []

    def add(address: str) -> str:
        admin_service.add_mailbox(admin, address, "Support")
        added.append(address)
        return address

    yield add
    for address in added:
        directory.entry("mailbox", address).delete()
    directory.forget()
