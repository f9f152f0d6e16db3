"""Service tests: the real services on moto in-process, provisioned by the local runtime's code."""

from __future__ import annotations

import email
import email.policy
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from local.sandbox import in_process_aws


@pytest.fixture(scope="session", autouse=True)
def aws() -> Iterator[None]:
    with in_process_aws():
        yield


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
