"""Branding as an admin submits it: what is accepted, what is refused, what a stored value reads as."""

from __future__ import annotations

import pytest

from chalicelib.desk.base.errors import InvalidRequest
from chalicelib.desk.setup.branding import Branding, checked, from_json


def test_a_good_branding_is_kept_tidy():
    brand = checked(" Acme Support ", "https://acme.test/logo.png", "#A1B2C3", "Acme Ltd\r\nBerlin")
    assert brand == Branding("Acme Support", "https://acme.test/logo.png", "#a1b2c3", "Acme Ltd\nBerlin")
    assert from_json(brand.to_json()) == brand


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (("", "", "#000000", ""), "name"),
        (("A", "http://acme.test/logo.png", "#000000", ""), "https"),
        (("A", 'https://acme.test/x" onerror="alert(1)', "#000000", ""), "https"),
        (("A", "", "red", ""), "colour"),
        (("A", "", "#000000;}body{display:none", ""), "colour"),
        (("A", "", "#000000", "x" * 1001), "footer"),
    ],
)
def test_bad_values_are_refused_by_field(fields, message):
    with pytest.raises(InvalidRequest, match=message):
        checked(*fields)


def test_an_unreadable_stored_value_falls_back_to_the_defaults():
    assert from_json("not json") == Branding()
    assert from_json('{"name": "Acme", "evil": 1}') == Branding(name="Acme")
