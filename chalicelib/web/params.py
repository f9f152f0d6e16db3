"""Request bodies, forms, query strings and path segments parsed into the typed values services take.

Every route of the web edge (api.py, pages/, public/) reads its input through these, once; a bad
value is an InvalidRequest (400) naming the field, with the wording the API has always used.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TypeVar

from chalice.app import Request

from chalicelib.desk import reports
from chalicelib.desk.base.errors import InvalidRequest, NotFound, TooLarge

MAX_TICKET_DIGITS = 12
VERSION_REQUIRED = "version (integer) is required: send the version you last read"

_Choice = TypeVar("_Choice", bound=str | int)


def ticket_number(number: str) -> int:
    """A ticket number from a URL segment; anything else is a ticket that does not exist (404)."""
    if not number.isdigit() or len(number) > MAX_TICKET_DIGITS:
        raise NotFound(f"ticket #{number} does not exist")
    return int(number)


def raw_body(request: Request) -> bytes:
    """The body as bytes (Chalice types it `str | bytes`; the local server and Lambda give bytes)."""
    raw = request.raw_body or b""
    return raw.encode() if isinstance(raw, str) else raw


def query(request: Request) -> dict[str, str]:
    """The query string's values (the last of a repeated name), empty without one."""
    return {str(name): str(value) for name, value in (request.query_params or {}).items()}


def json_object(raw: bytes, max_bytes: int) -> dict[str, object]:
    """A JSON request body, which must be an object."""
    if len(raw) > max_bytes:
        raise TooLarge(f"request body is larger than {max_bytes // 1024} KB")
    try:
        data: object = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise InvalidRequest("request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise InvalidRequest("request body must be a JSON object")
    return {str(name): value for name, value in data.items()}


def one_of(value: object, choices: tuple[_Choice, ...], name: str) -> _Choice:
    """`value` if it is one of `choices` (a Literal's values), typed as such."""
    for choice in choices:
        if value == choice and type(value) is type(choice):
            return choice
    raise InvalidRequest(f"{name} must be one of {', '.join(map(str, choices))}")


def optional_one_of(value: object, choices: tuple[_Choice, ...], name: str) -> _Choice | None:
    """Like one_of; absent (None or an empty form field) is None."""
    return None if value is None or value == "" else one_of(value, choices, name)


def text(value: object, message: str) -> str:
    """A string field of a JSON body (its content is the service's to judge)."""
    if not isinstance(value, str):
        raise InvalidRequest(message)
    return value


def field(value: object) -> str:
    """A credential-like JSON field: anything but a string reads as absent (""), which the service
    then reports as required."""
    return value if isinstance(value, str) else ""


def json_int(value: object, message: str) -> int:
    """A JSON integer (true and false are not numbers here)."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidRequest(message)
    return value


def version(value: object) -> int:
    """The ticket version the agent last read: required wherever a change must not overwrite."""
    return json_int(value, VERSION_REQUIRED)


def optional_version(value: object) -> int | None:
    return None if value is None else json_int(value, "version must be an integer")


def form_number(value: str) -> int | None:
    """A whole number typed or carried in a form or query string; anything else is None."""
    value = value.strip()
    return int(value) if value.isdigit() and len(value) <= MAX_TICKET_DIGITS else None


def query_number(values: Mapping[str, str], name: str, default: int) -> int:
    """A whole-number query parameter, `default` when absent."""
    found = form_number(values.get(name, str(default)))
    if found is None:
        raise InvalidRequest(f"{name} must be a number")
    return found


def period(values: Mapping[str, str]) -> reports.Period:
    """A report's `days`, one of its periods (30 when absent)."""
    return one_of(form_number(values.get("days", "30")), reports.PERIODS, "days")
