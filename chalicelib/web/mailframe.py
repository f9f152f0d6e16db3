"""Showing mail HTML without trusting it: a sandboxed iframe document under its own CSP.

The (already sanitised) HTML never enters the app's DOM. It becomes the `srcdoc` of an iframe
with `sandbox` minus allow-scripts and allow-same-origin, so nothing in it can run or reach the
app; the document's own CSP allows no fetches except inline `data:` images, and remote images only
when the agent asked for them on that message. Links open in a new tab outside the sandbox.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re

FRAME_STYLE = (
    "body{font:14px/1.5 system-ui,sans-serif;color:#1f2328;margin:0;padding:2px;overflow-wrap:anywhere}"
    "img{max-width:100%;height:auto}blockquote{border-left:3px solid #d0d7de;margin:0;padding-left:8px}"
)
# The style above is the only inline code the app allows, by hash (in the page's CSP and the frame's).
FRAME_STYLE_HASH = "'sha256-" + base64.b64encode(hashlib.sha256(FRAME_STYLE.encode()).digest()).decode() + "'"
_CID_SOURCE = re.compile(r'src="cid:([^"]*)"', re.IGNORECASE)


def frame_policy(remote_images: bool, images_from: str = "") -> str:
    images = "data: https: http:" if remote_images else f"data: {images_from}".strip()
    return (
        f"default-src 'none'; img-src {images}; style-src {FRAME_STYLE_HASH}; "
        "base-uri 'none'; form-action 'none'"
    )


def srcdoc(
    sanitised_html: str,
    remote_images: bool = False,
    inline_images: dict[str, str] | None = None,
    images_from: str = "",
) -> str:
    """The iframe document for one message (the template escapes it into the attribute).

    `inline_images` maps a Content-ID to the link of that part (our bucket, at `images_from`): the
    mail's own pictures show at once, as the sender meant, while remote ones still wait for the agent.
    """
    body = with_inline_images(sanitised_html, inline_images or {})
    return (
        '<!doctype html><html><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{frame_policy(remote_images, images_from)}">'
        f'<base target="_blank"><style>{FRAME_STYLE}</style></head><body>{body}</body></html>'
    )


def with_inline_images(sanitised_html: str, links: dict[str, str]) -> str:
    """`src="cid:…"` of known parts replaced by their links; an unknown part stays as it is."""

    def link(match: re.Match[str]) -> str:
        found = links.get(html.unescape(match.group(1)).strip("<>"))
        return f'src="{html.escape(found)}"' if found else match.group(0)

    return _CID_SOURCE.sub(link, sanitised_html)


def page_policy(remote_images: bool, connect_to: str = "", images_from: str = "") -> str:
    """The app's CSP. A srcdoc frame inherits it, so remote images must be allowed here as well.
    `connect_to` is one more origin scripts may send to (the bucket the request form uploads to),
    `images_from` one more origin images may come from (the bucket holding mails' inline images)."""
    images = "'self' data: https: http:" if remote_images else f"'self' data: {images_from}".strip()
    connect = f"connect-src 'self' {connect_to}; " if connect_to else ""
    return (
        f"default-src 'self'; script-src 'self'; style-src 'self' {FRAME_STYLE_HASH}; img-src {images}; "
        f"{connect}object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


def has_remote_images(sanitised_html: str) -> bool:
    lowered = sanitised_html.lower()
    return "<img" in lowered and ('src="http' in lowered or "src='http" in lowered)


def frame_size(text: str) -> str:
    """A first size for the frame (it cannot be measured from outside, and inline styles are not
    allowed by the CSP): a CSS class s, m, l or xl; the agent can resize it."""
    lines = sum(1 + len(line) // 90 for line in text.splitlines())
    return "s" if lines <= 4 else "m" if lines <= 12 else "l" if lines <= 24 else "xl"
