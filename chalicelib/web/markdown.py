"""Article Markdown as HTML that is safe on a public page, whoever wrote it.

Two locks: the CommonMark parser runs with raw HTML off (a `<script>` in the text comes out as
text) and refuses `javascript:`-like link targets; its output then passes an allowlist sanitiser
(nh3), so no tag, attribute or URL scheme outside the list below can reach a page.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import nh3
from markupsafe import Markup

_TAGS = frozenset(
    {
        *("a", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "img"),
        *("li", "ol", "p", "pre", "s", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul"),
    }
)
_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}
_URL_SCHEMES = frozenset({"http", "https", "mailto"})


@cache
def _parser() -> Any:
    """Built on first use (the import is not free, and most requests show no article)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


@cache
def _cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=set(_TAGS),
        attributes=_ATTRIBUTES,
        url_schemes=set(_URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def to_html(markdown: str) -> Markup:
    """The article as sanitised HTML, marked safe for templates (relative links stay: they point
    into this help center)."""
    return Markup(_cleaner().clean(_parser().render(markdown)))  # noqa: S704 (sanitised just now)
