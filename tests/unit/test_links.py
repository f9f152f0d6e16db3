"""Signed customer links: what verifies, when it stops, and that every kind of tampering is nothing."""

from __future__ import annotations

import dataclasses

import pytest
import time_machine

from chalicelib import origin
from chalicelib.config import ConfigError, Settings, settings
from chalicelib.desk.base import signing
from chalicelib.desk.base.errors import Gone, NotFound
from chalicelib.desk.portal import links
from chalicelib.models import Ticket

NOW = 1_800_000_000.0  # 2027-01-15T08:00:00Z
DAY = 86400


def test_a_token_names_its_ticket_and_its_link_version():
    assert links.verify(links.issue(1042, links.STATUS, version=3), links.STATUS) == links.Link(1042, 3, None)


def test_status_link_expires_after_90_days():
    assert Settings.status_link_days == 90 and settings().status_link_days == 90
    with time_machine.travel(NOW, tick=False):
        url = links.status_url(Ticket(number=7, link_version=0))
    link = links.verify(url.rsplit("/", 1)[1], links.STATUS)
    link.check(0, now=NOW + 90 * DAY)  # still open on the 90th day after the mail
    with pytest.raises(Gone, match="newest mail"):
        link.check(0, now=NOW + 91 * DAY)


def test_survey_link_expires_after_90_days():
    with time_machine.travel(NOW, tick=False):
        url = links.survey_url(Ticket(number=7, link_version=0), "good")
    link = links.verify(url.split("/")[-2], links.SURVEY)
    with pytest.raises(Gone):
        link.check(0, now=NOW + 91 * DAY)


def test_the_links_of_one_day_are_the_same_so_a_mail_carries_one_link():
    ticket = Ticket(number=7, link_version=0)
    with time_machine.travel(NOW, tick=False) as clock:
        morning = links.status_url(ticket)
        clock.shift(3600)
        assert links.status_url(ticket) == morning


def test_revoked_link_shows_not_found():
    link = links.verify(links.issue(1042, links.STATUS, version=0, ttl_seconds=DAY, now=NOW), links.STATUS)
    with pytest.raises(NotFound) as raised:
        link.check(1, now=NOW)  # the ticket's links were revoked since: version 1 now
    assert raised.value.message == links.NOT_FOUND


def test_a_link_for_a_revoked_ticket_is_not_found_even_once_expired():
    link = links.verify(links.issue(1042, links.STATUS, version=0, ttl_seconds=DAY, now=NOW), links.STATUS)
    with pytest.raises(NotFound):
        link.check(1, now=NOW + 10 * DAY)


def test_links_mailed_before_link_versions_and_key_ids_still_open():
    """`<number>.<expiry>.<mac>`, as earlier releases signed them, under the first key."""
    key_id, mac = signing.sign("customer-link:status", "1042.").split(".")
    assert key_id == signing.FIRST_KEY_ID
    assert links.verify(f"1042..{mac}", links.STATUS) == links.Link(1042, 0, None)
    with pytest.raises(NotFound):
        links.verify(f"1043..{mac}", links.STATUS)


def forged_variants(token: str) -> list[str]:
    number, version, expires, key_id, mac = token.split(".")
    flipped = mac[:-1] + ("A" if mac[-1] != "A" else "B")
    return [
        "",
        "1042",
        token[:-1],  # truncated
        token + "x",
        f"{number}.{version}.{expires}.{key_id}.{flipped}",  # forged signature
        f"1043.{version}.{expires}.{key_id}.{mac}",  # another ticket's number
        f"{number}.{int(version) + 1}.{expires}.{key_id}.{mac}",  # a later link version
        f"{number}.{version}.zzzzzz.{key_id}.{mac}",  # a later expiry
        f"{number}.{version}..{key_id}.{mac}",  # no expiry
        f"{number}.{version}.{expires}.2.{mac}",  # another key
        f"{number}.{expires}.{mac}",  # the old format
        f"0{number}.{version}.{expires}.{key_id}.{mac}",
        "../../etc/passwd",
    ]


@pytest.mark.parametrize("index", range(13))
def test_forged_or_truncated_tokens_are_nothing(index):
    token = links.issue(1042, links.STATUS, version=2, ttl_seconds=DAY, now=NOW)
    with pytest.raises(NotFound):
        links.verify(forged_variants(token)[index], links.STATUS)


def test_a_survey_token_does_not_open_the_status_page():
    with pytest.raises(NotFound):
        links.verify(links.issue(1042, links.SURVEY), links.STATUS)


def test_urls_are_absolute_and_carry_the_token_with_the_tickets_link_version():
    ticket = Ticket(number=5, link_version=4)
    assert links.status_url(ticket).startswith("http") and "/t/5.4." in links.status_url(ticket)
    assert links.survey_url(ticket, "good").endswith("/good")


def test_without_a_configured_url_no_link_is_made(monkeypatch):
    monkeypatch.setattr(origin, "settings", lambda: dataclasses.replace(settings(), public_url=""))
    with pytest.raises(ConfigError, match="HELPDESK_PUBLIC_URL"):
        links.status_url(Ticket(number=5, link_version=0))
