"""Sender authentication from SES's verdicts and its Authentication-Results header (pure)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.mail.authentication import Result, authenticated, parse, ses_header, within

# As SES writes it on inbound mail (spf comment and properties included).
SES = (
    "amazonses.com; spf=pass (spfCheck: domain of customer.test designates 192.0.2.7 as permitted sender) "
    "client-ip=192.0.2.7; envelope-from=ann@customer.test; helo=mail.customer.test; "
    "dkim=pass header.i=@customer.test; dkim=pass header.i=@amazonses.com; "
    "dmarc=pass header.from=customer.test;"
)
PASSED = {"spf": "PASS", "dkim": "PASS", "dmarc": "PASS"}
OURS = {"example.com"}


def test_parse_reads_ses_s_header():
    server, results = parse(SES)
    assert server == "amazonses.com"
    # SES ends its SPF part's `envelope-from=` and `helo=` with ";" too: read as statements of
    # their own, of no method that counts.
    assert [(r.method, r.result) for r in results] == [
        ("spf", "pass"),
        ("envelope-from", "ann@customer.test"),
        ("helo", "mail.customer.test"),
        ("dkim", "pass"),
        ("dkim", "pass"),
        ("dmarc", "pass"),
    ]
    assert results[0].properties == {"client-ip": "192.0.2.7"}
    assert results[3].properties == {"header.i": "@customer.test"}
    assert results[5].properties == {"header.from": "customer.test"}


def test_quoted_strings_and_comments_cannot_start_a_result_of_their_own():
    value = (
        'amazonses.com; spf=pass envelope-from="x; dkim=pass header.i=@victim.test"@evil.test '
        "(a comment; dmarc=pass header.from=victim.test); dkim=pass header.i=@evil.test"
    )
    _, results = parse(value)
    assert [r.method for r in results] == ["spf", "dkim"]
    assert results[0].properties["envelope-from"] == "x; dkim=pass header.i=@victim.test@evil.test"
    assert results[1] == Result("dkim", "pass", {"header.i": "@evil.test"})


@given(st.text())
def test_parse_never_raises(value):
    parse(value)


def test_only_the_topmost_header_and_only_ses_s_counts():
    forged = ("Authentication-Results", "amazonses.com; dkim=pass header.i=@victim.test")
    assert ses_header([("From", "a@b.test"), ("Authentication-Results", SES), forged]) == SES
    assert ses_header([("Authentication-Results", "mx.other.test; dkim=pass"), forged]) == ""
    assert ses_header([("authentication-results", "AmazonSES.com 1; dmarc=pass")]) != ""
    assert ses_header([("From", "a@b.test")]) == ""


def test_dmarc_pass_authenticates_the_from_domain_it_names():
    assert authenticated("ann@customer.test", PASSED, SES, OURS)
    assert authenticated("Ann@Customer.TEST", PASSED, SES, OURS)
    assert not authenticated(
        "ann@other.test", {"dmarc": "PASS"}, SES, OURS
    )  # the header names another domain


@pytest.mark.parametrize(
    ("from_address", "signer", "expected"),
    [
        ("ann@customer.test", "header.i=@customer.test", True),
        ("ann@mail.customer.test", "header.i=@customer.test", True),  # a parent domain signed
        ("ann@customer.test", "header.d=customer.test", True),
        (
            "ann@customer.test",
            "header.i=@mail.customer.test",
            False,
        ),  # a subdomain may not speak for its parent
        ("ann@customer.test", "header.i=@evil.test", False),
        ("ann@notcustomer.test", "header.i=@customer.test", False),
        ("ann@customer.test", "", False),
    ],
)
def test_dkim_counts_when_the_from_domain_is_the_signer_or_below_it(from_address, signer, expected):
    header = f"amazonses.com; spf=none; dkim=pass {signer}; dmarc=none header.from=customer.test"
    assert authenticated(from_address, {"dkim": "PASS", "dmarc": "GRAY"}, header, OURS) is expected


def test_the_verdicts_and_the_header_must_agree():
    assert not authenticated("ann@customer.test", {"dkim": "GRAY", "dmarc": "GRAY"}, SES, OURS)
    assert not authenticated("ann@customer.test", PASSED, "", OURS)  # no header SES added
    failing = (
        "amazonses.com; spf=pass; dkim=fail header.i=@customer.test; dmarc=fail header.from=customer.test"
    )
    assert not authenticated("ann@customer.test", PASSED, failing, OURS)


def test_spf_alone_proves_nothing():
    header = "amazonses.com; spf=pass envelope-from=ann@customer.test; dkim=none; dmarc=none"
    assert not authenticated("ann@customer.test", {"spf": "PASS"}, header, OURS)


def test_our_own_domains_need_dmarc_pass():
    signed = "amazonses.com; dkim=pass header.i=@example.com; dmarc=none header.from=example.com"
    assert not authenticated("boss@example.com", {"dkim": "PASS", "dmarc": "GRAY"}, signed, OURS)
    assert not authenticated("boss@eu.example.com", {"dkim": "PASS"}, signed, OURS)
    passed = "amazonses.com; dkim=pass header.i=@example.com; dmarc=pass header.from=example.com"
    assert authenticated("boss@example.com", PASSED, passed, OURS)


def test_an_unusable_from_is_never_authenticated():
    assert not authenticated("", PASSED, SES, OURS)
    assert not authenticated("customer.test", PASSED, SES, OURS)


def test_international_domains_compare_in_their_ascii_form():
    header = "amazonses.com; dkim=pass header.i=@xn--bcher-kva.de; dmarc=pass header.from=xn--bcher-kva.de"
    assert authenticated("kim@bücher.de", PASSED, header, OURS)


def test_within():
    assert within("a.example.com", "example.com") and within("example.com", "example.com")
    assert not within("badexample.com", "example.com") and not within("example.com", "")
