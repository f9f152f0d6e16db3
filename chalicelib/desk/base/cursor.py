"""Opaque paging cursors: DynamoDB's LastEvaluatedKey, encoded for a URL and checked on the way back."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from chalicelib.desk.base.errors import InvalidRequest

_ALLOWED_TYPES = {"S", "N"}


def encode_cursor(last_evaluated_key: dict[str, Any] | None) -> str | None:
    if not last_evaluated_key:
        return None
    data = json.dumps(last_evaluated_key, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def decode_cursor(cursor: str | None, key_names: frozenset[str]) -> dict[str, Any] | None:
    """The start key for the next page; a cursor from another query or a forged one is a 400."""
    if not cursor:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidRequest("cursor is not one this API returned") from None
    if not _is_key(data, key_names):
        raise InvalidRequest("cursor does not belong to this list")
    return data


def _is_key(data: object, key_names: frozenset[str]) -> bool:
    if not isinstance(data, dict) or set(data) != key_names:
        return False
    return all(
        isinstance(value, dict)
        and len(value) == 1
        and next(iter(value)) in _ALLOWED_TYPES
        and isinstance(next(iter(value.values())), str)
        for value in data.values()
    )
