"""Rendering a customer-facing page: the desk's branding in every page, no agent context."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice import Response

from chalicelib.desk import branding
from chalicelib.desk.errors import DeskError
from chalicelib.observability import logger
from chalicelib.web.pages.render import render


def public_page(template: str, status: int = 200, **context: Any) -> Response:
    return render(template, status, brand=branding.current(), **context)


def guarded(view: Callable[[], Response], path: str) -> Response:
    """Domain errors as the customer's error page: a NotFound, whatever its cause, is one page."""
    try:
        return view()
    except DeskError as error:
        return public_page("public/form_error.html", error.status, error=error)
    except Exception:
        logger.exception("public page failed", extra={"path": path})
        return public_page("public/form_error.html", 500, error=None)
