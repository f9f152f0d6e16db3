import pytest

from chalicelib.mail.addresses import plus_parts, split_address, without_plus_tag
from chalicelib.mail.autoreply import normalised_address
from chalicelib.mail.threading import ticket_number_in_address


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("ann@example.com", ("ann", "example.com")),
        ('"x@y"@example.com', ('"x@y"', "example.com")),
        ("a@b@example.com", ("a@b", "example.com")),
        ("example.com", ("", "example.com")),
        ("", ("", "")),
    ],
)
def test_split_address_takes_the_domain_after_the_last_at(address, expected):
    assert split_address(address) == expected


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("a+b@c", ("a", "b", "c")),
        ("ann@example.com", ("ann", None, "example.com")),
        ("a+@c", ("a", "", "c")),
        ("a+b+c@d", ("a", "b+c", "d")),
        ('"x@y"+1@c', ('"x@y"', "1", "c")),
        ('"a+b"@c', ('"a+b"', None, "c")),
        ('"a+b"+7@c', ('"a+b"', "7", "c")),
        ("a+b@x@c", ("a", "b@x", "c")),
        ("a@b+x@c", ("a@b", "x", "c")),
        ("+x@c", ("", "x", "c")),
        ("no-at-sign+x", ("", None, "no-at-sign+x")),
    ],
)
def test_plus_parts_tag_starts_at_the_local_parts_first_plus(address, expected):
    assert plus_parts(address) == expected


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("ann+x@example.com", "ann@example.com"),
        ("ann@example.com", "ann@example.com"),
        ('"x@y"+1@c', '"x@y"@c'),
        ("a+b@x@c", "a@c"),
        ("Ann+X@Example.com", "Ann@Example.com"),  # case is the caller's to fold
        ("a+b", "a+b"),  # not an address: left as it is
    ],
)
def test_without_plus_tag(address, expected):
    assert without_plus_tag(address) == expected


def test_the_rules_that_use_the_parts_agree_on_several_at_signs():
    # One parse everywhere: the acknowledgement limit's key and the ticket address read the same parts.
    assert normalised_address(' "X@Y"+1@Example.COM ') == '"x@y"@example.com'
    assert ticket_number_in_address("support+42@x@example.com", "support@example.com") is None
    assert ticket_number_in_address("support+42@example.com", "Support@Example.com") == 42
    assert ticket_number_in_address('"support+42"@example.com', "support@example.com") is None
