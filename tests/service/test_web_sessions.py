"""Signing in and out of the agent app with real Cognito ID tokens (moto's user pool and its keys):
cookies, login CSRF, expiry, forgery, deactivation, and the JSON API's team boundary over HTTP."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib.desk.setup import admin as desk_admin
from chalicelib.desk.setup.agents import forget_profile
from chalicelib.models import Ticket
from tests.mailbuilder import raw_mail
from tests.service.agent_http import csrf_of
from tests.service.cognito_http import (
    FORM,
    LOGIN,
    PASSWORD,
    SESSION,
    as_session,
    cookie_value,
    moto_signed,
    new_agent,
    session_token,
    set_cookies,
    sign_in,
)


def test_signing_in_sets_a_locked_down_session_cookie(pool, web_client):
    response = sign_in(web_client, next_path="/queues/open")
    assert response.status_code == 303 and response.headers["Location"] == "/queues/open"
    flags = [part.strip() for part in set_cookies(response)[SESSION].split(";")]
    assert {"HttpOnly", "SameSite=Lax", "Secure", "Path=/"} <= set(flags)
    assert not any(flag.lower().startswith("domain=") for flag in flags)
    max_age = int(next(f for f in flags if f.startswith("Max-Age=")).removeprefix("Max-Age="))
    assert 3500 < max_age <= 3600  # as long as the ID token lives
    assert web_client.http.get("/queues/open", headers=as_session(session_token(response))).status_code == 200


def test_signing_out_clears_the_session(pool, web_client):
    token = session_token(sign_in(web_client))
    page = web_client.http.get("/queues/open", headers=as_session(token)).body.decode()
    response = web_client.http.post(
        "/logout", body=urlencode({"csrf": csrf_of(page)}), headers={**FORM, **as_session(token)}
    )
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    cleared = set_cookies(response)[SESSION]
    assert cleared.startswith(f"{SESSION}=;") and "Max-Age=0" in cleared


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
        assert "Max-Age=0" in set_cookies(page)[SESSION], name
        api = web_client.http.get("/api/tickets", headers={"authorization": f"Bearer {token}"})
        assert api.status_code == 401, name


def test_a_deactivated_agent_is_refused_on_pages_and_on_the_api(pool, web_client, admin):
    email = "leaving.agent@example.com"
    new_agent(pool, email)
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
    new_agent(pool, email, ("Billing",))
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
    held = set_cookies(page)[LOGIN]
    assert {"HttpOnly", "SameSite=Lax", "Secure", "Path=/"} <= {part.strip() for part in held.split(";")}
    token = cookie_value(held)
    assert csrf_of(page.body.decode()) == token
    again = web_client.http.get("/login", headers={"cookie": f"{LOGIN}={token}"})
    assert csrf_of(again.body.decode()) == token  # another tab's form stays valid

    def post(csrf: str | None, cookie: str | None):
        form = {"email": "admin@example.com", "password": PASSWORD, "next": "/"}
        headers = {**FORM, **({"cookie": f"{LOGIN}={cookie}"} if cookie else {})}
        return web_client.http.post("/login", body=urlencode({**form, "csrf": csrf or ""}), headers=headers)

    for csrf, cookie in ((None, None), (token, None), (None, token), ("0" * 64, token), (token, "0" * 64)):
        refused = post(csrf, cookie)
        assert refused.status_code == 403
        assert SESSION not in set_cookies(refused)
        assert "sign-in form had expired" in refused.body.decode()
        assert 'value="admin@example.com"' in refused.body.decode()  # what was typed is kept
    accepted = post(token, token)
    assert accepted.status_code == 303 and SESSION in set_cookies(accepted)
