"""The web app's session: the Cognito ID token in a cookie, and a CSRF token derived from it.

The cookie has the app's cookie flags (`web.cookies`: `__Host-`, Secure, HttpOnly, SameSite=Lax).
The CSRF token is an HMAC of the token's subject and issue time under the deployment's signing
key: stateless, different for every sign-in, useless to another session, and checked on every
state-changing form.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Any

from chalicelib.desk.base.errors import Forbidden, Unauthorized
from chalicelib.desk.base.signing import signing_key
from chalicelib.desk.setup.agents import AgentProfile
from chalicelib.web.auth import agent_for_token
from chalicelib.web.cookies import cookie_value, set_cookie

COOKIE_NAME = "__Host-helpdesk_session"


@dataclass(frozen=True)
class Session:
    agent: AgentProfile
    claims: dict[str, Any]

    @property
    def csrf_token(self) -> str:
        return csrf_token(self.claims)


def session_from_cookies(cookie_header: str | None) -> Session:
    """The signed-in agent, or Unauthorized when there is no valid, unexpired session."""
    token = cookie_value(cookie_header, COOKIE_NAME)
    if not token:
        raise Unauthorized("sign in first")
    agent, claims = agent_for_token(token)
    return Session(agent=agent, claims=claims)


def csrf_token(claims: dict[str, Any]) -> str:
    message = f"csrf:{claims.get('sub')}:{claims.get('iat')}".encode()
    return hmac.new(signing_key(), message, hashlib.sha256).hexdigest()


def check_csrf(session: Session, submitted: str | None) -> None:
    """Refuse a state-changing request whose form does not carry this session's token."""
    if not submitted or not hmac.compare_digest(submitted, session.csrf_token):
        raise Forbidden("the form has expired or did not come from this app; reload the page and try again")


def session_cookie(token: str, claims: dict[str, Any]) -> str:
    """Set-Cookie for a new session; it lives exactly as long as the token."""
    max_age = max(0, int(claims["exp"] - time.time()))
    return set_cookie(COOKIE_NAME, token, max_age)


def expired_cookie() -> str:
    return set_cookie(COOKIE_NAME, "", 0)
