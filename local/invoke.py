"""Asynchronous Lambda invocation as AWS does it: retried twice, then sent to the failure destination.

The handler runs in a worker thread, after the caller (the SMTP receiver) has already answered;
a failure after the retries is written to `<state>/dead-letter/<name>.json` with the event, so it
can be inspected and replayed, and is logged.
"""

from __future__ import annotations

import json
import logging
import time
import traceback
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from local.files import write_atomically

log = logging.getLogger("local.invoke")
RETRIES = 2


@dataclass
class LambdaContext:
    """The attributes of Lambda's context object that handlers and powertools read."""

    function_name: str
    timeout_s: int = 120
    memory_limit_in_mb: int = 1024
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    _deadline: float = field(default=0.0, init=False, repr=False)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:123456789012:function:helpdesk-local-{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/helpdesk-local-{self.function_name}"

    def start_attempt(self) -> None:
        self._deadline = time.monotonic() + self.timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class AsyncInvoker:
    """Runs handlers off the caller's thread, with Lambda's retry and on-failure semantics."""

    def __init__(self, dead_letter_dir: Path, backoff_s: float = 0.5, workers: int = 4) -> None:
        self._dead_letter_dir = dead_letter_dir
        self._backoff_s = backoff_s
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lambda")

    def invoke(
        self, name: str, handler: Callable[[Any, Any], Any], event: dict[str, Any], failure_key: str
    ) -> Future[None]:
        """Queue one invocation; a final failure is stored as `<failure_key>.json`."""
        return self._pool.submit(self._run, name, handler, event, failure_key)

    def _run(
        self, name: str, handler: Callable[[Any, Any], Any], event: dict[str, Any], failure_key: str
    ) -> None:
        context = LambdaContext(function_name=name)  # retries of one event keep its request id, as in AWS
        for attempt in range(RETRIES + 1):
            context.start_attempt()
            try:
                handler(event, context)
                return
            except Exception as error:
                log.warning("%s attempt %d failed: %r", name, attempt + 1, error)
                if attempt == RETRIES:
                    self._dead_letter(name, event, failure_key, error, context)
                    return
                time.sleep(self._backoff_s * 2**attempt)

    def _dead_letter(
        self, name: str, event: dict[str, Any], key: str, error: Exception, context: LambdaContext
    ) -> None:
        path = self._dead_letter_dir / f"{key}.json"
        record = {
            "function": name,
            "requestId": context.aws_request_id,
            "failedAt": datetime.now(UTC).isoformat(),
            "attempts": RETRIES + 1,
            "error": repr(error),
            "traceback": traceback.format_exception(error),
            "event": event,
        }
        write_atomically(path, json.dumps(record, indent=2).encode())
        log.error("%s failed %d times; event kept in %s", name, RETRIES + 1, path)

    def stop(self) -> None:
        """Finish what was accepted: SES already answered 250 for it."""
        self._pool.shutdown(wait=True)
