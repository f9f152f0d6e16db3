"""The app's cookies: read from a Cookie header, and set with the same flags everywhere.

Every cookie is `__Host-` prefixed, Secure, Path=/ and without Domain: browsers then accept it only
from this exact host over a secure origin, so a sibling subdomain (or a man in the middle of plain
http) cannot plant a session or login token on it. HttpOnly (scripts never see it) and SameSite=Lax
(other sites' forms do not carry it). Browsers count http://localhost and http://127.0.0.1 as
secure, so the local stage keeps the same flags.
"""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie

PREFIX = "__Host-"


def cookie_value(cookie_header: str | None, name: str) -> str | None:
    """The named cookie's value, or None when absent or the header cannot be read."""
    cookies: SimpleCookie = SimpleCookie()
    try:
        cookies.load(cookie_header or "")
    except CookieError:
        return None
    morsel = cookies.get(name)
    return morsel.value if morsel else None


def set_cookie(name: str, value: str, max_age: int) -> str:
    """A Set-Cookie header value; `max_age` 0 removes the cookie."""
    if not name.startswith(PREFIX):
        raise ValueError(f"cookie {name!r} needs the {PREFIX} prefix")
    return f"{name}={value}; Max-Age={max_age}; Path=/; Secure; HttpOnly; SameSite=Lax"
