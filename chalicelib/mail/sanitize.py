"""HTML from mail is hostile: sanitise it for display, and turn it into text (and back) for agents."""

from __future__ import annotations

import html as html_lib
import re
from functools import cache
from html.parser import HTMLParser

import nh3

_TAGS = frozenset(
    {
        *("a", "abbr", "b", "blockquote", "br", "caption", "center", "cite", "code", "col", "colgroup"),
        *("dd", "del", "div", "dl", "dt", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i"),
        *("img", "ins", "kbd", "li", "ol", "p", "pre", "q", "s", "small", "span", "strike", "strong"),
        *("sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul"),
    }
)
# Removed together with their content: their text is code, metadata or UI, never the message.
_DROPPED_WITH_CONTENT = frozenset(
    {
        *("script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form"),
        *("meta", "link", "base", "head", "title", "noscript", "template", "svg", "math"),
        *("textarea", "select", "button", "audio", "video", "canvas"),
    }
)
_CELL = frozenset({"align", "valign", "width", "height", "colspan", "rowspan", "bgcolor"})
_ATTRIBUTES = {
    "*": {"title", "dir", "lang"},
    "a": {"href", "name"},
    "img": {"src", "alt", "width", "height", "border"},
    "table": {"align", "width", "border", "cellpadding", "cellspacing", "bgcolor"},
    "td": set(_CELL),
    "th": set(_CELL),
    "tr": {"align", "valign", "bgcolor"},
    "col": {"span", "width"},
    "colgroup": {"span", "width"},
    "font": {"color", "face", "size"},
    "p": {"align"},
    "div": {"align"},
    "ol": {"start", "type"},
}
_URL_SCHEMES = frozenset({"http", "https", "mailto", "cid"})

_BLOCK = frozenset(
    {
        *("p", "div", "table", "tr", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "hr", "address"),
        *("h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "header", "footer", "center", "form"),
    }
)
_INVISIBLE = frozenset(
    {"script", "style", "head", "title", "noscript", "template", "svg", "math", "object", "iframe", "select"}
)
_SURROGATES = re.compile(r"[\ud800-\udfff]")


@cache
def _cleaner() -> nh3.Cleaner:
    """Built on first use, not at import: most invocations never see HTML."""
    return nh3.Cleaner(
        tags=set(_TAGS),
        clean_content_tags=set(_DROPPED_WITH_CONTENT),
        attributes=_ATTRIBUTES,
        url_schemes=set(_URL_SCHEMES),
        url_relative="deny",
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def sanitize_html(html: str) -> str:
    """Allow-listed HTML safe to show to agents: no scripts, handlers, styles or dangerous URLs."""
    return _cleaner().clean(_SURROGATES.sub("\ufffd", html or ""))


class _TextExtractor(HTMLParser):
    """Collects readable text; block elements become line breaks and links keep their targets."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0
        self._pre = 0
        self._links: list[tuple[str, int]] = []

    def _at_line_start(self) -> bool:
        return not self.parts or self.parts[-1].endswith("\n")

    def _newline(self) -> None:
        if self.parts and not self.parts[-1].endswith("\n"):
            self.parts.append("\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _INVISIBLE:
            self._hidden += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self._newline()
            self.parts.append("- ")
        elif tag in ("td", "th") and not self._at_line_start():
            self.parts.append("  ")
        elif tag == "a":
            self._links.append((dict(attrs).get("href") or "", len(self.parts)))
        elif tag in _BLOCK:
            self._newline()
        if tag == "pre":
            self._pre += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _INVISIBLE:
            self._hidden = max(0, self._hidden - 1)
        elif tag == "a" and self._links:
            self._close_link(*self._links.pop())
        elif tag in _BLOCK or tag == "li":
            self._newline()
        if tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table"):
            self.parts.append("\n")
        if tag == "pre":
            self._pre = max(0, self._pre - 1)

    def _close_link(self, href: str, start: int) -> None:
        text = "".join(self.parts[start:]).strip()
        target = href.strip()
        shown = target.removeprefix("mailto:")
        if re.match(r"(?i)(https?|mailto):", target) and shown not in text:
            self.parts.append(f" ({shown})")

    def handle_data(self, data: str) -> None:
        if self._hidden:
            return
        if not self._pre:
            data = re.sub(r"\s+", " ", data)
            if self._at_line_start():
                data = data.lstrip()
        if data:
            self.parts.append(data)


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\xa0", " ").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(html: str) -> str:
    """Plain text an agent can read (and quote detection can work on) from an HTML body."""
    source = _SURROGATES.sub("\ufffd", html or "")
    parser = _TextExtractor()
    try:
        parser.feed(source)
        parser.close()
        text = "".join(parser.parts)
    except Exception:  # HTMLParser has had assertion bugs on hostile input; degrade to tag stripping.
        text = html_lib.unescape(re.sub(r"<[^>]*>", " ", source))
    return _tidy(text)


def text_to_html(text: str) -> str:
    """Escaped paragraphs for the HTML part of outbound mail: blank lines split, single newlines break."""
    normalised = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    paragraphs = [p.strip("\n") for p in re.split(r"\n\s*\n", normalised) if p.strip()]
    return "\n".join("<p>" + html_lib.escape(p).replace("\n", "<br>\n") + "</p>" for p in paragraphs)
