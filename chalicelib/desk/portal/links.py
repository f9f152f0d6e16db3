"""Signed customer links: the ticket status page and the satisfaction survey, carried in customer mail.

Customers never log in, so a link is their key. A token names a ticket, the ticket's link version,
an expiry and the signing key (`<number>.<link version>.<expiry>.<key id>.<mac>`), and carries an
HMAC-SHA256 of the first three under a key derived from the deployment's signing key (one key per
purpose, never the CSRF key). It cannot be guessed or enumerated, and a forged, truncated or swapped
token (a survey token on the status page, one ticket's signature on another) verifies as nothing:
the caller answers it exactly like a missing page.

Links expire `HELPDESK_STATUS_LINK_DAYS` (90) days after the mail that carried them, rounded up to
a whole UTC day so that every link to a ticket made on one day is the same; each mail carries a
fresh one. Bumping the ticket's `link_version` (a merge, an agent's "revoke") kills every link made
before: those answer like a forged one. Tokens from before link versions and key ids
(`<number>.<expiry>.<mac>`) were signed by the first key and name link version 0.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.config import settings
from chalicelib.desk.base.errors import Gone, NotFound
from chalicelib.desk.base.signing import FIRST_KEY_ID, SIGNATURE, sign
from chalicelib.desk.base.signing import verify as verify_signature
from chalicelib.origin import public_url

if TYPE_CHECKING:
    from chalicelib.models import Ticket

NOT_FOUND = "This page does not exist."  # every bad token, a revoked one, and one for a missing ticket
EXPIRED = (
    "This link has expired. The newest mail about your request has a fresh one; "
    "or reply to any of our mails and the answer will carry one."
)
STATUS = "status"
SURVEY = "survey"
DAY = 86400
_NUMBER, _EXPIRES = r"([1-9][0-9]{0,11})", r"([0-9a-z]{0,10})"
_TOKEN = re.compile(rf"^{_NUMBER}\.(0|[1-9][0-9]{{0,5}})\.{_EXPIRES}\.({SIGNATURE})$")
_LEGACY_TOKEN = re.compile(rf"^{_NUMBER}\.{_EXPIRES}\.([A-Za-z0-9_-]{{32}})$")


@dataclass(frozen=True)
class Link:
    """What a genuine token says: which ticket, at which link version, usable until when."""

    number: int
    version: int
    expires: int | None  # epoch seconds; None: never

    def check(self, link_version: int, now: float | None = None) -> None:
        """NotFound when the ticket's links were revoked since, Gone when this one expired."""
        if self.version != link_version:
            raise NotFound(NOT_FOUND)
        if self.expires is not None and self.expires <= (time.time() if now is None else now):
            raise Gone(EXPIRED)


def issue(
    number: int, purpose: str, version: int = 0, ttl_seconds: int | None = None, now: float | None = None
) -> str:
    """A token for ticket `number` at link `version`, valid for at least `ttl_seconds` (None: ever)."""
    if ttl_seconds is None:
        expires = ""
    else:
        end = (time.time() if now is None else now) + ttl_seconds
        expires = _base36(-(-int(end) // DAY) * DAY)  # the end of that UTC day
    body = f"{number}.{version}.{expires}"
    return f"{body}.{sign(_purpose(purpose), body)}"


def verify(token: str, purpose: str) -> Link:
    """What a token we issued for `purpose` says; NotFound for anything else."""
    if match := _TOKEN.match(token or ""):
        number, version, expires, signature = match.groups()
        message = f"{number}.{version}.{expires}"
    elif match := _LEGACY_TOKEN.match(token or ""):
        number, expires, mac = match.groups()
        version, message, signature = "0", f"{number}.{expires}", f"{FIRST_KEY_ID}.{mac}"
    else:
        raise NotFound(NOT_FOUND)
    if not verify_signature(_purpose(purpose), message, signature):
        raise NotFound(NOT_FOUND)
    return Link(int(number), int(version), int(expires, 36) if expires else None)


def status_url(ticket: Ticket) -> str:
    """The private status page of a ticket, as put into every mail its customer gets."""
    return f"{public_url()}/t/{_fresh(ticket, STATUS)}"


def survey_url(ticket: Ticket, rating: str) -> str:
    """A one-click satisfaction answer (`good` or `bad`) for a solved ticket."""
    return f"{public_url()}/s/{_fresh(ticket, SURVEY)}/{rating}"


def _fresh(ticket: Ticket, purpose: str) -> str:
    days = settings().status_link_days
    return issue(ticket.number, purpose, ticket.link_version, days * DAY if days else None)


def _purpose(purpose: str) -> str:
    return f"customer-link:{purpose}"


def _base36(value: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while value:
        value, remainder = divmod(value, 36)
        text = digits[remainder] + text
    return text or "0"
