"""Signing in and out of the agent app with real Cognito ID tokens (moto's user pool and its keys):
cookies, login CSRF, expiry, forgery, deactivation, and the JSON API's team boundary over HTTP."""

from __future__ import annotations

import dataclasses
import json
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from moto.utilities.utils import load_resource

from chalicelib.aws import client
from chalicelib.config import settings
from chalicelib.desk import admin as desk_admin
from chalicelib.desk.agents import forget_profile
from chalicelib.desk.logins import create_login
from chalicelib.models import Agent, Ticket
from chalicelib.web import auth, cookies
from local.provision import create_identity
from tests.mailbuilder import raw_mail
from tests.service.agent_http import csrf_of

PASSWORD = "Sessions-Test-1"
FORM = {"content-type": "application/x-www-form-urlencoded"}


class MotoKeys(jwt.PyJWKClient):
    """The signing keys of moto's Cognito, read from moto's package instead of fetched over HTTP."""

    def fetch_data(self) -> dict:
        return load_resource("cognitoidp/resources/jwks-public.json")


@pytest.fixture
def pool(monkeypatch) -> dict[str, str]:
    """A fresh user pool with the admin's login, and settings naming it; token checks are real."""
    ids = create_identity("admin@example.com", PASSWORD, pool_name="helpdesk-sessions")
    configured = dataclasses.replace(
        settings(), cognito_user_pool_id=ids["user_pool_id"], cognito_client_id=ids["client_id"]
    )
    for module in (auth, desk_admin):
        monkeypatch.setattr(module, "settings", lambda: configured)
    monkeypatch.setattr(auth, "_jwks", lambda: MotoKeys("https://keys.invalid/jwks.json"))
    return ids


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
    return cookie_value(set_cookies(page)["helpdesk_login"]), csrf_of(page.body.decode())


def sign_in(web_client, email: str = "admin@example.com", next_path: str = "/", password: str = PASSWORD):
    held, field = login_form(web_client, next_path)
    form = {"email": email, "password": password, "next": next_path, "csrf": field}
    return web_client.http.post(
        "/login", body=urlencode(form), headers={**FORM, "cookie": f"helpdesk_login={held}"}
    )


def session_token(response) -> str:
    return cookie_value(set_cookies(response)["helpdesk_session"])


def as_session(token: str) -> dict[str, str]:
    return {"cookie": f"helpdesk_session={token}"}


def moto_signed(claims: dict) -> str:
    """A token signed with the pool's own key (moto signs every pool's tokens with it)."""
    private = jwt.PyJWK(load_resource("cognitoidp/resources/jwks-private.json"))
    return jwt.encode(claims, private.key, algorithm="RS256", headers={"kid": "dummy"})


def test_signing_in_sets_a_locked_down_session_cookie(pool, web_client, monkeypatch):
    response = sign_in(web_client, next_path="/queues/open")
    assert response.status_code == 303 and response.headers["Location"] == "/queues/open"
    flags = [part.strip() for part in set_cookies(response)["helpdesk_session"].split(";")]
    assert {"HttpOnly", "SameSite=Lax", "Secure", "Path=/"} <= set(flags)
    max_age = int(next(f for f in flags if f.startswith("Max-Age=")).removeprefix("Max-Age="))
    assert 3500 < max_age <= 3600  # as long as the ID token lives
    assert web_client.http.get("/queues/open", headers=as_session(session_token(response))).status_code == 200

    local = dataclasses.replace(settings(), stage="local", public_url="http://127.0.0.1:8000")
    monkeypatch.setattr(cookies, "settings", lambda: local)
    flags = set_cookies(sign_in(web_client))["helpdesk_session"]
    assert "HttpOnly" in flags and "SameSite=Lax" in flags and "Secure" not in flags


def test_signing_out_clears_the_session(pool, web_client):
    token = session_token(sign_in(web_client))
    page = web_client.http.get("/queues/open", headers=as_session(token)).body.decode()
    response = web_client.http.post(
        "/logout", body=urlencode({"csrf": csrf_of(page)}), headers={**FORM, **as_session(token)}
    )
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    cleared = set_cookies(response)["helpdesk_session"]
    assert cleared.startswith("helpdesk_session=;") and "Max-Age=0" in cleared


def test_expired_forged_and_tampered_tokens_lead_to_the_login_page(pool, web_client):
    valid = session_token(sign_in(web_client))
    claims = jwt.decode(valid, options={"verify_signature": False})
    now = int(time.time())
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    header, _, signature = valid.split(".")
    tampered_claims = {**claims, "email": "someone.else@example.com"}
    tampered_payload = jwt.utils.base64url_encode(json.dumps(tampered_claims).encode()).decode()
    refused = {
        "expired": moto_signed({**claims, "iat": now - 7200, "exp": now - 3600}),
        "forged": jwt.encode(claims, other_key, algorithm="RS256", headers={"kid": "dummy"}),
        "tampered": f"{header}.{tampered_payload}.{signature}",
        "another pool": moto_signed({**claims, "iss": claims["iss"] + "x"}),
    }
    assert web_client.http.get("/queues/open", headers=as_session(valid)).status_code == 200
    for name, token in refused.items():
        page = web_client.http.get("/queues/open", headers=as_session(token))
        assert page.status_code == 303, name
        assert page.headers["Location"] == "/login?next=%2Fqueues%2Fopen", name
        assert "Max-Age=0" in set_cookies(page)["helpdesk_session"], name
        api = web_client.http.get("/api/tickets", headers={"authorization": f"Bearer {token}"})
        assert api.status_code == 401, name


def test_a_deactivated_agent_is_refused_on_pages_and_on_the_api(pool, web_client, admin):
    email = "leaving.agent@example.com"
    Agent(email=email, name="Leaving Agent", role="agent", teams=["Support"]).save()
    create_login(client("cognito-idp"), pool["user_pool_id"], email, "Leaving Agent", PASSWORD)
    token = session_token(sign_in(web_client, email))
    bearer = {"authorization": f"Bearer {token}"}
    assert web_client.http.get("/queues/open", headers=as_session(token)).status_code == 200
    assert web_client.http.get("/api/tickets", headers=bearer).status_code == 200

    desk_admin.set_active(admin, email, False)  # their ID token stays valid for up to an hour
    forget_profile(email)
    page = web_client.http.get("/queues/open", headers=as_session(token))
    assert page.status_code == 303 and page.headers["Location"].startswith("/login")
    api = web_client.http.get("/api/tickets", headers=bearer)
    assert api.status_code == 403 and api.json_body["error"] == "forbidden"
    assert sign_in(web_client, email).status_code in (401, 403)  # Cognito refuses the disabled user


def test_the_api_refuses_another_team_s_ticket_over_http(pool, web_client, deliver):
    email = "billing.only@example.com"
    Agent(email=email, name="Billing Only", role="agent", teams=["Billing"]).save()
    create_login(client("cognito-idp"), pool["user_pool_id"], email, "Billing Only", PASSWORD)
    bearer = {"authorization": f"Bearer {session_token(sign_in(web_client, email))}"}
    number = deliver(raw_mail(subject="Support only")).ticket_number
    version = Ticket.get(number).version

    assert web_client.http.get(f"/api/tickets/{number}", headers=bearer).status_code == 404
    assert web_client.http.get("/api/tickets?team=Support", headers=bearer).status_code == 403
    listed = web_client.http.get("/api/tickets", headers=bearer).json_body["items"]
    assert number not in [t["number"] for t in listed]
    json_bearer = {**bearer, "content-type": "application/json"}
    patch = web_client.http.request(
        "PATCH",
        f"/api/tickets/{number}",
        body=json.dumps({"version": version, "priority": "urgent"}),
        headers=json_bearer,
    )
    reply = web_client.http.post(
        f"/api/tickets/{number}/replies", body=json.dumps({"body": "Not mine"}), headers=json_bearer
    )
    assert (patch.status_code, reply.status_code) == (404, 404)
    assert Ticket.get(number).priority == "normal"


def test_a_form_posted_after_the_session_expired_leads_back_to_its_page(pool, web_client):
    for path, back in (
        ("/tickets/42/reply", "/tickets/42"),
        ("/tickets/42/update", "/tickets/42"),
        ("/admin/teams", "/"),
        ("/logout", "/"),
    ):
        response = web_client.http.post(path, body="body=My+long+answer", headers=FORM)
        assert response.status_code == 303, path
        assert response.headers["Location"] == f"/login?{urlencode({'next': back})}", path
        assert "answer" not in response.headers["Location"]
    signed_in = sign_in(web_client, next_path="/tickets/42")
    assert signed_in.headers["Location"] == "/tickets/42"


def test_the_login_form_is_protected_by_a_double_submit_token(pool, web_client):
    page = web_client.http.get("/login")
    held = set_cookies(page)["helpdesk_login"]
    assert {"HttpOnly", "SameSite=Lax", "Path=/login"} <= {part.strip() for part in held.split(";")}
    token = cookie_value(held)
    assert csrf_of(page.body.decode()) == token
    again = web_client.http.get("/login", headers={"cookie": f"helpdesk_login={token}"})
    assert csrf_of(again.body.decode()) == token  # another tab's form stays valid

    def post(csrf: str | None, cookie: str | None):
        form = {"email": "admin@example.com", "password": PASSWORD, "next": "/"}
        headers = {**FORM, **({"cookie": f"helpdesk_login={cookie}"} if cookie else {})}
        return web_client.http.post("/login", body=urlencode({**form, "csrf": csrf or ""}), headers=headers)

    for csrf, cookie in ((None, None), (token, None), (None, token), ("0" * 64, token), (token, "0" * 64)):
        refused = post(csrf, cookie)
        assert refused.status_code == 403
        assert "helpdesk_session" not in set_cookies(refused)
        assert "sign-in form had expired" in refused.body.decode()
        assert 'value="admin@example.com"' in refused.body.decode()  # what was typed is kept
    accepted = post(token, token)
    assert accepted.status_code == 303 and "helpdesk_session" in set_cookies(accepted)
