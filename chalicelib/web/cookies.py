"""The app's cookies: read from a Cookie header, and set with the same flags everywhere.

Every cookie is HttpOnly (scripts never see it), SameSite=Lax (other sites' forms do not carry
it) and Secure everywhere but a local stage served on localhost (plain http there).
"""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlsplit

from chalicelib.config import settings

_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def cookie_value(cookie_header: str | None, name: str) -> str | None:
    """The named cookie's value, or None when absent or the header cannot be read."""
    cookies: SimpleCookie = SimpleCookie()
    try:
        cookies.load(cookie_header or "")
    except CookieError:
        return None
    morsel = cookies.get(name)
    return morsel.value if morsel else None


def set_cookie(name: str, value: str, max_age: int, path: str = "/") -> str:
    """A Set-Cookie header value; `max_age` 0 removes the cookie."""
    secure = "; Secure" if _secure() else ""
    return f"{name}={value}; Max-Age={max_age}; Path={path}; HttpOnly; SameSite=Lax{secure}"


def _secure() -> bool:
    return settings().stage != "local" or urlsplit(settings().public_url).hostname not in _LOCAL_HOSTS
