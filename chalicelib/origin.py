"""Where the desk is reached: the base of every absolute link in mail (status pages, tickets).

HELPDESK_PUBLIC_URL: a deployment sets it for every function to `https://<web_domain>` (infra/web.py
serves the app at that domain's root, where its root-relative links work) and the local runtime
defaults it. Only a stage run without it falls back to the address the current request came in on,
which chalicelib.web.api's middleware records for each request.
"""

from __future__ import annotations

from contextvars import ContextVar

from chalicelib.config import ConfigError, settings

_request_origin: ContextVar[str] = ContextVar("request_origin", default="")


def public_url() -> str:
    configured = settings().public_url or _request_origin.get()
    if not configured:
        raise ConfigError("HELPDESK_PUBLIC_URL is not set: links in mail would have nowhere to point")
    return configured


def remember_request_origin(request_context: dict) -> None:
    """Record `https://<domain>/<stage>` of an API Gateway request (a no-op without a domain)."""
    domain, stage = request_context.get("domainName"), request_context.get("stage")
    if domain and stage:
        _request_origin.set(f"https://{domain}/{stage}")
