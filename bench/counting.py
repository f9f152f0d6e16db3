"""Counting AWS requests with a botocore event hook, per operation."""

from __future__ import annotations

import collections
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class RequestCounter:
    """A `before-parameter-build` hook (it sees the API parameters): one count per AWS API request,
    by service and operation, and the items each DynamoDB write touches, by table. A presigned URL
    or POST passes the same hook but is signed locally and sends nothing: it is not counted."""

    def __init__(self) -> None:
        self.counts: collections.Counter[str] = collections.Counter()
        self.item_writes: collections.Counter[tuple[str, bool]] = collections.Counter()

    def __call__(self, model: Any, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        if context.get("is_presign_request"):
            return
        self.counts[f"{model.service_model.service_name}:{model.name}"] += 1
        if model.name == "TransactWriteItems":
            for item in params["TransactItems"]:
                action = next(iter(item.values()))
                if "ConditionCheck" not in item:
                    self.item_writes[(action["TableName"], True)] += 1
        elif model.name in ("PutItem", "UpdateItem", "DeleteItem"):
            self.item_writes[(params["TableName"], False)] += 1

    @contextmanager
    def measure(self) -> Iterator[collections.Counter[str]]:
        """The requests made inside the block."""
        before = self.counts.copy()
        delta: collections.Counter[str] = collections.Counter()
        yield delta
        delta.update(self.counts - before)


def install() -> RequestCounter:
    """Register on every botocore session created from now on (boto3's and PynamoDB's alike)."""
    from botocore.handlers import BUILTIN_HANDLERS

    counter = RequestCounter()
    BUILTIN_HANDLERS.append(("before-parameter-build", counter))
    return counter
