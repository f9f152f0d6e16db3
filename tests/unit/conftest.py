"""Unit tests run without AWS: what they sign is signed with a fixed key (HELPDESK_SECRET_KEY's path)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def fixed_signing_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from chalicelib.config import settings
    from chalicelib.desk.base import signing

    fixed = dataclasses.replace(settings(), secret_key="unit-test-signing-key-of-32-chars-or-more")
    monkeypatch.setattr(signing, "settings", lambda: fixed)
    signing.forget()
    yield
    signing.forget()  # the next test reads its own keys
