"""Signed customer links: what verifies, and that every kind of tampering verifies as nothing."""

from __future__ import annotations

import dataclasses

import pytest

from chalicelib import origin
from chalicelib.config import ConfigError, settings
from chalicelib.desk import links
from chalicelib.desk.errors import Gone, NotFound

NOW = 1_800_000_000.0


def test_a_token_names_its_ticket():
    assert links.verify(links.issue(1042, links.STATUS), links.STATUS) == 1042


def test_an_expiring_token_works_until_it_expires():
    token = links.issue(7, links.STATUS, ttl_seconds=60, now=NOW)
    assert links.verify(token, links.STATUS, now=NOW + 59) == 7
    with pytest.raises(Gone):
        links.verify(token, links.STATUS, now=NOW + 61)


def forged_variants(token: str) -> list[str]:
    number, expires, signature = token.split(".")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    return [
        "",
        "1042",
        token[:-1],  # truncated
        token + "x",
        f"{number}.{expires}.{flipped}",  # forged signature
        f"1043.{expires}.{signature}",  # another ticket's number
        f"{number}.zzzzzz.{signature}",  # a later expiry
        f"0{number}.{expires}.{signature}",
        "../../etc/passwd",
    ]


@pytest.mark.parametrize("index", range(9))
def test_forged_or_truncated_tokens_are_nothing(index):
    with pytest.raises(NotFound):
        links.verify(forged_variants(links.issue(1042, links.STATUS))[index], links.STATUS)


def test_a_survey_token_does_not_open_the_status_page():
    with pytest.raises(NotFound):
        links.verify(links.issue(1042, links.SURVEY), links.STATUS)


def test_urls_are_absolute_and_carry_the_token():
    assert links.status_url(5).startswith("http") and "/t/5." in links.status_url(5)
    assert links.survey_url(5, "good").endswith("/good")


def test_without_a_configured_url_no_link_is_made(monkeypatch):
    monkeypatch.setattr(origin, "settings", lambda: dataclasses.replace(settings(), public_url=""))
    with pytest.raises(ConfigError, match="HELPDESK_PUBLIC_URL"):
        links.status_url(5)
