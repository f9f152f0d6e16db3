"""Signing in and out of the web app, and the static assets the pages load."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl

from chalice import Blueprint, Response

from chalicelib.desk.errors import DeskError
from chalicelib.web import auth
from chalicelib.web.login_csrf import check_login_token, login_cookie, login_token
from chalicelib.web.pages.render import headers, redirect, render
from chalicelib.web.pages.routing import FORM_TYPES, Context, page, safe_next
from chalicelib.web.session import expired_cookie, session_cookie

blueprint = Blueprint(__name__)

STATIC = Path(__file__).resolve().parent.parent / "static"
_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}


@blueprint.route("/login", methods=["GET"])
def login_form() -> Response:
    query = blueprint.current_request.query_params or {}
    return _login_page(200, safe_next(query.get("next")), error=None, email="")


@blueprint.route("/login", methods=["POST"], content_types=FORM_TYPES)
def login() -> Response:
    form = dict(parse_qsl((blueprint.current_request.raw_body or b"").decode(errors="replace")))
    target, email = safe_next(form.get("next")), form.get("email", "")
    try:
        check_login_token(blueprint.current_request.headers.get("cookie"), form.get("csrf"))
        token, _ = auth.sign_in(email.strip(), form.get("password", ""))
    except DeskError as error:
        return _login_page(error.status, target, error=error.message, email=email)
    return redirect(target, cookie=session_cookie(token, auth.verify_token(token)))


def _login_page(status: int, target: str, *, error: str | None, email: str) -> Response:
    """The login form, with this browser's CSRF token in a hidden field and (renewed) in its cookie."""
    token = login_token(blueprint.current_request.headers.get("cookie"))
    page = render("login.html", status, next=target, error=error, email=email, csrf=token)
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
