"""Bound how deep hostile HTML nests before an HTML tree builder sees it.

A tree builder (html5ever behind nh3) spends time per tag in proportion to the open elements and
the active formatting elements, and re-opens every unclosed formatting element at each new block:
100,000 unclosed <div>s cost quadratic time, and <p><b title=N>x</p> repeated costs quadratic time
and output. One linear pass models both lists the way HTML's tree builder does, erring towards
more depth, never less, and drops the start tags (and their end tags) that would take either past
its limit. Text is never dropped; ordinary mail never comes near the limits.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from functools import cache

MAX_DEPTH = 100  # open elements, counting formatting elements waiting to be re-opened
MAX_FORMATTING = 8  # unclosed formatting elements since the last table cell (HTML keeps 3 alike)
_NOAHS_ARK = 3  # identical unclosed formatting elements HTML keeps

_TAG = re.compile(r"<(/?)([A-Za-z][^\s/>]*+)((?:[^>=]++|=\s*+\"[^\"]*+\"|=\s*+'[^']*+'|=)*+)>")
_TAG_OPEN = re.compile(r"</?[A-Za-z]")
_VOID = frozenset(
    {
        *("area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "image", "img"),
        *("input", "keygen", "link", "meta", "param", "source", "track", "wbr"),
    }
)
_NOT_PUSHED = frozenset({"html", "head", "body", "frameset"})  # the builder merges these, never nests them
_RAW_TEXT = frozenset(
    {"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript"}
)
_FORMATTING = frozenset(
    {"a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u"}
)
_MARKERS = frozenset({"applet", "caption", "marquee", "object", "td", "th", "template"})
_NEVER_NESTED = _VOID | _NOT_PUSHED | _RAW_TEXT  # raw text: its content is skipped, never parsed
_SCOPE = frozenset({"applet", "caption", "html", "table", "td", "th", "marquee", "object", "template"})
_TABLE_SCOPE = frozenset({"html", "table", "template"})
_TABLE_PARTS = frozenset({"table", "tbody", "thead", "tfoot", "tr", "td", "th", "caption", "colgroup"})
_SPECIAL = frozenset(
    {
        *("address", "applet", "article", "aside", "blockquote", "button", "caption", "center", "colgroup"),
        *("dd", "details", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form"),
        *("h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "li", "listing", "main", "marquee"),
        *("menu", "nav", "object", "ol", "p", "pre", "search", "section", "select", "summary", "table"),
        *("tbody", "td", "template", "tfoot", "th", "thead", "tr", "ul", *_RAW_TEXT, *_VOID, *_NOT_PUSHED),
    }
)
_CLOSES_P = frozenset(
    {
        *("address", "article", "aside", "blockquote", "center", "details", "dialog", "dir", "div", "dl"),
        *("fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6"),
        *("header", "hgroup", "hr", "li", "dd", "dt", "main", "menu", "nav", "ol", "p", "pre", "section"),
        *("summary", "ul"),
    }
)
# A start tag closes the current element when that is one of these (what the builder always does).
_CLOSES_CURRENT = {
    "li": ("li",),
    "dd": ("dd", "dt"),
    "dt": ("dd", "dt"),
    "option": ("option",),
    "td": ("td", "th"),
    "th": ("td", "th"),
    "tr": ("td", "th", "tr"),
}

_MARKER = ("", "")  # in the formatting list: a table cell (or applet, object...) starts here


@cache
def _raw_text_end(name: str) -> re.Pattern[str]:
    return re.compile(f"</{name}", re.IGNORECASE)


_MOVED = ""  # where the adoption agency took a formatting element out: it still counts


class _Builder:
    """The open elements and active formatting elements, approximated without building a tree.

    Every tag costs constant time (the walks are bounded by MAX_FORMATTING): positions are indexed
    by name, and the top-most special and scoping elements are kept on their own stacks.
    """

    def __init__(self) -> None:
        self.stack: list[str] = []
        self.where: dict[str, list[int]] = defaultdict(list)  # name -> its positions in `stack`
        self.tops: dict[frozenset[str], list[int]] = {kind: [] for kind in (_SPECIAL, _SCOPE, _TABLE_SCOPE)}
        self.formatting: list[tuple[str, str]] = []  # (name, attributes) of each, and markers
        self.markers: list[int] = []  # their indexes in `formatting`
        self.dropped: Counter[str] = Counter()

    def start(self, name: str, attributes: str) -> bool:
        """Whether the start tag is kept."""
        if name in _NEVER_NESTED:
            return True
        stack = self.stack
        if stack and stack[-1] == "p" and name in _CLOSES_P:
            self._pop()
        closes = _CLOSES_CURRENT.get(name, ())
        while stack and stack[-1] in closes:
            self._pop()
        if name == "a" and self._listed("a") is not None:
            self._end_formatting("a")  # an <a> closes the open one
        tail = self._tail()
        waiting = len(self.formatting) - tail
        key = (name, attributes.strip())
        if name in _FORMATTING and self.formatting[tail:].count(key) >= _NOAHS_ARK:
            del self.formatting[self.formatting.index(key, tail)]
            waiting -= 1
        if len(stack) + waiting >= MAX_DEPTH or (name in _FORMATTING and waiting >= MAX_FORMATTING):
            self.dropped[name] += 1
            return False
        self._push(name)
        if name in _FORMATTING:
            self.formatting.append(key)
        elif name in _MARKERS:
            self.markers.append(len(self.formatting))
            self.formatting.append(_MARKER)
        return True

    def end(self, name: str) -> bool:
        """Whether the end tag is kept: the end tags of dropped start tags go with them."""
        if self.dropped.get(name):
            self.dropped[name] -= 1
            return False
        if name in _FORMATTING and self._end_formatting(name):
            return True
        scope = _TABLE_SCOPE if name in _TABLE_PARTS else _SCOPE
        position = self._in_scope(name, scope, ordinary=name not in _SPECIAL)
        if position is not None:
            while len(self.stack) > position:
                self._pop()
        return True

    def _in_scope(self, name: str, boundaries: frozenset[str], ordinary: bool = False) -> int | None:
        """Where `name` is open, if an end tag reaches it: not past a scoping element (for an
        ordinary element, past any special one)."""
        positions = self.where.get(name)
        if not positions:
            return None
        floor = max(self._top(boundaries), self._top(_SPECIAL) if ordinary else -1)
        return positions[-1] if positions[-1] >= floor else None

    def _top(self, kind: frozenset[str]) -> int:
        return self.tops[kind][-1] if self.tops[kind] else -1

    def _tail(self) -> int:
        """Where the entries since the last marker start: only those are ever re-opened."""
        return self.markers[-1] + 1 if self.markers else 0

    def _listed(self, name: str) -> int | None:
        """The last entry for `name` since the marker."""
        tail = self._tail()
        return next(
            (i for i in range(len(self.formatting) - 1, tail - 1, -1) if self.formatting[i][0] == name), None
        )

    def _end_formatting(self, name: str) -> bool:
        """HTML's adoption agency, as far as depth goes; False when `name` has no entry to close."""
        entry = self._listed(name)
        if entry is None:
            return False
        position = self._in_scope(name, _SCOPE)
        if position is None:
            if not self.where.get(name):
                del self.formatting[entry]  # closed already, only waiting to be re-opened
            return True
        if self._top(_SPECIAL) > position:  # the builder moves a copy under that block: keep counting it
            self.where[name].pop()
            self.stack[position] = _MOVED
            return True
        del self.formatting[entry]
        while len(self.stack) > position:
            self._pop()
        return True

    def _push(self, name: str) -> None:
        self.where[name].append(len(self.stack))
        for kind, tops in self.tops.items():
            if name in kind:
                tops.append(len(self.stack))
        self.stack.append(name)

    def _pop(self) -> None:
        """Pop the current element, and the moved copies it was holding."""
        while True:
            name = self.stack.pop()
            if name != _MOVED:
                self.where[name].pop()
                for kind, tops in self.tops.items():
                    if name in kind:
                        tops.pop()
            if name in _MARKERS:
                del self.formatting[self.markers.pop() :]
            if not self.stack or self.stack[-1] != _MOVED:
                return


def bound_nesting(html: str) -> str:
    """`html` without the start tags (and matching end tags) past MAX_DEPTH or MAX_FORMATTING.

    Each character is scanned a bounded number of times: an unclosed comment or tag ends the scan,
    as it swallows the rest of the document in HTML too.
    """
    builder = _Builder()
    kept: list[str] = []
    copied = index = 0
    while (index := html.find("<", index)) != -1:
        if html.startswith("<!--", index):
            end = html.find("-->", index + 4)
            if end == -1:
                break
            index = end + 3
            continue
        match = _TAG.match(html, index)
        if match is None:
            if _TAG_OPEN.match(html, index):
                break  # a tag that never closes: the rest is inside it
            if html.startswith(("<!", "<?", "</"), index):  # doctype or bogus comment, up to ">"
                end = html.find(">", index)
                if end == -1:
                    break
                index = end + 1
            else:
                index += 1
            continue
        closing, name, attributes = match.group(1), match.group(2).lower(), match.group(3)
        keep = builder.end(name) if closing else builder.start(name, attributes)
        if not keep:
            kept.append(html[copied:index])
            copied = match.end()
        index = match.end()
        if not closing and name in _RAW_TEXT:
            found = _raw_text_end(name).search(html, index)
            if found is None:
                break
            index = found.start()
        elif not closing and name == "plaintext":
            break
    kept.append(html[copied:])
    return "".join(kept)
