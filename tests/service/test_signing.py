"""The signing key in SSM (moto): read once per container, rotated by new parameter versions."""

from __future__ import annotations

import dataclasses
import time

import pytest

from chalicelib.aws import client
from chalicelib.config import ConfigError, settings
from chalicelib.desk.base import signing
from chalicelib.desk.base.errors import NotFound
from chalicelib.desk.portal import links
from infra.signing_key import create_parameter, new_key, rotate


@pytest.fixture
def parameter(monkeypatch, request) -> str:
    """A key parameter of this test's own, so rotating it leaves every other test's key alone."""
    name = f"/helpdesk-test/{request.node.name[:40]}"
    create_parameter(client("ssm"), name, new_key())
    own = dataclasses.replace(settings(), signing_key_parameter=name)
    monkeypatch.setattr(signing, "settings", lambda: own)
    signing.forget()
    yield name
    signing.forget()
    client("ssm").delete_parameter(Name=name)


def test_the_key_is_the_secure_string_parameter(parameter):
    stored = client("ssm").get_parameter(Name=parameter, WithDecryption=True)["Parameter"]
    assert stored["Type"] == "SecureString"
    assert signing.signing_key() == stored["Value"].encode()
    assert signing.sign("p", "m").startswith(f"{stored['Version']}.")


def test_tokens_signed_with_the_previous_key_still_verify(parameter):
    signature, token = signing.sign("p", "m"), links.issue(42, links.STATUS)
    rotate(client("ssm"), parameter)
    signing.forget()  # a container started after the rotation
    assert signing.keyring().current == "2"
    assert signing.verify("p", "m", signature) and links.verify(token, links.STATUS).number == 42
    assert signing.sign("p", "m") != signature


def test_tokens_signed_with_a_rotated_out_key_are_refused(parameter):
    signature, token = signing.sign("p", "m"), links.issue(42, links.STATUS)
    rotate(client("ssm"), parameter)
    rotate(client("ssm"), parameter)
    signing.forget()
    assert set(signing.keyring().keys) == {"2", "3"}
    assert not signing.verify("p", "m", signature)
    with pytest.raises(NotFound):
        links.verify(token, links.STATUS)


def test_a_warm_container_signs_with_a_new_key_within_the_reload_interval(parameter):
    loaded = signing.keyring(now=1000.0)
    rotate(client("ssm"), parameter)
    assert signing.keyring(now=1000.0 + signing.RELOAD_SECONDS - 1) is loaded  # no SSM call per request
    assert signing.keyring(now=1000.0 + signing.RELOAD_SECONDS).current == "2"


def test_a_signature_by_a_newer_key_than_a_container_knows_verifies(parameter, monkeypatch):
    stale = signing.keyring()
    rotate(client("ssm"), parameter)
    signing.forget()
    newer = signing.sign("p", "m")  # by a container that started after the rotation
    old_enough = dataclasses.replace(stale, loaded_at=time.monotonic() - signing.EARLY_RELOAD_SECONDS)
    monkeypatch.setitem(signing._held, "ring", old_enough)
    assert signing.verify("p", "m", newer)
    assert signing.keyring().current == "2"


def test_a_forged_key_id_is_refused(parameter):
    mac = signing.sign("p", "m").split(".")[1]
    for key_id in ("0", "2", "999999"):
        assert not signing.verify("p", "m", f"{key_id}.{mac}")
    for garbage in ("", "1", f"x.{mac}", f"1.{mac}é", f"1.{mac}\n"):
        assert not signing.verify("p", "m", garbage)


def test_a_missing_parameter_is_a_config_error_naming_it(monkeypatch):
    missing = dataclasses.replace(settings(), signing_key_parameter="/helpdesk-test/nothing-here")
    monkeypatch.setattr(signing, "settings", lambda: missing)
    signing.forget()
    try:
        with pytest.raises(ConfigError, match="/helpdesk-test/nothing-here"):
            signing.sign("p", "m")
    finally:
        signing.forget()


def test_a_configured_key_wins_and_never_rotates(monkeypatch):
    fixed = dataclasses.replace(settings(), secret_key="a-fixed-key-for-tests-of-32-chars-or-more")
    monkeypatch.setattr(signing, "settings", lambda: fixed)
    signing.forget()
    try:
        assert signing.signing_key() == fixed.secret_key.encode()
        assert signing.sign("p", "m").startswith(f"{signing.FIRST_KEY_ID}.")
        assert signing.keyring(now=time.monotonic() + 10 * signing.RELOAD_SECONDS).current == "1"
    finally:
        signing.forget()
