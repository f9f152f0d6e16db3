"""Domain errors. The web layer maps each to its HTTP status; the services never see HTTP."""

from __future__ import annotations


class DeskError(Exception):
    """A request the help desk refuses, with a message fit to show to the caller."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidRequest(DeskError):
    status, code = 400, "invalid_request"


class Unauthorized(DeskError):
    status, code = 401, "unauthorized"


class Forbidden(DeskError):
    status, code = 403, "forbidden"


class NotFound(DeskError):
    status, code = 404, "not_found"


class Conflict(DeskError):
    status, code = 409, "conflict"


class Gone(DeskError):
    status, code = 410, "gone"


class Unprocessable(DeskError):
    """Well-formed, but not what this request may do (an idempotency key reused for another request)."""

    status, code = 422, "unprocessable"


class TooMany(DeskError):
    status, code = 429, "too_many_requests"


class TooLarge(DeskError):
    status, code = 413, "too_large"


class DeliveryFailed(DeskError):
    status, code = 502, "delivery_failed"
