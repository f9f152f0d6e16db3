"""Signed customer links: the ticket status page and the satisfaction survey, carried in customer mail.

Customers never log in, so a link is their key. A token names a ticket, a purpose and optionally an
expiry, and carries an HMAC-SHA256 of all three under a key derived from the deployment's signing
key (one key per purpose, never the CSRF key). It cannot be guessed or enumerated, and a forged,
truncated or swapped token (a survey token on the status page, one ticket's signature on another)
verifies as nothing: the caller answers it exactly like a missing page.
"""

from __future__ import annotations

import hmac
import re
import time

from chalicelib.config import settings
from chalicelib.desk.errors import Gone, NotFound
from chalicelib.desk.signing import sign
from chalicelib.origin import public_url

NOT_FOUND = "This page does not exist."  # every bad token, and a good one for a missing ticket
STATUS = "status"
SURVEY = "survey"
_TOKEN = re.compile(r"^([1-9][0-9]{0,11})\.([0-9a-z]{0,10})\.([A-Za-z0-9_-]{32})$")


def issue(number: int, purpose: str, ttl_seconds: int | None = None, now: float | None = None) -> str:
    """A token for ticket `number` and `purpose`, valid for `ttl_seconds` (None: without expiry)."""
    expires = "" if ttl_seconds is None else _base36(int((now or time.time()) + ttl_seconds))
    return f"{number}.{expires}.{_signature(purpose, number, expires)}"


def verify(token: str, purpose: str, now: float | None = None) -> int:
    """The ticket number a genuine, unexpired token for `purpose` names.

    Raises NotFound for anything not issued by us for this purpose, Gone when it has expired.
    """
    match = _TOKEN.match(token or "")
    if match is None:
        raise NotFound(NOT_FOUND)
    number, expires, signature = match.groups()
    if not hmac.compare_digest(signature, _signature(purpose, int(number), expires)):
        raise NotFound(NOT_FOUND)
    if expires and int(expires, 36) < (now or time.time()):
        raise Gone("this link has expired; reply to any of our mails about your request for a new one")
    return int(number)


def status_url(number: int) -> str:
    """The private status page of a ticket, as put into every mail its customer gets."""
    days = settings().status_link_days
    token = issue(number, STATUS, days * 86400 if days else None)
    return f"{public_url()}/t/{token}"


def survey_url(number: int, rating: str) -> str:
    """A one-click satisfaction answer (`good` or `bad`) for a solved ticket."""
    days = settings().status_link_days
    token = issue(number, SURVEY, days * 86400 if days else None)
    return f"{public_url()}/s/{token}/{rating}"


def _signature(purpose: str, number: int, expires: str) -> str:
    return sign(f"customer-link:{purpose}", f"{number}.{expires}")


def _base36(value: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while value:
        value, remainder = divmod(value, 36)
        text = digits[remainder] + text
    return text or "0"
