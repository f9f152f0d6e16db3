"""The app's API routes, read from the Chalice app itself, and which of them are the customers'.

A route is public when its view is in a `chalicelib.web.public` blueprint (request form, status
page, survey, help center): anyone may call it without signing in. Those routes get their own
function and role (infra/functions.py), their own lower throttles (infra/api.py) and, where a
customer's link token is in the path, no X-Ray traces. Deriving them from the app means a new
public route is split off, throttled and kept out of traces without anyone editing a list.
"""

from __future__ import annotations

import functools
import importlib
import sys
from dataclasses import dataclass
from pathlib import Path

from chalice import Chalice

PROJECT_DIR = Path(__file__).resolve().parent.parent
PUBLIC_PACKAGE = "chalicelib.web.public."
TOKEN_PARAMETER = "{token}"  # noqa: S105 - the path parameter holding a customer's link (desk.portal.links)


@dataclass(frozen=True)
class Route:
    path: str  # as the API (and Chalice) names it: `/t/{token}`
    method: str  # GET, POST…
    module: str  # where its view function is defined
    view: str  # the view function's name

    @property
    def public(self) -> bool:
        return self.module.startswith(PUBLIC_PACKAGE)

    @property
    def resource_path(self) -> str:
        """The path as a stage's `MethodSettings` names it: `/t/{token}` is `/~1t~1{token}`."""
        return "/" if self.path == "/" else "/" + self.path.replace("/", "~1")

    @property
    def token_prefix(self) -> str | None:
        """`/t/` for `/t/{token}/reply`: the part of the URL before a link token, if it has one."""
        if TOKEN_PARAMETER not in self.path:
            return None
        return self.path.split(TOKEN_PARAMETER, 1)[0]


@functools.cache
def _app() -> Chalice:
    if str(PROJECT_DIR) not in sys.path:
        sys.path.insert(0, str(PROJECT_DIR))
    return importlib.import_module("app").app


def routes() -> tuple[Route, ...]:
    return tuple(
        Route(path, method, entry.view_function.__module__, entry.view_function.__name__)
        for path, entries in _app().routes.items()
        for method, entry in entries.items()
    )


def public_routes() -> tuple[Route, ...]:
    return tuple(route for route in routes() if route.public)


def token_prefixes() -> tuple[str, ...]:
    """Each distinct URL prefix under which a public route carries a link token."""
    return tuple(sorted({prefix for route in public_routes() if (prefix := route.token_prefix)}))
