"""Reading failed writes: errors built exactly as PynamoDB raises them from a DynamoDB response
(a VerboseClientError with the response's CancellationReasons, wrapped in the operation's error)."""

from __future__ import annotations

import pytest
from pynamodb.exceptions import (
    CancellationReason,
    DeleteError,
    PutError,
    TransactWriteError,
    UpdateError,
    VerboseClientError,
)

from chalicelib.desk.base.errors import Conflict
from chalicelib.desk.base.transactions import condition_failed, is_race, retry_on_race


def _cause(code: str, operation: str, reasons: tuple[str | None, ...] = ()) -> VerboseClientError:
    return VerboseClientError(
        {"Error": {"Code": code, "Message": f"{code} for the test"}},
        operation,
        {"request_id": "r1", "table_name": "tickets"},
        cancellation_reasons=(CancellationReason(code=r, message=r) if r else None for r in reasons),
    )


def cancelled(*reasons: str | None) -> TransactWriteError:
    """A TransactWriteItems cancelled with one reason per item ("None" items are None)."""
    cause = _cause("TransactionCanceledException", "TransactWriteItems", reasons)
    return TransactWriteError("Failed to write transaction items", cause)


def refused(code: str) -> TransactWriteError:
    """A TransactWriteItems refused as a whole (throttled, invalid, conflicting)."""
    return TransactWriteError("Failed to write transaction items", _cause(code, "TransactWriteItems"))


Single = PutError | UpdateError | DeleteError


def single(error_class: type[Single], code: str) -> Single:
    return error_class("Failed", _cause(code, "PutItem"))


def test_condition_failed_names_the_item_of_a_transaction() -> None:
    error = cancelled(None, "ConditionalCheckFailed", None)
    assert condition_failed(error)
    assert condition_failed(error, 1)
    assert not condition_failed(error, 0)
    assert not condition_failed(error, 2)
    assert not condition_failed(error, -1)
    assert condition_failed(error, -2)
    assert not condition_failed(error, 3)  # past the end: no such item
    assert condition_failed(cancelled("ConditionalCheckFailed"), 0)


@pytest.mark.parametrize("error_class", [PutError, UpdateError, DeleteError])
def test_condition_failed_on_a_single_item_write(error_class) -> None:
    assert condition_failed(single(error_class, "ConditionalCheckFailedException"))
    assert condition_failed(single(error_class, "ConditionalCheckFailedException"), 0)
    assert not condition_failed(single(error_class, "ConditionalCheckFailedException"), 1)
    assert not condition_failed(single(error_class, "ProvisionedThroughputExceededException"))
    assert not condition_failed(single(error_class, "ValidationException"))


def test_a_failure_other_than_a_condition_is_no_condition_failure() -> None:
    for error in (
        cancelled(None, "ThrottlingError"),
        cancelled("ValidationError"),
        refused("ValidationException"),
        refused("ProvisionedThroughputExceededException"),
        refused("ThrottlingException"),
        TransactWriteError("no cause at all"),
    ):
        assert not condition_failed(error)
        assert not is_race(error)


def test_a_race_is_a_failed_condition_or_a_conflict_and_nothing_else() -> None:
    assert is_race(cancelled(None, "ConditionalCheckFailed"))
    assert is_race(cancelled("TransactionConflict", None))
    assert is_race(cancelled("ConditionalCheckFailed", "TransactionConflict"))
    assert is_race(refused("TransactionConflictException"))
    assert is_race(single(UpdateError, "ConditionalCheckFailedException"))
    assert is_race(single(PutError, "TransactionConflictException"))
    # A condition failed, but another item is throttled: the same write would not go through.
    assert not is_race(cancelled("ConditionalCheckFailed", "ThrottlingError"))
    assert not is_race(cancelled(None, None))
    assert not is_race(single(PutError, "ThrottlingException"))


def test_retry_on_race_retries_a_race_with_the_attempt_number() -> None:
    seen: list[int] = []

    def attempt(n: int) -> str:
        seen.append(n)
        if n < 2:
            raise cancelled("TransactionConflict")
        return "written"

    assert retry_on_race(attempt, 5) == "written"
    assert seen == [0, 1, 2]


def test_retry_on_race_raises_what_is_no_race_at_once() -> None:
    seen: list[int] = []
    throttled = cancelled(None, "ThrottlingError")

    def attempt(n: int) -> str:
        seen.append(n)
        raise throttled

    with pytest.raises(TransactWriteError) as raised:
        retry_on_race(attempt, 5, Conflict("changed meanwhile"))
    assert raised.value is throttled
    assert seen == [0]


def test_retry_on_race_gives_up_after_its_attempts() -> None:
    seen: list[int] = []

    def attempt(n: int) -> str:
        seen.append(n)
        raise cancelled("ConditionalCheckFailed")

    with pytest.raises(Conflict) as gave_up:
        retry_on_race(attempt, 3, Conflict("changed meanwhile"))
    assert isinstance(gave_up.value.__cause__, TransactWriteError)
    assert seen == [0, 1, 2]
    with pytest.raises(TransactWriteError):
        retry_on_race(attempt, 2)  # no `exhausted`: the last race itself
