"""HTML from mail is hostile: sanitise it for display, and turn it into text (and back) for agents."""

from __future__ import annotations

import html as html_lib
import re
from functools import cache
from html.parser import HTMLParser

import nh3

from chalicelib.mail.nesting import bound_nesting

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
# Not message text; a form control's text is UI (and html5ever reads a textarea's markup as its text).
_INVISIBLE = frozenset(
    {
        *("script", "style", "head", "title", "noscript", "template", "svg", "math", "object", "iframe"),
        *("select", "textarea"),
    }
)
_SURROGATES = re.compile(r"[\ud800-\udfff]")
MAX_HTML_TO_TEXT = 2_000_000  # characters of HTML read into text; the sanitised HTML and raw mail keep all
_TEXT_TAGS = frozenset({*_TAGS, *_BLOCK, "li"})  # what the text extractor acts on; others keep their text


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


@cache
def _text_cleaner() -> nh3.Cleaner:
    """Well-formed HTML for the text extractor: the stdlib parser takes quadratic time on unclosed
    tags and comments (`"<a " * 30_000` takes minutes), html5ever's serialisation has none."""
    return nh3.Cleaner(
        tags=set(_TEXT_TAGS),
        clean_content_tags=set(_INVISIBLE),
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
        strip_comments=True,
    )


def _parseable(html: str) -> str:
    """HTML any tree builder reads in linear time: surrogates replaced, nesting bounded."""
    return bound_nesting(_SURROGATES.sub("\ufffd", html or ""))


def sanitize_html(html: str) -> str:
    """Allow-listed HTML safe to show to agents: no scripts, handlers, styles or dangerous URLs."""
    return _cleaner().clean(_parseable(html))


class _TextExtractor(HTMLParser):
    """Collects readable text; block elements become line breaks and links keep their targets."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0
        self._pre = 0
        self._link: tuple[str, int] | None = None  # an open link's target and first part

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
            self._close_link()  # a link inside a link closes the outer one, as in a browser
            self._link = (dict(attrs).get("href") or "", len(self.parts))
        elif tag in _BLOCK:
            self._newline()
        if tag == "pre":
            self._pre += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _INVISIBLE:
            self._hidden = max(0, self._hidden - 1)
        elif tag == "a":
            self._close_link()
        elif tag in _BLOCK or tag == "li":
            self._newline()
        if tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table"):
            self.parts.append("\n")
        if tag == "pre":
            self._pre = max(0, self._pre - 1)

    def _close_link(self) -> None:
        """Show the target after the link's text unless the text shows it: each part is read for
        one link at most, so nested links cost linear time."""
        if self._link is None:
            return
        href, start = self._link
        self._link = None
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


def _unfinished_tag_as_text(html: str) -> str:
    """A tag cut off at the end ("see <p") is text the sender wrote: a browser would drop it."""
    tail = html.rfind(">") + 1
    return html[:tail] + html[tail:].replace("<", "&lt;")


def html_to_text(html: str) -> str:
    """Plain text an agent can read (and quote detection can work on) from an HTML body's first
    MAX_HTML_TO_TEXT characters."""
    source = _text_cleaner().clean(_unfinished_tag_as_text(_parseable((html or "")[:MAX_HTML_TO_TEXT])))
    parser = _TextExtractor()
    try:
        parser.feed(source)
        parser.close()
        text = "".join(parser.parts)
    except Exception:  # HTMLParser has had assertion bugs on hostile input; degrade to tag stripping.
        text = html_lib.unescape(re.sub(r"<[^<>]*>", " ", source))
    return _tidy(text)


def text_to_html(text: str) -> str:
    """Escaped paragraphs for the HTML part of outbound mail: blank lines split, single newlines break."""
    normalised = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    paragraphs = [p.strip("\n") for p in re.split(r"\n\s*\n", normalised) if p.strip()]
    return "\n".join("<p>" + html_lib.escape(p).replace("\n", "<br>\n") + "</p>" for p in paragraphs)
