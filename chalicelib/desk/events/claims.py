"""At most once per event and consumer, without losing one to a crash: claims in the counters table.

A consumer's delivery of an event is the item `event#<event id>#<consumer>`. Before calling the
consumer, `claim` sets it to `running` with a lease (one conditional UpdateItem: new, or a
`running` lease that expired); after the consumer returned, `finish` marks it `done` for as long
as the stream could still replay the record (24 h, with room). A consumer that raises gets its
claim `release`d, so the stream's retry calls it again at once. A crash between claim and finish
(a timeout, the container gone) leaves a `running` lease: a retry within it fails the record
again (`InProgress`) and the stream retries later; once it has expired the next retry takes the
claim over. So a replayed record never calls a consumer that finished, and a consumer that did
not finish is called again (at least once inside the lease, at most once after a finish).
"""

from __future__ import annotations

import time

from pynamodb.exceptions import DeleteError, UpdateError

from chalicelib.desk.base.transactions import condition_failed
from chalicelib.models import Ledger

LEASE_SECONDS = 180  # longer than the consumer function's 60 s timeout: no two run at once
DONE_SECONDS = 3 * 24 * 3600  # stream records are kept 24 h; a replay after that cannot happen
RUNNING, DONE = "running", "done"


class InProgress(Exception):
    """Another invocation holds an unexpired claim: fail the record, the stream tries again."""


def claim_key(event_id: str, consumer: str) -> str:
    return f"event#{event_id}#{consumer}"


def claim(key: str, now: float | None = None) -> bool:
    """True when the caller may run the consumer now; False when it finished before.
    Raises InProgress while another invocation's lease lasts."""
    at = int(now if now is not None else time.time())
    try:
        Ledger(key=key).update(
            actions=[Ledger.ref.set(RUNNING), Ledger.expires_at.set(at + LEASE_SECONDS)],
            condition=Ledger.key.does_not_exist() | ((Ledger.ref == RUNNING) & (Ledger.expires_at < at)),
            add_version_condition=False,
        )
        return True
    except UpdateError as error:
        if not condition_failed(error):
            raise
    current = Ledger.get(key, consistent_read=True)  # only a replay gets here
    if current.ref == DONE:
        return False
    raise InProgress(f"{key} is being delivered by another invocation until {current.expires_at}")


def finish(key: str, now: float | None = None) -> None:
    """The consumer returned: no replay calls it again."""
    at = int(now if now is not None else time.time())
    Ledger(key=key).update(
        actions=[Ledger.ref.set(DONE), Ledger.expires_at.set(at + DONE_SECONDS)],
        add_version_condition=False,
    )


def release(key: str) -> None:
    """The consumer raised: drop the lease so the stream's retry runs it again at once."""
    try:
        Ledger(key=key).delete(condition=Ledger.ref == RUNNING, add_version_condition=False)
    except DeleteError as error:
        if not condition_failed(error):
            raise
