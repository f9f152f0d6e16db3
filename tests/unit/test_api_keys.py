"""API keys' pure parts: the secret's format, its hash, the bearer header, the last-use throttle,
and POST /api/tickets' body rules (chalicelib.desk.setup.api_keys, web.auth, desk.intake.on_behalf)."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.desk.base.errors import Forbidden, InvalidRequest, Unauthorized
from chalicelib.desk.intake import on_behalf
from chalicelib.desk.setup import api_keys
from chalicelib.web import auth

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


def test_a_secret_is_hd_and_32_random_bytes_in_urlsafe_base64():
    secrets = {api_keys.new_secret() for _ in range(50)}
    assert len(secrets) == 50
    for secret in secrets:
        assert secret.startswith("hd_") and len(secret) == 46
        raw = base64.urlsafe_b64decode(secret.removeprefix("hd_") + "=")
        assert len(raw) == 32
        assert api_keys.well_formed(secret)


@pytest.mark.parametrize(
    "token",
    [
        "hd_",
        "hd_short",
        "hd_" + "a" * 42,
        "hd_" + "a" * 44,
        "hd_" + "a" * 42 + "=",
        "hd_" + "a" * 42 + "+",
        "xx_" + "a" * 43,
    ],
)
def test_anything_but_the_exact_format_is_not_a_key(token):
    assert not api_keys.well_formed(token)


def test_the_table_keeps_the_sha256_and_shows_only_the_first_characters():
    secret = api_keys.new_secret()
    assert api_keys.key_hash(secret) == hashlib.sha256(secret.encode()).hexdigest()
    assert api_keys.key_hash(secret) != api_keys.key_hash(api_keys.new_secret())
    assert api_keys.shown_prefix(secret) == secret[:11] and secret.startswith(api_keys.shown_prefix(secret))


def test_a_key_acts_with_its_role_and_teams_under_an_id_no_agent_can_have():
    key = api_keys.KeyInfo(
        id="ab" * 32,
        name="Shop",
        role="agent",
        teams=("Billing",),
        prefix="hd_abcdefgh",
        created_at=NOW,
        created_by="admin@example.com",
    )
    who = api_keys.principal(key)
    assert (who.name, who.role, who.teams, who.is_admin) == ("API key 'Shop'", "agent", ("Billing",), False)
    assert "@" not in who.email and who.email == "api-key:" + "ab" * 8
    assert who.can_see_team("Billing") and not who.can_see_team("Support")


def test_last_use_is_written_at_most_once_a_minute():
    assert api_keys.due_for_last_used(None, NOW)
    assert not api_keys.due_for_last_used(NOW - timedelta(seconds=59), NOW)
    assert api_keys.due_for_last_used(NOW - timedelta(minutes=1), NOW)


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer   ", "Basic hd_x", "Token hd_x"])
def test_a_missing_or_other_scheme_is_unauthorized_before_any_lookup(header):
    with pytest.raises(Unauthorized, match="Authorization: Bearer"):
        auth.principal(header)


def test_routes_that_take_no_keys_refuse_one_without_looking_it_up(monkeypatch):
    def looked_up(*_args):
        raise AssertionError("no lookup")

    monkeypatch.setattr(api_keys, "principal_for", looked_up)
    with pytest.raises(Forbidden, match="sign in as an admin"):
        auth.principal(f"Bearer {api_keys.new_secret()}", keys=False)


def test_a_key_in_the_header_goes_to_the_key_lookup_with_the_source_ip(monkeypatch):
    seen = []
    monkeypatch.setattr(api_keys, "principal_for", lambda secret, ip, now: seen.append((secret, ip)) or "who")
    secret = api_keys.new_secret()
    assert auth.principal(f"bearer  {secret} ", source_ip="198.51.100.7") == "who"
    assert seen == [(secret, "198.51.100.7")]


BODY = {
    "requester": {"email": "Ada@Customer.test", "name": "Ada\nLovelace"},
    "subject": "  Your order\tis late ",
    "text": "It ships tomorrow.\r\n",
}


def test_a_request_to_open_a_ticket_is_cleaned_and_defaults_to_logged_api():
    request = on_behalf.parse_request(BODY, None)
    assert request.requester.email == "ada@customer.test" and request.requester.name == "Ada Lovelace"
    assert (request.subject, request.text) == ("Your order is late", "It ships tomorrow.")
    assert (request.channel, request.notify_customer, request.mailbox, request.team) == (
        "api",
        False,
        None,
        None,
    )
    assert request.idempotency_key is None


def test_the_idempotency_header_wins_over_external_id():
    assert on_behalf.parse_request({**BODY, "external_id": "order-1"}, None).idempotency_key == "order-1"
    assert on_behalf.parse_request({**BODY, "external_id": "order-1"}, "retry-7").idempotency_key == "retry-7"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"requester": "ada@customer.test"}, "requester"),
        ({"requester": {"name": "Ada"}}, "requester.email"),
        ({"requester": {"email": "not an address"}}, "requester.email"),
        ({"requester": {"email": "ada@customer.test", "name": 7}}, "requester.name"),
        ({"subject": ""}, "subject"),
        ({"subject": "x" * 151}, "subject"),
        ({"text": "   "}, "text"),
        ({"text": None}, "text"),
        ({"channel": "email"}, "channel"),
        ({"channel": ["phone"]}, "channel"),
        ({"notify_customer": "yes"}, "notify_customer"),
        ({"team": 3}, "team"),
        ({"external_id": ""}, "external_id"),
    ],
)
def test_each_bad_field_is_named(change, field):
    with pytest.raises(InvalidRequest) as refused:
        on_behalf.parse_request({**BODY, **change}, None)
    assert refused.value.details["field"] == field


def test_a_too_long_idempotency_header_is_named():
    with pytest.raises(InvalidRequest) as refused:
        on_behalf.parse_request(BODY, "k" * 201)
    assert refused.value.details["field"] == "Idempotency-Key"


def test_idempotency_ids_are_per_principal():
    shop = api_keys.principal(
        api_keys.KeyInfo("cd" * 32, "Shop", "agent", ("Support",), "hd_x", NOW, "admin@example.com")
    )
    crm = api_keys.principal(
        api_keys.KeyInfo("ef" * 32, "CRM", "agent", ("Support",), "hd_y", NOW, "admin@example.com")
    )
    assert on_behalf.idempotency_id(shop, "order-1") == on_behalf.idempotency_id(shop, "order-1")
    assert on_behalf.idempotency_id(shop, "order-1") != on_behalf.idempotency_id(crm, "order-1")
    assert on_behalf.idempotency_id(shop, "order-1").endswith("@api.invalid>")
