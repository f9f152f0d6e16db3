"""Sign-in attacks and their fixes, one test per attack, with real Cognito tokens (moto's pool):
an agent renaming their Cognito address to an admin's, unverified addresses, agent rows from
before subs were stored, cookies planted by a sibling subdomain, temporary passwords kept forever,
TOTP MFA, and tokens with made-up key ids."""

from __future__ import annotations

import dataclasses
import functools
import json
import re
import threading
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode

import jwt
import pytest
import time_machine
from moto.utilities.utils import load_resource

from chalicelib.aws import client
from chalicelib.desk.base.errors import Unauthorized
from chalicelib.desk.setup import admin as desk_admin
from chalicelib.desk.setup import directory
from chalicelib.desk.setup.agents import forget_profile, load_agent
from chalicelib.desk.setup.logins import create_login
from chalicelib.models import Agent
from chalicelib.web import auth
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
from tests.totp import totp

JSON = {"content-type": "application/json"}
DEPLOYED_KEYS = auth._jwks.__wrapped__  # read before the `pool` fixture replaces it with moto's keys
NEW_PASSWORD = "My-Own-Secret-42"
# The start of a TOTP step: frozen there, the code computed and the code moto checks are the same.
FROZEN = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def no_agents_left_behind():
    """Agents these tests make are removed again: other tests count who gets a team's mail."""
    before = {row.email for row in Agent.scan()}
    yield
    for row in Agent.scan():
        if row.email not in before:
            row.delete()
            forget_profile(row.email)
    directory.forget()


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def refused(web_client, token: str) -> bool:
    """Both doors shut: the pages send to the login form, the API answers 401."""
    page = web_client.http.get("/queues/open", headers=as_session(token))
    api = web_client.http.get("/api/tickets", headers={"authorization": f"Bearer {token}"})
    return (
        page.status_code == 303 and page.headers["Location"].startswith("/login") and api.status_code == 401
    )


def step_form(response) -> dict[str, str]:
    """The hidden fields of a further sign-in step's form."""
    html = response.body.decode()
    return {
        name: re.search(rf'name="{name}" value="([^"]*)"', html).group(1)
        for name in ("step", "email", "session")
    }


def post_step(web_client, held: str, fields: dict[str, str], next_path: str = "/", csrf: str | None = None):
    """POST /login/step from a browser holding the login cookie `held` (the form carries `csrf`)."""
    body = urlencode({**fields, "csrf": held if csrf is None else csrf, "next": next_path})
    return web_client.http.post("/login/step", body=body, headers={**FORM, "cookie": f"{LOGIN}={held}"})


def api(web_client, path: str, body: dict):
    return web_client.http.post(path, body=json.dumps(body), headers=JSON)


def test_agent_cannot_become_admin_by_changing_cognito_email(pool, web_client):
    new_agent(pool, "eve.agent@example.com")
    token = session_token(sign_in(web_client, "eve.agent@example.com"))
    assert not refused(web_client, token)
    # What Cognito would sign after Eve's UpdateUserAttributes(email=admin's) and a refresh:
    # the admin's address, Eve's sub.
    as_admin = moto_signed({**claims_of(token), "email": "admin@example.com"})
    assert refused(web_client, as_admin)
    denied = web_client.http.get("/api/tickets", headers={"authorization": f"Bearer {as_admin}"})
    assert denied.json_body["message"] == "this sign-in does not belong to admin@example.com"
    assert Agent.get("admin@example.com").sub == pool["admin_sub"]  # nothing was rebound


def test_unverified_email_token_is_refused(pool, web_client):
    email = "unverified.agent@example.com"
    new_agent(pool, email)
    claims = claims_of(session_token(sign_in(web_client, email)))
    for verified in ("false", False, None):
        token = moto_signed({**claims, "email_verified": verified})
        assert refused(web_client, token), verified
    # The real thing: the address is no longer verified (as after a change its owner did not confirm).
    client("cognito-idp").admin_update_user_attributes(
        UserPoolId=pool["user_pool_id"],
        Username=email,
        UserAttributes=[{"Name": "email_verified", "Value": "false"}],
    )
    response = sign_in(web_client, email)
    assert response.status_code == 401 and SESSION not in set_cookies(response)
    assert "not verified" in response.body.decode()


def test_agent_row_from_before_subs_is_bound_only_by_a_verified_sign_in(pool, web_client):
    email = "old.agent@example.com"  # an existing deployment's agent: a row without a sub
    sub = create_login(
        client("cognito-idp"), pool["user_pool_id"], email, "Old Agent", PASSWORD, permanent=True
    )
    Agent(email=email, name="Old Agent", role="agent", teams=["Support"]).save()
    other = new_agent(pool, "mallory.agent@example.com")
    mallory = claims_of(session_token(sign_in(web_client, "mallory.agent@example.com")))

    # Before the fix Mallory could rename her Cognito address to the old agent's: Cognito then
    # marks it unverified, and such a token binds nothing.
    assert refused(web_client, moto_signed({**mallory, "email": email, "email_verified": "false"}))
    assert Agent.get(email).sub is None
    token = session_token(sign_in(web_client, email))
    assert not refused(web_client, token)
    assert Agent.get(email).sub == sub != other
    assert refused(web_client, moto_signed({**mallory, "email": email}))  # bound: only that sub now


def test_sibling_subdomain_cannot_plant_session_cookie(pool, web_client):
    signed_in = sign_in(web_client)
    for name, header in {**set_cookies(signed_in), **set_cookies(web_client.http.get("/login"))}.items():
        flags = {part.strip() for part in header.split(";")[1:]}
        assert name.startswith("__Host-") and {"Secure", "Path=/"} <= flags, header
        assert not any(flag.lower().startswith("domain=") for flag in flags), header
    # A sibling (evil.example.test) can set `helpdesk_session` for the parent domain, never a
    # `__Host-` cookie for this host: an unprefixed cookie is no session, even with a valid token.
    planted = web_client.http.get(
        "/queues/open", headers={"cookie": f"helpdesk_session={session_token(signed_in)}"}
    )
    assert planted.status_code == 303 and planted.headers["Location"].startswith("/login")
    # Nor can it fix the login form's double-submit token with an unprefixed cookie.
    form = {"email": "admin@example.com", "password": PASSWORD, "next": "/", "csrf": "a" * 64}
    fixed = web_client.http.post(
        "/login", body=urlencode(form), headers={**FORM, "cookie": f"helpdesk_login={'a' * 64}"}
    )
    assert fixed.status_code == 403 and SESSION not in set_cookies(fixed)


def test_invited_agent_must_replace_the_temporary_password_at_first_sign_in(pool, web_client):
    email = "invited.agent@example.com"
    temporary = desk_admin.invite_agent(
        load_agent("admin@example.com"), email, "Invited Agent", "agent", ["Support"]
    )
    first = sign_in(web_client, email, "/queues/open", password=temporary)
    held = cookie_value(set_cookies(first)[LOGIN])  # the form's token, renewed with the next step
    assert first.status_code == 200 and SESSION not in set_cookies(first)
    assert "choose your own" in first.body.decode()
    fields = step_form(first)
    assert fields["step"] == "new_password_required" and fields["email"] == email

    unlike = post_step(web_client, held, {**fields, "new_password": NEW_PASSWORD, "new_password_again": "x"})
    weak = post_step(web_client, held, {**fields, "new_password": "short", "new_password_again": "short"})
    chosen = {**fields, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}
    forged = post_step(web_client, held, chosen, csrf="b" * 64)  # another site's form
    assert (unlike.status_code, weak.status_code, forged.status_code) == (400, 400, 403)
    assert "differ" in unlike.body.decode() and step_form(weak)["session"] == fields["session"]

    done = post_step(web_client, held, chosen, "/queues/open")
    assert done.status_code == 303 and done.headers["Location"] == "/queues/open"
    assert not refused(web_client, session_token(done))
    assert sign_in(web_client, email, password=temporary).status_code == 401  # the seen password is gone
    assert sign_in(web_client, email, password=NEW_PASSWORD).status_code == 303


def test_the_api_asks_for_a_new_password_before_it_gives_a_token(pool, web_client):
    email = "api.invited@example.com"
    temporary = desk_admin.invite_agent(
        load_agent("admin@example.com"), email, "Api Invited", "agent", ["Support"]
    )
    first = api(web_client, "/api/session", {"email": email, "password": temporary})
    assert first.status_code == 401 and first.json_body["error"] == "new_password_required"
    assert "token" not in first.json_body
    answer = {"challenge": "new_password_required", "email": email, "session": first.json_body["session"]}
    assert api(web_client, "/api/session/challenge", {**answer, "new_password": "weak"}).status_code == 400
    assert api(web_client, "/api/session/challenge", {**answer, "challenge": "other"}).status_code == 400
    done = api(web_client, "/api/session/challenge", {**answer, "new_password": NEW_PASSWORD})
    assert done.status_code == 200 and done.json_body["agent"]["email"] == email
    assert not refused(web_client, done.json_body["token"])


def test_stolen_password_alone_no_longer_signs_in_once_totp_is_on(pool, web_client):
    email = "careful.agent@example.com"
    new_agent(pool, email)
    with time_machine.travel(FROZEN, tick=False):
        now = FROZEN.timestamp()
        session = session_token(sign_in(web_client, email))
        page = web_client.http.get("/account/security", headers=as_session(session))
        assert page.status_code == 200 and "Set up two-step sign-in" in page.body.decode()
        csrf = csrf_of(page.body.decode())

        def post(path: str, form: dict, cookie: str = ""):
            headers = {**FORM, "cookie": f"{SESSION}={session}{cookie}"}
            return web_client.http.post(path, body=urlencode({**form, "csrf": csrf}), headers=headers)

        assert post("/account/security/start", {"password": "Wrong-Password-1"}).status_code == 401
        started = post("/account/security/start", {"password": PASSWORD})
        html = started.body.decode()
        secret = re.search(r'<code class="secret">([A-Za-z2-7]+)</code>', html).group(1)
        assert f"otpauth://totp/Help%20desk%3A{email.replace('@', '%40')}?secret={secret}" in html.replace(
            "&amp;", "&"
        )
        setup = cookie_value(set_cookies(started)["__Host-helpdesk_mfa_setup"])
        assert setup not in html  # the access token stays in the HttpOnly cookie
        wrong = "000000" if totp(secret, now) != "000000" else "111111"
        setup_cookie = f"; __Host-helpdesk_mfa_setup={setup}"
        assert post("/account/security/verify", {"code": wrong}, setup_cookie).status_code == 400
        assert post("/account/security/verify", {"code": totp(secret, now)}).status_code == 400  # no cookie
        turned_on = post("/account/security/verify", {"code": totp(secret, now)}, setup_cookie)
        assert turned_on.status_code == 200 and "Two-step sign-in is on" in turned_on.body.decode()
        assert "Max-Age=0" in set_cookies(turned_on)["__Host-helpdesk_mfa_setup"]
        again = post("/account/security/start", {"password": PASSWORD})  # Cognito now asks for a code
        assert (
            "Two-step sign-in is on" in again.body.decode()
            and "__Host-helpdesk_mfa_setup" not in set_cookies(again)
        )

        asked = sign_in(web_client, email)
        held = cookie_value(set_cookies(asked)[LOGIN])
        assert asked.status_code == 200 and SESSION not in set_cookies(asked)
        fields = step_form(asked)
        assert fields["step"] == "mfa_code_required"
        again = post_step(web_client, held, {**fields, "code": wrong})
        assert again.status_code == 401 and step_form(again)["step"] == "mfa_code_required"
        done = post_step(web_client, held, {**fields, "code": totp(secret, now)})
        assert done.status_code == 303 and not refused(web_client, session_token(done))

        first = api(web_client, "/api/session", {"email": email, "password": PASSWORD})
        assert first.status_code == 401 and first.json_body["error"] == "mfa_code_required"
        answer = {"challenge": "mfa_code_required", "email": email, "session": first.json_body["session"]}
        assert api(web_client, "/api/session/challenge", {**answer, "code": wrong}).status_code == 401
        signed = api(web_client, "/api/session/challenge", {**answer, "code": totp(secret, now)})
        assert signed.status_code == 200 and not refused(web_client, signed.json_body["token"])


@pytest.fixture
def key_server():
    """The pool's public keys over real HTTP on 127.0.0.1; yields (URL, list of requests served)."""
    served: list[str] = []
    body = json.dumps(load_resource("cognitoidp/resources/jwks-public.json")).encode()

    class Keys(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Keys)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/jwks.json", served
    server.shutdown()
    server.server_close()


def test_tokens_with_made_up_key_ids_cannot_make_every_request_refetch_the_pool_keys(
    pool, web_client, key_server, monkeypatch
):
    url, served = key_server
    configured = dataclasses.replace(auth.settings(), jwks_url=url)
    monkeypatch.setattr(auth, "settings", lambda: configured)
    monkeypatch.setattr(auth, "_jwks", functools.cache(DEPLOYED_KEYS))  # built as deployed, from `url`
    assert not refused(web_client, session_token(sign_in(web_client)))  # real keys, fetched once
    for _ in range(20):
        forged = jwt.encode({"sub": "x"}, "k" * 32, algorithm="HS256", headers={"kid": uuid.uuid4().hex})
        with pytest.raises(Unauthorized):
            auth.verify_token(forged)
    assert served == ["/jwks.json"]  # unknown key ids wait out the cooldown instead of refetching
