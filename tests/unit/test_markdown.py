"""Article Markdown renders to HTML that cannot run anything, whatever an author pastes in."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.web.markdown import to_html

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](javascript&#58;alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<javascript:alert(1)>",
    "[x][1]\n\n[1]: javascript:alert(1)",
    '![x](https://i.test/a.png" onerror="alert(1))',
    "<style>body{background:url(https://evil.test)}</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<iframe src=https://evil.test></iframe>",
    "<svg onload=alert(1)>",
    "`<script>` **<b onmouseover=alert(1)>bold</b>**",
]
_RUNNABLE = re.compile(r"<script|<iframe|<svg|<style|\son\w+\s*=|style\s*=|(?:java|vb)script:|data:", re.I)


def test_markdown_renders_the_usual_things():
    html = to_html("# Reset\n\n1. Open **Settings**\n2. Click [Reset](https://x.test/reset)\n\n`code`")
    assert "<h1>Reset</h1>" in html and "<ol>" in html and "<strong>Settings</strong>" in html
    assert '<a href="https://x.test/reset" rel="noopener noreferrer nofollow">Reset</a>' in html
    assert "<code>code</code>" in html


def test_tables_images_and_help_center_links_survive():
    html = to_html("| a | b |\n|---|---|\n| 1 | 2 |\n\n![shot](https://i.test/a.png) [next](/help/next)")
    assert "<table>" in html and '<img src="https://i.test/a.png" alt="shot">' in html
    assert 'href="/help/next"' in html


def test_raw_html_is_shown_as_text():
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in to_html("<script>alert(1)</script>")


def test_nothing_hostile_reaches_the_page():
    for text in HOSTILE:
        html = to_html(text)
        tags_and_attributes = " ".join(re.findall(r"<[^>]*>", html))
        assert not _RUNNABLE.search(tags_and_attributes), (text, html)


@given(st.lists(st.sampled_from([*HOSTILE, "[a](", "](", "<", ">", "\n", "`", "*", "x"]), max_size=12))
def test_no_mix_of_hostile_pieces_reaches_the_page(pieces):
    html = to_html("".join(pieces))
    assert not _RUNNABLE.search(" ".join(re.findall(r"<[^>]*>", html))), html
