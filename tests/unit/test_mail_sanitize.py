from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.mail.nesting import MAX_DEPTH, MAX_FORMATTING
from chalicelib.mail.sanitize import (
    MAX_HTML_TO_TEXT,
    _TextExtractor,
    html_to_text,
    sanitize_html,
    text_to_html,
)

HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    '<img src="x" onerror="alert(1)">',
    '<body onload="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<p style="width:expression(alert(1))">x</p>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<iframe src="https://evil.example">x</iframe>',
    '<object data="x.swf"></object><embed src="x.swf">',
    '<svg onload="alert(1)"><script>alert(2)</script></svg>',
    '<img src="data:image/png;base64,iVBORw0KGgo=">',
    '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
    '<form action="https://evil.example"><input name="p"><button>Go</button></form>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    "<style>body{display:none}</style>",
    "<<script>script>alert(1)<</script>/script>",
    "<!-- <script>alert(1)</script> -->",
    '<math><mi xlink:href="javascript:alert(1)">m</mi></math>',
    '<base href="https://evil.example/">',
]
FORBIDDEN = (
    "<script",
    "onerror",
    "onload",
    "javascript:",
    "vbscript:",
    "expression(",
    "style=",
    "<iframe",
    "<object",
    "<embed",
    "<svg",
    "data:",
    "<form",
    "<input",
    "<meta",
    "<link",
    "<style",
    "<base",
)


@pytest.mark.parametrize("html", HOSTILE)
def test_sanitize_removes_active_content(html):
    cleaned = sanitize_html(html).lower()
    assert not [bad for bad in FORBIDDEN if bad in cleaned]


def test_sanitize_drops_content_of_dangerous_elements():
    cleaned = sanitize_html("<p>keep</p><script>steal()</script><style>p{}</style><iframe>frame</iframe>")
    assert cleaned == "<p>keep</p>"


def test_sanitize_keeps_formatting_tables_lists_links_and_images():
    html = (
        '<h1>T</h1><p><b>b</b> <i>i</i> <u>u</u></p><ul><li>one</li></ul><table><tr><td colspan="2">c</td>'
        '</tr></table><a href="https://example.org/x">link</a><img src="https://example.org/i.png" alt="i">'
        '<img src="cid:logo@x"><a href="mailto:a@example.org">mail</a>'
    )
    cleaned = sanitize_html(html)
    for kept in (
        "<h1>T</h1>",
        "<b>b</b>",
        "<li>one</li>",
        '<td colspan="2">c</td>',
        'src="cid:logo@x"',
        'src="https://example.org/i.png"',
        'href="mailto:a@example.org"',
    ):
        assert kept in cleaned
    assert '<a href="https://example.org/x" rel="noopener noreferrer nofollow">link</a>' in cleaned


def test_sanitize_strips_relative_urls():
    assert "href" not in sanitize_html('<a href="/admin">x</a>')


@given(st.text(max_size=500))
@settings(max_examples=200)
def test_sanitize_never_raises_and_never_keeps_script(text):
    assert "<script" not in sanitize_html(text).lower()
    assert isinstance(html_to_text(text), str)


class _Elements(HTMLParser):
    """What a browser would see as elements and attributes in sanitised output."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def assert_inert(html: str) -> None:
    for tag, attrs in _Elements(html).elements:
        assert tag not in {
            "script",
            "style",
            "iframe",
            "object",
            "embed",
            "svg",
            "form",
            "meta",
            "base",
            "link",
        }
        assert not [name for name in attrs if name.startswith("on") or name == "style"]
        for name in ("href", "src"):
            url = (attrs.get(name) or "").strip().lower()
            assert not url or url.split(":")[0] in {"http", "https", "mailto", "cid"}, url


@pytest.mark.parametrize("html", HOSTILE)
def test_hostile_output_is_inert(html):
    assert_inert(sanitize_html(html))


@given(
    st.lists(
        st.sampled_from(
            [
                "<",
                ">",
                "/",
                "script",
                "a",
                " href=",
                '"',
                "javascript:",
                "on",
                "error",
                "=",
                "'",
                "&#",
                "x",
                "iframe",
                "!--",
                "img",
                " src",
                ";",
                "style",
                "data:",
                "&#106;",
                "\t",
                "svg",
                " ",
            ]
        ),
        max_size=40,
    )
)
@settings(max_examples=200)
def test_sanitize_fragments_never_produce_active_content(parts):
    assert_inert(sanitize_html("".join(parts)))


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>one</p><p>two</p>", "one\n\ntwo"),
        ("a<br>b<br/>c", "a\nb\nc"),
        ("<ul><li>x</li><li>y</li></ul>", "- x\n- y"),
        ('<a href="https://e.org/p">page</a>', "page (https://e.org/p)"),
        ('<a href="https://e.org/p">https://e.org/p</a>', "https://e.org/p"),
        ('<a href="mailto:a@e.org">a@e.org</a>', "a@e.org"),
        ('<a href="javascript:x()">click</a>', "click"),
        ("<head><title>T</title></head><style>p{}</style><script>x()</script>body", "body"),
        ("fish &amp; chips &lt;3 &nbsp;&eacute;", "fish & chips <3 é"),
        ("<pre>  indented\n    code</pre>", "indented\n    code"),
        ("<div>a</div><div></div><div></div><div></div><div>b</div>", "a\nb"),
        ("<p>a</p>\n\n\n\n<p>b</p>", "a\n\nb"),
        ("<table><tr><td>a</td><td>b</td></tr></table>", "a  b"),
        ("   ", ""),
        ("unfinished <p", "unfinished <p"),
    ],
)
def test_html_to_text(html, expected):
    assert html_to_text(html) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello", "<p>hello</p>"),
        ("a\nb", "<p>a<br>\nb</p>"),
        ("a\r\n\r\n\r\nb", "<p>a</p>\n<p>b</p>"),
        ("<script>&", "<p>&lt;script&gt;&amp;</p>"),
        ("", ""),
    ],
)
def test_text_to_html(text, expected):
    assert text_to_html(text) == expected


def test_text_round_trips_through_html():
    text = "Hello <you>,\nline two\n\nSecond & last"
    assert html_to_text(text_to_html(text)) == text


class _Depth(HTMLParser):
    """The deepest nesting in well-formed HTML (sanitize_html's output)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.depth = self.deepest = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag not in ("br", "img", "hr", "col"):
            self.depth += 1
            self.deepest = max(self.deepest, self.depth)

    def handle_endtag(self, tag):
        self.depth -= 1


def test_deep_nesting_is_flattened_so_the_html_parser_stays_linear():
    cleaned = sanitize_html("<div><b>" * 5_000 + "deep text")
    assert _Depth(cleaned).deepest <= MAX_DEPTH
    assert cleaned.endswith("deep text" + "</b></div>" * (cleaned.count("<div>")))


def test_formatting_reopened_in_every_paragraph_does_not_multiply_the_output():
    html = "".join(f'<p><b title="{i}">x</p>' for i in range(2_000))
    cleaned = sanitize_html(html)
    assert cleaned.count("x") == 2_000
    assert len(cleaned) <= 10 * len(html)  # unbounded, each paragraph re-opens every <b> before it


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["<div>", "</div>", "<b>", '<b title="1">', "</b>", "<p>", "</p>", "<td>", "<table>", "x"]
        ),
        min_size=300,
        max_size=2_000,
    )
)
def test_tag_soup_never_nests_far_past_max_depth(tokens):
    assert _Depth(sanitize_html("".join(tokens))).deepest <= MAX_DEPTH + MAX_FORMATTING


def test_unclosed_tags_and_comments_do_not_make_html_to_text_quadratic(monkeypatch):
    rescans = []
    check = HTMLParser.check_for_whole_start_tag

    def counted(parser, i):
        end = check(parser, i)
        if end < 0:  # incomplete: the parser scanned to the end of the document, and will again
            rescans.append(i)
        return end

    monkeypatch.setattr(HTMLParser, "check_for_whole_start_tag", counted)
    assert html_to_text("text " + "<a x " * 2_000) == "text " + " ".join(["<a x"] * 2_000)
    assert html_to_text("text<!--" * 2_000) == "text<!--" * 2_000  # as before: cut-off markup is text
    assert rescans == []


class _CountingParts(list):
    """The extractor's parts, counting how many are read back: re-joins per link show up here."""

    read = 0

    def __getitem__(self, index):
        item = super().__getitem__(index)
        _CountingParts.read += len(item) if isinstance(index, slice) else 1
        return item


def _parts_read(links: int) -> int:
    extractor = _TextExtractor()
    extractor.parts = _CountingParts()
    _CountingParts.read = 0
    extractor.feed('<a href="https://e.org/">x' * links + "</a>" * links)
    extractor.close()
    return _CountingParts.read


def test_nested_links_do_not_make_html_to_text_quadratic():
    assert _parts_read(4_000) <= 4 * _parts_read(1_000) + 100


def test_html_to_text_reads_the_first_max_html_to_text_characters():
    html = "<p>" + "word " * (MAX_HTML_TO_TEXT // 5) + "</p><p>past the cap</p>"
    assert "past the cap" not in html_to_text(html)
    assert html_to_text(html) == html_to_text(html[:MAX_HTML_TO_TEXT])
