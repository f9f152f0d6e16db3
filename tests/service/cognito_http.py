"""Signing in to the agent app for real: moto's user pool, its signing keys, the login form's cookies.

The `pool` fixture (tests/service/conftest.py) makes a fresh pool with the admin's login and points
the settings at it; these helpers drive the login form and read the cookies it sets.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from urllib.parse import urlencode

import jwt
from moto.utilities.utils import load_resource

from chalicelib.aws import client
from chalicelib.desk.setup.logins import create_login
from chalicelib.models import Agent
from tests.service.agent_http import csrf_of

PASSWORD = "Sessions-Test-1"
FORM = {"content-type": "application/x-www-form-urlencoded"}
SESSION, LOGIN = "__Host-helpdesk_session", "__Host-helpdesk_login"


class MotoKeys(jwt.PyJWKClient):
    """The signing keys of moto's Cognito, read from moto's package instead of fetched over HTTP."""

    def fetch_data(self) -> dict:
        return load_resource("cognitoidp/resources/jwks-public.json")


def new_agent(
    pool: dict[str, str], email: str, teams: tuple[str, ...] = ("Support",), *, permanent: bool = True
) -> str:
    """An agent row bound to a new Cognito user with PASSWORD (temporary unless `permanent`); its sub."""
    name = email.partition("@")[0].replace(".", " ").title()
    idp = client("cognito-idp")
    sub = create_login(idp, pool["user_pool_id"], email, name, PASSWORD, permanent=permanent)
    Agent(email=email, name=name, role="agent", teams=list(teams), sub=sub).save()
    return sub


def set_cookies(response) -> dict[str, str]:
    """name → the whole Set-Cookie value (the client's headers hold one Set-Cookie per response)."""
    header = response.headers.get("Set-Cookie", "")
    return {header.split("=", 1)[0]: header} if header else {}


def cookie_value(header: str) -> str:
    parsed: SimpleCookie = SimpleCookie()
    parsed.load(header)
    return next(iter(parsed.values())).value


def login_form(web_client, next_path: str = "/") -> tuple[str, str]:
    """GET /login: (the login cookie's value, the form's hidden CSRF field)."""
    page = web_client.http.get(f"/login?{urlencode({'next': next_path})}")
    return cookie_value(set_cookies(page)[LOGIN]), csrf_of(page.body.decode())


def sign_in(web_client, email: str = "admin@example.com", next_path: str = "/", password: str = PASSWORD):
    held, field = login_form(web_client, next_path)
    form = {"email": email, "password": password, "next": next_path, "csrf": field}
    return web_client.http.post("/login", body=urlencode(form), headers={**FORM, "cookie": f"{LOGIN}={held}"})


def session_token(response) -> str:
    return cookie_value(set_cookies(response)[SESSION])


def as_session(token: str) -> dict[str, str]:
    return {"cookie": f"{SESSION}={token}"}


def moto_signed(claims: dict) -> str:
    """A token signed with the pool's own key (moto signs every pool's tokens with it)."""
    private = jwt.PyJWK(load_resource("cognitoidp/resources/jwks-private.json"))
    return jwt.encode(claims, private.key, algorithm="RS256", headers={"kid": "dummy"})
