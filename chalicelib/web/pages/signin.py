"""Signing in and out of the web app, and the static assets the pages load."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl

from chalice import Blueprint, Response

from chalicelib.desk.base.errors import DeskError, InvalidRequest
from chalicelib.web import auth, params
from chalicelib.web.login_csrf import check_login_token, login_cookie, login_token
from chalicelib.web.pages.render import headers, redirect, render
from chalicelib.web.pages.routing import FORM_TYPES, Context, page, safe_next
from chalicelib.web.session import expired_cookie, session_cookie

blueprint = Blueprint(__name__)

STATIC = Path(__file__).resolve().parent.parent / "static"
_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}


@blueprint.route("/login", methods=["GET"])
def login_form() -> Response:
    query = params.query(blueprint.current_request)
    return _login_page(200, safe_next(query.get("next")), error=None, email="")


@blueprint.route("/login", methods=["POST"], content_types=FORM_TYPES)
def login() -> Response:
    form = _form()
    target, email = safe_next(form.get("next")), form.get("email", "")
    try:
        check_login_token(blueprint.current_request.headers.get("cookie"), form.get("csrf"))
        token, _ = auth.sign_in(email.strip(), form.get("password", ""))
    except auth.Challenge as challenge:
        return _login_page(200, target, error=None, email=email, challenge=challenge)
    except DeskError as error:
        return _login_page(error.status, target, error=error.message, email=email)
    return _signed_in(target, token)


@blueprint.route("/login/step", methods=["POST"], content_types=FORM_TYPES)
def login_step() -> Response:
    """The further step Cognito asked for: a new password (after a temporary one), or an MFA code.

    Protected by the login form's double-submit token like the first step. A wrong answer shows the
    same step again, with Cognito's session, so the agent can retry until it expires.
    """
    form = _form()
    target, step, email = safe_next(form.get("next")), form.get("step", ""), form.get("email", "")
    answer = form.get(auth.ANSWER_FIELDS.get(step, ""), "")
    try:
        check_login_token(blueprint.current_request.headers.get("cookie"), form.get("csrf"))
        if step == auth.NEW_PASSWORD and answer != form.get("new_password_again"):
            raise InvalidRequest("the two new passwords differ")
        token, _ = auth.answer_challenge(step, email, form.get("session", ""), answer)
    except auth.Challenge as challenge:
        return _login_page(200, target, error=None, email=email, challenge=challenge)
    except DeskError as error:
        if step not in auth.ANSWER_FIELDS:
            return _login_page(error.status, target, error=error.message, email=email)
        again = auth.Challenge(step, email, form.get("session", ""))
        return _login_page(error.status, target, error=error.message, email=email, challenge=again)
    return _signed_in(target, token)


def _form() -> dict[str, str]:
    return dict(parse_qsl(params.raw_body(blueprint.current_request).decode(errors="replace")))


def _signed_in(target: str, token: str) -> Response:
    return redirect(target, cookie=session_cookie(token, auth.verify_token(token)))


def _login_page(
    status: int, target: str, *, error: str | None, email: str, challenge: auth.Challenge | None = None
) -> Response:
    """The login form (or a further step's), with this browser's CSRF token in a hidden field and
    (renewed) in its cookie."""
    token = login_token(blueprint.current_request.headers.get("cookie"))
    page = render(
        "login.html", status, next=target, error=error, email=email, csrf=token, challenge=challenge
    )
    page.headers["Set-Cookie"] = login_cookie(token)
    return page


@page(blueprint, "/logout", methods=("POST",))
def logout(context: Context) -> Response:
    return redirect("/login", cookie=expired_cookie())


@blueprint.route("/static/{name}", methods=["GET"])
def static(name: str) -> Response:
    path = STATIC / name
    if "/" in name or name.startswith(".") or path.suffix not in _TYPES or not path.is_file():
        return Response(body="not found", status_code=404, headers={"Content-Type": "text/plain"})
    return Response(
        body=path.read_text(),
        status_code=200,
        headers={**headers(_TYPES[path.suffix]), "Cache-Control": "public, max-age=3600"},
    )
