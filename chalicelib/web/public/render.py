"""Rendering a customer-facing page: the desk's branding in every page, no agent context."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice import Response
from chalice.app import Request

from chalicelib.desk.base.errors import DeskError
from chalicelib.desk.setup import branding
from chalicelib.observability import logger
from chalicelib.web.pages.render import headers, render


def public_page(template: str, status: int = 200, remote_images: bool = False, **context: Any) -> Response:
    """A customer page; its CSP lets the desk's own https logo load (customer pages show no mail
    HTML), and `remote_images` lets a help-center article's pictures load."""
    brand = branding.current()
    return render(template, status, remote_images or bool(brand.logo_url), brand=brand, **context)


def brand_stylesheet() -> Response:
    """`/brand.css`: the brand colour as a CSS variable (the CSP allows no inline style)."""
    css = f":root{{--brand:{branding.current().colour}}}\n"  # validated #rrggbb
    return Response(
        body=css, status_code=200, headers={**headers("text/css"), "Cache-Control": "public, max-age=60"}
    )


def guarded(view: Callable[[], Response], path: str) -> Response:
    """Domain errors as the customer's error page: a NotFound, whatever its cause, is one page."""
    try:
        return view()
    except DeskError as error:
        return public_page("public/form_error.html", error.status, error=error)
    except Exception:
        logger.exception("public page failed", extra={"path": path})
        return public_page("public/form_error.html", 500, error=None)


def source_ip(request: Request) -> str:
    """The client's address as API Gateway saw it, for per-IP rate limits."""
    identity = (request.context or {}).get("identity") or {}
    return str(identity.get("sourceIp") or "unknown")
