"""Where the desk is reached: the base of every absolute link in mail (status pages, articles).

HELPDESK_PUBLIC_URL: a deployment sets it for every function to `https://<web_domain>` (infra/web.py
serves the app at that domain's root, where its root-relative links work) and the local runtime
defaults it to its own HTTP port. A function without it cannot build a link and says so.
"""

from __future__ import annotations

from chalicelib.config import ConfigError, settings


def public_url() -> str:
    configured = settings().public_url
    if not configured:
        raise ConfigError("HELPDESK_PUBLIC_URL is not set: links in mail would have nowhere to point")
    return configured
