"""Fixed-window rate limits in the counters table: one conditional UpdateItem per check, no race.

A window's item is `rate#<name>#<subject>#<window start>`; ADD 1 succeeds only while the count
is below the limit, so two concurrent requests can never both take the last slot. The item expires
(DynamoDB TTL on `expires_at`) once its window is over. A fixed window lets a burst of up to twice
the limit straddle a boundary, which is fine for keeping abuse down to a trickle.
"""

from __future__ import annotations

import time

from pynamodb.exceptions import UpdateError

from chalicelib.desk.base.transactions import condition_failed
from chalicelib.models import Ledger


def allow(name: str, subject: str, limit: int, window_seconds: int = 3600, now: float | None = None) -> bool:
    """Count one use of `name` by `subject` (an address, an IP); False once the window's limit is reached."""
    if limit <= 0:  # the condition below admits a first use whatever the limit: none is allowed here
        return False
    start = int((now if now is not None else time.time()) // window_seconds) * window_seconds
    counter = Ledger(key=f"rate#{name}#{subject.lower()}#{start}")
    try:
        counter.update(
            actions=[Ledger.value.add(1), Ledger.expires_at.set(start + window_seconds)],
            condition=Ledger.value.does_not_exist() | (Ledger.value < limit),
            add_version_condition=False,
        )
    except UpdateError as error:
        if condition_failed(error):
            return False
        raise
    return True
