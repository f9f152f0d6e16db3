"""Reading a failed DynamoDB write: a race (a condition another writer made false, a conflicting
transaction) or anything else (throttling, an invalid or oversized item, a missing table).

Only a race may be reported as "changed by someone else" or retried on a fresh read; anything else
propagates as it is, so the web layer logs it and answers 5xx instead of sending the caller to
reload a page that will fail the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from pynamodb.exceptions import DeleteError, PutError, TransactWriteError, UpdateError

WriteError = PutError | UpdateError | DeleteError | TransactWriteError
WRITE_ERRORS = (PutError, UpdateError, DeleteError, TransactWriteError)
# A single-item write's error code, and a transaction's cancellation reason, for a false condition.
_CONDITION_CODE = "ConditionalCheckFailedException"
_CONDITION_REASON = "ConditionalCheckFailed"
# Cancellation reasons another writer causes; any other reason fails the same way every time.
_RACE_REASONS = frozenset({_CONDITION_REASON, "TransactionConflict"})
_RACE_CODES = frozenset({_CONDITION_CODE, "TransactionConflictException"})
_T = TypeVar("_T")


def condition_failed(error: WriteError, item: int | None = None) -> bool:
    """The write was refused because a condition did not hold: for a transaction, the condition
    of its `item`-th item or of any item when `item` is None; for a single-item write (Put,
    Update, Delete) its one condition (`item` None or 0).

    A transaction's items count in the order PynamoDB sends them: its condition checks, deletes,
    saves, then updates, each kind in the order written (negative counts from the end).
    """
    if not isinstance(error, TransactWriteError):
        return item in (None, 0) and error.cause_response_code == _CONDITION_CODE
    reasons = error.cancellation_reasons
    if item is None:
        return any(reason is not None and reason.code == _CONDITION_REASON for reason in reasons)
    if not -len(reasons) <= item < len(reasons):
        return False
    reason = reasons[item]
    return reason is not None and reason.code == _CONDITION_REASON


def is_race(error: WriteError) -> bool:
    """Another writer got there first (a condition failed, a transaction conflicted) and nothing
    else went wrong: read again and retry, or tell the caller it changed meanwhile."""
    if error.cause_response_code in _RACE_CODES:
        return True
    if not isinstance(error, TransactWriteError):
        return False
    codes = {reason.code for reason in error.cancellation_reasons if reason is not None}
    return bool(codes) and codes <= _RACE_REASONS


def retry_on_race(attempt: Callable[[int], _T], attempts: int, exhausted: Exception | None = None) -> _T:
    """`attempt(n)` for n = 0, 1, … until one returns: a race starts the next attempt (which reads
    afresh what attempt 0 was given), any other failure propagates at once. When every attempt
    raced, `exhausted` is raised from the last race (the race itself when None)."""
    for n in range(attempts):
        try:
            return attempt(n)
        except WRITE_ERRORS as error:
            if not is_race(error):
                raise
            if n + 1 == attempts:
                if exhausted is None:
                    raise
                raise exhausted from error
    raise ValueError("retry_on_race needs at least one attempt")
