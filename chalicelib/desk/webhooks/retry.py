"""How long a failed delivery waits before its next attempt, and how many attempts cover a day.

SQS does the waiting: the delivery handler sets the failed message's visibility timeout to
`backoff_s(receive count)`, doubling from the base up to SQS's maximum of 12 hours, and the queue's
maxReceiveCount (`receives_for`) lets a message be tried until the retry window has passed before
it moves to the dead-letter queue. infra/ and the local runtime size their queues with the same
function, so the deployed base (60 s) and the local one (1 s, seconds-long tests) each get a
maxReceiveCount that covers their window.
"""

from __future__ import annotations

MAX_VISIBILITY_S = 12 * 3600  # SQS refuses a longer visibility timeout
RETRY_WINDOW_S = 24 * 3600  # retried for at least this long; an endpoint failing this long is disabled


def backoff_s(receive_count: int, base_s: int) -> int:
    """The wait after the `receive_count`-th attempt failed (1, 2, 3 …: base, twice it, four times …)."""
    exponent = min(max(receive_count, 1) - 1, 40)
    return min(base_s * 2**exponent, MAX_VISIBILITY_S)


def receives_for(window_s: int, base_s: int) -> int:
    """The fewest attempts whose waits in between add up to `window_s`: the queue's maxReceiveCount.
    The last attempt then starts no earlier than `window_s` after the first."""
    attempts, waited = 1, 0
    while waited < window_s:
        waited += backoff_s(attempts, base_s)
        attempts += 1
    return attempts
