"""The web edge's parsers: each typed value, and each bad input's error (status and wording)."""

import json
import re

import pytest
from chalice.app import Request

from chalicelib.desk import reports
from chalicelib.desk.agent_work.replies import REPLY_STATUSES
from chalicelib.desk.base.errors import InvalidRequest, NotFound, TooLarge
from chalicelib.desk.setup.admin import ROLES
from chalicelib.desk.ticket.records import PRIORITIES, STATUSES
from chalicelib.sla.policy import PRIORITIES as SLA_PRIORITIES
from chalicelib.web import params


def exactly(message: str) -> str:
    return f"^{re.escape(message)}$"


def request(body: str | bytes | None = None, query: dict[str, str] | None = None) -> Request:
    event = {
        "multiValueQueryStringParameters": {k: [v] for k, v in (query or {}).items()} or None,
        "headers": {"content-type": "application/json"},
        "pathParameters": {},
        "requestContext": {"httpMethod": "POST", "resourcePath": "/x"},
        "body": body,
        "isBase64Encoded": False,
        "stageVariables": None,
    }
    return Request(event)


def test_ticket_numbers_are_digits_and_anything_else_is_a_404():
    assert params.ticket_number("42") == 42
    for bad in ("abc", "-1", "4 2", "", "1" * 13):
        with pytest.raises(NotFound, match="does not exist"):
            params.ticket_number(bad)


def test_a_body_is_bytes_whatever_chalice_hands_over():
    assert params.raw_body(request('{"a": 1}')) == b'{"a": 1}'
    assert params.raw_body(request(None)) == b""


def test_a_query_is_a_plain_string_map():
    assert params.query(request(query={"status": "open", "days": "7"})) == {"status": "open", "days": "7"}
    assert params.query(request()) == {}


def test_json_bodies_must_be_objects_within_the_size():
    assert params.json_object(b'{"body": "hi", "version": 3}', 1024) == {"body": "hi", "version": 3}
    assert params.json_object(b"", 1024) == {}
    with pytest.raises(InvalidRequest, match=exactly("request body is not valid JSON")):
        params.json_object(b"{not json", 1024)
    with pytest.raises(InvalidRequest, match=exactly("request body is not valid JSON")):
        params.json_object(b"\xff\xfe", 1024)
    with pytest.raises(InvalidRequest, match=exactly("request body must be a JSON object")):
        params.json_object(b"[1, 2]", 1024)
    with pytest.raises(TooLarge, match="larger than 1 KB"):
        params.json_object(json.dumps({"body": "x" * 2000}).encode(), 1024)


@pytest.mark.parametrize(
    ("choices", "good", "bad", "message"),
    [
        (
            STATUSES,
            "on_hold",
            "deleted",
            "status must be one of new, open, pending, on_hold, solved, closed, spam",
        ),
        (REPLY_STATUSES, "solved", "new", "status must be one of open, pending, on_hold, solved, closed"),
        (PRIORITIES, "urgent", "critical", "priority must be one of low, normal, high, urgent"),
        (ROLES, "lead", "owner", "role must be one of agent, lead, admin"),
    ],
)
def test_literals_are_one_of_their_values(choices, good, bad, message):
    name = message.split()[0]
    assert params.one_of(good, choices, name) == good
    assert params.optional_one_of(None, choices, name) is None
    assert params.optional_one_of("", choices, name) is None
    for wrong in (bad, 1, ["open"], None):
        with pytest.raises(InvalidRequest, match=exactly(message)):
            params.one_of(wrong, choices, name)


def test_priorities_are_the_sla_cores_one_list():
    assert PRIORITIES is SLA_PRIORITIES
    assert STATUSES == ("new", "open", "pending", "on_hold", "solved", "closed", "spam")


def test_numbers_are_not_strings_or_booleans():
    assert params.json_int(7, "into bad") == 7
    for wrong in ("7", True, 7.0, None):
        with pytest.raises(InvalidRequest, match=exactly("into bad")):
            params.json_int(wrong, "into bad")


def test_versions_are_required_integers_or_optional_ones():
    assert params.version(3) == 3
    for wrong in (None, "3", False):
        with pytest.raises(InvalidRequest, match=r"^version \(integer\) is required"):
            params.version(wrong)
    assert params.optional_version(None) is None
    assert params.optional_version(0) == 0
    with pytest.raises(InvalidRequest, match=exactly("version must be an integer")):
        params.optional_version("3")


def test_form_numbers_are_digits_or_none():
    assert params.form_number("12") == 12
    assert params.form_number(" 12 ") == 12
    for wrong in ("", "x", "-3", "1.5", "1" * 13):
        assert params.form_number(wrong) is None


def test_query_numbers_default_and_refuse_words():
    assert params.query_number({}, "limit", 25) == 25
    assert params.query_number({"limit": "5"}, "limit", 25) == 5
    with pytest.raises(InvalidRequest, match=exactly("limit must be a number")):
        params.query_number({"limit": "lots"}, "limit", 25)


def test_report_periods():
    assert params.period({}) == 30
    assert params.period({"days": "7"}) == 7
    assert reports.PERIODS == (7, 30, 90)
    for wrong in ("8", "week", ""):
        with pytest.raises(InvalidRequest, match=exactly("days must be one of 7, 30, 90")):
            params.period({"days": wrong})


def test_text_fields():
    assert params.text("hello", "body must be non-empty text") == "hello"
    with pytest.raises(InvalidRequest, match=exactly("body must be non-empty text")):
        params.text(None, "body must be non-empty text")
    assert params.field("a@x.test") == "a@x.test"
    assert params.field(42) == params.field(None) == ""
