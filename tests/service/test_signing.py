"""The signing key kept in DynamoDB when none is configured: made once, the same for everyone."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib.config import settings
from chalicelib.desk import signing
from chalicelib.models import Counter


@pytest.fixture
def unconfigured(monkeypatch):
    without = dataclasses.replace(settings(), secret_key="")
    monkeypatch.setattr(signing, "settings", lambda: without)
    signing.signing_key.cache_clear()
    yield
    signing.signing_key.cache_clear()
    Counter.get(signing.KEY_ITEM).delete()


def test_a_key_is_made_once_and_every_container_reads_the_same(unconfigured):
    with ThreadPoolExecutor(4) as pool:  # four cold containers at once
        keys = set(pool.map(lambda _: signing.signing_key.__wrapped__(), range(4)))
    [key] = keys
    assert len(key) >= 48
    assert Counter.get(signing.KEY_ITEM).secret.encode() == key


def test_a_configured_key_wins():
    assert signing.signing_key() == settings().secret_key.encode()
