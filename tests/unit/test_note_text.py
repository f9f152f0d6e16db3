"""How automatic notes show values a mail's sender chose (desk.base.note_text, pure)."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.desk.base.note_text import MAX_LISTED, MAX_VALUE_CHARS, from_mail, listed


def test_a_value_is_quoted_as_the_mail_wrote_it():
    assert from_mail("invoice 42.pdf") == '"invoice 42.pdf"'
    assert from_mail('say "hi".txt') == '"say \\"hi\\".txt"'
    assert from_mail("Bücher.pdf") == '"Bücher.pdf"'


def test_control_and_direction_characters_are_dropped():
    assert from_mail("invoice\u202efdp.exe") == '"invoicefdp.exe"'
    assert from_mail("a\r\nFake: note\x00\u2028b") == '"aFake: noteb"'
    assert from_mail("bad\udcffbytes") == '"badbytes"'


def test_a_long_value_is_cut():
    shown = from_mail("x" * 5000)
    assert len(shown) == MAX_VALUE_CHARS + 2 and shown.endswith('…"')


def test_a_long_list_says_how_many_more():
    names = [f"file{n}.exe" for n in range(47)]
    assert listed(names) == ", ".join(f'"file{n}.exe"' for n in range(MAX_LISTED)) + " and 37 more"
    assert listed(["a", "b"]) == '"a", "b"'


@given(st.text())
def test_nothing_invisible_survives(value):
    shown = from_mail(value)
    assert all(unicodedata.category(c) not in {"Cc", "Cf", "Cs", "Zl", "Zp"} for c in shown)
    shown.encode()  # storable: no lone surrogates
