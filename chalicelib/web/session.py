"""The web app's session: the Cognito ID token in a cookie, and a CSRF token derived from it.

The cookie is HttpOnly (scripts never see the token), SameSite=Lax (other sites' forms do not carry
it) and Secure everywhere but a local stage served on localhost. The CSRF token is an HMAC of the
token's subject and issue time under the deployment's signing key: stateless, different for every
sign-in, useless to another session, and checked on every state-changing form.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from chalicelib.config import settings
from chalicelib.desk.agents import AgentProfile
from chalicelib.desk.errors import Forbidden, Unauthorized
from chalicelib.desk.signing import signing_key
from chalicelib.web.auth import agent_for_token

COOKIE_NAME = "helpdesk_session"
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True)
class Session:
    agent: AgentProfile
    claims: dict[str, Any]

    @property
    def csrf_token(self) -> str:
        return csrf_token(self.claims)


def session_from_cookies(cookie_header: str | None) -> Session:
    """The signed-in agent, or Unauthorized when there is no valid, unexpired session."""
    token = _cookie_value(cookie_header)
    if not token:
        raise Unauthorized("sign in first")
    agent, claims = agent_for_token(token)
    return Session(agent=agent, claims=claims)


def _cookie_value(cookie_header: str | None) -> str | None:
    cookies: SimpleCookie = SimpleCookie()
    try:
        cookies.load(cookie_header or "")
    except CookieError:
        return None
    morsel = cookies.get(COOKIE_NAME)
    return morsel.value if morsel else None


def csrf_token(claims: dict[str, Any]) -> str:
    message = f"csrf:{claims.get('sub')}:{claims.get('iat')}".encode()
    return hmac.new(signing_key(), message, hashlib.sha256).hexdigest()


def check_csrf(session: Session, submitted: str | None) -> None:
    """Refuse a state-changing request whose form does not carry this session's token."""
    if not submitted or not hmac.compare_digest(submitted, session.csrf_token):
        raise Forbidden("the form has expired or did not come from this app; reload the page and try again")


def _secure() -> bool:
    return settings().stage != "local" or urlsplit(settings().public_url).hostname not in _LOCAL_HOSTS


def session_cookie(token: str, claims: dict[str, Any]) -> str:
    """Set-Cookie for a new session; it lives exactly as long as the token."""
    max_age = max(0, int(claims["exp"] - time.time()))
    return _cookie(token, max_age)


def expired_cookie() -> str:
    return _cookie("", 0)


def _cookie(value: str, max_age: int) -> str:
    secure = "; Secure" if _secure() else ""
    return f"{COOKIE_NAME}={value}; Max-Age={max_age}; Path=/; HttpOnly; SameSite=Lax{secure}"
