"""CSRF protection of the login form, before any session exists: a double-submit token.

GET /login puts a random token both in a cookie and in the form; POST /login (and the forms of its
further steps: a new password, an MFA code) needs the two to be equal. Another site can make a
browser post the form (login CSRF: signing the victim in to the attacker's account, whose tickets
they then answer) but can neither read nor set the cookie, so it cannot know the value to send. The
cookie is `__Host-` prefixed, so a sibling subdomain cannot plant a value it knows either.
"""

from __future__ import annotations

import hmac
import re
import secrets

from chalicelib.desk.base.errors import Forbidden
from chalicelib.web.cookies import cookie_value, set_cookie

COOKIE_NAME = "__Host-helpdesk_login"
# Renewed by every visit of the login page; a form left open longer is refused and shown again.
MAX_AGE_SECONDS = 12 * 3600
_TOKEN = re.compile(r"[0-9a-f]{64}")


def login_token(cookie_header: str | None) -> str:
    """This browser's token: the one its cookie holds (other open login tabs stay valid), else new."""
    held = cookie_value(cookie_header, COOKIE_NAME)
    return held if held and _TOKEN.fullmatch(held) else secrets.token_hex(32)


def login_cookie(token: str) -> str:
    return set_cookie(COOKIE_NAME, token, MAX_AGE_SECONDS)


def check_login_token(cookie_header: str | None, submitted: str | None) -> None:
    """Refuse a sign-in whose form field does not match this browser's cookie."""
    held = cookie_value(cookie_header, COOKIE_NAME)
    if not held or not submitted or not hmac.compare_digest(held.encode(), submitted.encode()):
        raise Forbidden("the sign-in form had expired or did not come from this app; sign in again")
