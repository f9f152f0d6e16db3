import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.mail.threading import (
    MAX_IDS,
    MAX_REFERENCES,
    extended_references,
    message_ids,
    new_message_id,
    normalise_message_id,
    plus_address,
    reply_subject,
    ses_message_ids,
    thread_key,
    ticket_number_in_address,
    ticket_number_in_subject,
)
from chalicelib.mail.wire import is_outbound_id


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<ABC@Example.COM>", "<ABC@Example.COM>"),
        ("  <abc@example.com>  (a comment)", "<abc@example.com>"),
        ("(comment (nested)) <x@y>", "<x@y>"),
        ("abc@example.com", "<abc@example.com>"),
        ("<first@x> <second@x>", "<first@x>"),
        ("<no-at-sign>", "<no-at-sign>"),
        ("Bare.Id.1234@Example.com (no brackets)", "<Bare.Id.1234@Example.com>"),
        ("(unclosed <x@y>", None),
        (r"(a \) b) <x@y>", "<x@y>"),
        ("", None),
        (None, None),
        ("   ", None),
        ("<>", None),
        ("< >", None),
        ("two words", None),
        ("<a b@c>", None),
        ("<a\x00b@c>", None),
        ("<" + "x" * 600 + "@c>", None),
    ],
)
def test_normalise_message_id(value, expected):
    assert normalise_message_id(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<a@x> <b@x>", ("<a@x>", "<b@x>")),
        ("<a@x>,<B@X>, c@x (comment <d@x>) <A@x>", ("<a@x>", "<B@X>", "<c@x>")),
        ('Your message of "Mon" <parent@x>', ("<parent@x>",)),
        ("<a@x>\r\n <b@x>", ("<a@x>", "<b@x>")),
        ("garbage words only", ()),
        ("<a@x> <broken@x <c@x>", ("<a@x>", "<broken@x>", "<c@x>")),
        ("", ()),
        (None, ()),
    ],
)
def test_message_ids(value, expected):
    assert message_ids(value) == expected


@given(st.text(max_size=300))
@settings(max_examples=200)
def test_message_ids_are_normalised_and_unique(value):
    ids = message_ids(value)
    assert len(ids) == len({thread_key(i) for i in ids})
    assert all(normalise_message_id(i) == i for i in ids)


def test_gmail_ids_keep_their_case_and_index_lower_cased():
    """Headers we send must repeat the id exactly; the index matches ids re-cased by clients."""
    gmail = "<CA+AbC=x_Yz@mail.gmail.com>"
    assert normalise_message_id(gmail) == gmail
    assert message_ids(f"<first@x> {gmail}") == ("<first@x>", gmail)
    assert thread_key(gmail) == "<ca+abc=x_yz@mail.gmail.com>"


def test_non_ascii_ids_are_kept_for_the_index_but_cannot_go_out():
    assert normalise_message_id("<é1@x.com>") == "<é1@x.com>"
    assert not is_outbound_id("<é1@x.com>")
    assert is_outbound_id("<CA+AbC@mail.gmail.com>")


@pytest.mark.parametrize(
    "value",
    [
        "(" * 40_000 + ")" * 40_000,
        "(" * 40_000 + "<a@b>",
        "(a)" * 30_000,
        " ".join(f"<id{n}@x.com>" for n in range(20_000)),
    ],
)
def test_hostile_id_headers_take_linear_time(value):
    started = time.perf_counter()
    message_ids(value)
    normalise_message_id(value)
    assert time.perf_counter() - started < 0.5


def test_long_references_keep_the_newest_ids():
    ids = [f"<id{n}@x.com>" for n in range(5000)]
    kept = message_ids(" ".join(ids))
    assert kept == tuple(ids[-MAX_IDS:])


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Re: Printer broken [#1042]", 1042),
        ("[# 7] hello", 7),
        ("hello [#42 ]", 42),
        ("Fwd: [#1] and [#2]", 2),
        ("[#0]", None),
        ("[#12345678901]", None),
        ("[#1234567890]", 1234567890),
        ("#1042 without brackets", None),
        ("[1042]", None),
        ("", None),
    ],
)
def test_ticket_number_in_subject(subject, expected):
    assert ticket_number_in_subject(subject) == expected


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("support+1042@example.com", 1042),
        ("Support+1042@EXAMPLE.com", 1042),
        ("support+1042@example.com.evil", None),
        ("support+1042@sub.example.com", None),
        ("other+1042@example.com", None),
        ("support@example.com", None),
        ("support+abc@example.com", None),
        ("support+0@example.com", None),
        ("support+12345678901@example.com", None),
        ("", None),
    ],
)
def test_ticket_number_in_address(address, expected):
    assert ticket_number_in_address(address, "support@example.com") == expected


def test_plus_address_round_trips():
    address = plus_address("support@example.com", 1042)
    assert address == "support+1042@example.com"
    assert ticket_number_in_address(address, "support@example.com") == 1042


@pytest.mark.parametrize(("mailbox", "number"), [("support", 1), ("support@example.com", 0)])
def test_plus_address_rejects_nonsense(mailbox, number):
    with pytest.raises(ValueError):
        plus_address(mailbox, number)


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Printer broken", "Re: Printer broken [#5]"),
        ("Re: Printer broken [#5]", "Re: Printer broken [#5]"),
        ("RE: AW: Fwd: Re[2]: Printer broken", "Re: Printer broken [#5]"),
        ("Aw: WG: SV: Antw: Fw: x", "Re: x [#5]"),
        ("Re: [#5] Re: Printer [#5] broken", "Re: Printer broken [#5]"),
        ("Re: Old [#3]", "Re: Old [#5]"),
        ("Reply needed", "Re: Reply needed [#5]"),
        ("  spaced\t\nout  ", "Re: spaced out [#5]"),
        ("", "Re: (no subject) [#5]"),
        ("Re:", "Re: (no subject) [#5]"),
        ("[#5]", "Re: (no subject) [#5]"),
    ],
)
def test_reply_subject(subject, expected):
    assert reply_subject(subject, 5) == expected


def test_the_first_mail_of_a_thread_answers_nothing():
    assert reply_subject("Re: Your order", 7, answering=False) == "Your order [#7]"


@given(st.text(max_size=120), st.integers(min_value=1, max_value=9_999_999_999))
@settings(max_examples=200)
def test_reply_subject_is_idempotent_and_tagged(subject, number):
    once = reply_subject(subject, number)
    assert reply_subject(once, number) == once
    assert ticket_number_in_subject(once) == number
    assert once.count(f"[#{number}]") == 1


def test_new_message_id_is_unique_and_normalised():
    first, second = new_message_id("Example.com", 42), new_message_id("example.com", 42)
    assert re.fullmatch(r"<helpdesk\.42\.[0-9a-f]{32}@example\.com>", first)
    assert first != second
    assert normalise_message_id(first) == first


def test_ses_message_ids_are_index_keys():
    assert ses_message_ids("0100018ABC-def", "eu-west-1") == (
        "<0100018abc-def@eu-west-1.amazonses.com>",
        "<0100018abc-def@email.amazonses.com>",
    )


def test_extended_references_keep_the_newest_ids_and_add_only_a_real_one():
    chain = [f"<{n}@x>" for n in range(MAX_REFERENCES)]
    assert extended_references(chain, "<new@x>") == [*chain[1:], "<new@x>"]
    assert extended_references(None, "<new@x>") == ["<new@x>"]
    assert extended_references(("<a@x>",), None) == ["<a@x>"]
    assert extended_references((), "") == []
