"""Rendering a customer-facing page: the desk's branding in every page, no agent context."""

from __future__ import annotations

from typing import Any

from chalice import Response

from chalicelib.desk import branding
from chalicelib.web.pages.render import render


def public_page(template: str, status: int = 200, **context: Any) -> Response:
    return render(template, status, brand=branding.current(), **context)
