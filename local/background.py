"""Periodic jobs in threads: the outbox writer, state snapshots, and later the SQS/schedule pollers.

A poller for a queue or a schedule is one `Periodic(name, interval, job)`; `stop()` runs the job a
last time (or `final`, when stopping needs something stronger), so nothing is left half done.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("local.background")


class Periodic:
    def __init__(
        self, name: str, interval_s: float, job: Callable[[], None], final: Callable[[], None] | None = None
    ) -> None:
        self._name, self._interval_s, self._job = name, interval_s, job
        self._final = final or job
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()
        self._final()

    def _loop(self) -> None:
        while not self._stopping.wait(self._interval_s):
            try:
                self._job()
            except Exception:
                log.exception("%s failed; trying again in %.1f s", self._name, self._interval_s)
