"""The page decorator: every page checks the session server side, every POST its CSRF token."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode

from chalice import Blueprint, Response

from chalicelib.desk.base.errors import DeskError, Forbidden, InvalidRequest, TooLarge, Unauthorized
from chalicelib.desk.notifications import inbox
from chalicelib.desk.ticket import queues
from chalicelib.observability import logger
from chalicelib.web import params
from chalicelib.web.pages.render import redirect, render
from chalicelib.web.session import Session, check_csrf, expired_cookie, session_from_cookies

MAX_FORM_BYTES = 512 * 1024
FORM_TYPES = ["application/x-www-form-urlencoded"]


@dataclass(frozen=True)
class Context:
    """What a page view gets: the signed-in agent's session, the form (POST) and the query string."""

    session: Session
    path: str
    form: dict[str, str] = field(default_factory=dict)
    form_lists: dict[str, list[str]] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)

    def render(
        self, template: str, status: int = 200, remote_images: bool = False, **context: Any
    ) -> Response:
        """A page with what every template needs: the agent, the CSRF token and the current path."""
        return render(
            template,
            status,
            remote_images,
            agent=self.session.agent,
            csrf=self.session.csrf_token,
            path=self.path,
            query=self.query,
            **context,
        )


def page(blueprint: Blueprint, path: str, methods: tuple[str, ...] = ("GET",)) -> Callable[..., Any]:
    """Register a page; signed-out (or expired) visitors are sent to the login page and back."""

    def decorate(view: Callable[..., Response]) -> Callable[..., Any]:
        @functools.wraps(view)
        def handle(**encoded: str) -> Response:
            request = blueprint.current_request
            # Path parameters arrive as written in the URL (API Gateway and Chalice do not decode
            # them): a team "Night Shift" comes as "Night%20Shift".
            segments = {name: unquote(value) for name, value in encoded.items()}
            here = path.format(**{name: quote(value, safe="") for name, value in segments.items()})
            query = params.query(request)
            try:
                session = session_from_cookies(request.headers.get("cookie"))
            except (Unauthorized, Forbidden):
                back = _return_path(request.method, here, query)
                return redirect(f"/login?{urlencode({'next': back})}", cookie=expired_cookie())
            try:
                context = Context(session=session, path=here, query=query)
                if request.method == "POST":
                    pairs = form_pairs(params.raw_body(request))
                    check_csrf(session, dict(pairs).get("csrf"))
                    lists: dict[str, list[str]] = {}
                    for name, value in pairs:
                        lists.setdefault(name, []).append(value)
                    context = Context(session, here, dict(pairs), lists, query)
                    queues.forget_counts()  # whatever this form changes, its author's counts follow
                    inbox.forget_unread(session.agent.email)  # and their bell
                return view(context, **segments)
            except DeskError as error:
                return _error_page(session, error.status, error)
            except Exception:
                logger.exception("page failed", extra={"path": path})
                return _error_page(session, 500, None)

        content_types = FORM_TYPES if "POST" in methods else None
        options = {"content_types": content_types} if content_types else {}
        return blueprint.route(path, methods=list(methods), **options)(handle)

    return decorate


def _return_path(method: str, here: str, query: dict[str, str]) -> str:
    """Where signing in again leads: this page, or for a form (a POST-only route, which a GET after
    sign-in would answer with 405) the page it was sent from: its ticket, else the app's start."""
    if method == "GET":
        return f"{here}?{urlencode(query)}" if query else here
    ticket = re.match(r"/tickets/[0-9]+/", here)
    return ticket.group(0).rstrip("/") if ticket else "/"


def _error_page(session: Session, status: int, error: DeskError | None) -> Response:
    """What went wrong, in the app's frame (without the sidebar: it may be what failed)."""
    return render(
        "error.html",
        status,
        agent=session.agent,
        csrf=session.csrf_token,
        error=error,
        views=[],
        path="",
        query={},
    )


def form_pairs(raw: bytes) -> list[tuple[str, str]]:
    if len(raw) > MAX_FORM_BYTES:
        raise TooLarge(f"the form is larger than {MAX_FORM_BYTES // 1024} KB")
    try:
        return parse_qsl(raw.decode(), keep_blank_values=True, max_num_fields=200)
    except (UnicodeDecodeError, ValueError):
        raise InvalidRequest("the form could not be read") from None


def safe_next(value: str | None) -> str:
    """Only a path of this app: never an open redirect to another site."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return quote(value, safe="/?=&#:%+-_.~")
