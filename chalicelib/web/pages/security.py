"""The agent's own sign-in security: turning on two-step sign-in (TOTP MFA).

GET offers it; POST …/start checks the password again and shows a new secret (and its otpauth://
link), or says MFA is already on (Cognito then asks for a code rather than signing in: the app needs
no admin call to know); POST …/verify turns MFA on once a code from the app matches. Between the two, the
access token Cognito's MFA calls need waits in a short-lived HttpOnly cookie, never in the page.
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib.desk.base.errors import DeskError, InvalidRequest
from chalicelib.web import mfa
from chalicelib.web.cookies import cookie_value, set_cookie
from chalicelib.web.pages.queues import sidebar
from chalicelib.web.pages.routing import Context, page

blueprint = Blueprint(__name__)

PATH = "/account/security"
SETUP_COOKIE = "__Host-helpdesk_mfa_setup"
SETUP_SECONDS = 600  # to scan the secret and type a code


@page(blueprint, PATH)
def security(context: Context) -> Response:
    return _page(context)


@page(blueprint, f"{PATH}/start", methods=("POST",))
def start(context: Context) -> Response:
    email = context.session.agent.email
    try:
        started = mfa.start(email, context.form.get("password", ""))
    except DeskError as error:
        return _page(context, error.status, error=error.message)
    if started is None:
        return _page(context, mfa_on=True)
    access_token, secret = started
    response = _page(context, secret=secret, uri=mfa.otpauth_uri(secret, email))
    response.headers["Set-Cookie"] = set_cookie(SETUP_COOKIE, access_token, SETUP_SECONDS)
    return response


@page(blueprint, f"{PATH}/verify", methods=("POST",))
def verify(context: Context) -> Response:
    """A wrong code shows the code form again: the app already holds the secret."""
    access_token = cookie_value(blueprint.current_request.headers.get("cookie"), SETUP_COOKIE)
    try:
        if not access_token:
            raise InvalidRequest("this setup has expired; start again")
        mfa.finish(access_token, context.form.get("code", "").strip())
    except InvalidRequest as error:
        return _page(context, error.status, error=error.message, retry=bool(access_token))
    except DeskError as error:
        return _page(context, error.status, error=error.message)
    response = _page(context, mfa_on=True)
    response.headers["Set-Cookie"] = set_cookie(SETUP_COOKIE, "", 0)
    return response


def _page(context: Context, status: int = 200, **shown: object) -> Response:
    """The page: the password form, or the new `secret` and `uri`, or `mfa_on`, or an `error` (with
    `retry`: ask for the code again)."""
    agent = context.session.agent
    state: dict[str, Any] = {
        "mfa_on": False,
        "secret": None,
        "uri": None,
        "error": None,
        "retry": False,
        **shown,
    }
    return context.render("security.html", status, **state, **sidebar(agent))
