"""The SLA timer state machine: its definition file, execution names and inputs.

One execution per ticket, metric and sla_version. The name is derived from the three, so a retried
start finds the execution already there instead of starting a twin. Table and queue travel in the
input, so the same definition serves infra/ and the local runtime without templating.
"""

from __future__ import annotations

import functools
from datetime import datetime
from pathlib import Path
from typing import TypedDict

from chalicelib.sla.calendar import utc
from chalicelib.sla.policy import METRICS, Metric

DEFINITION_PATH = Path(__file__).with_name("timer.asl.json")


class TimerInput(TypedDict):
    """What the state machine reads (timer.asl.json); instants as `timestamp` writes them."""

    ticket_number: int
    metric: Metric
    sla_version: int
    warn_at: str | None
    due_at: str
    table: str
    queue_url: str


@functools.cache
def definition() -> str:
    """The ASL JSON exactly as stored (bytes decoded, no newline translation)."""
    return DEFINITION_PATH.read_bytes().decode("utf-8")


def execution_name(ticket_number: int, metric: Metric, sla_version: int) -> str:
    """`ticket-1042-first_response-v7`: letters, digits, `-` and `_` only, well under 80 characters."""
    if metric not in METRICS:
        raise ValueError(f"unknown SLA metric {metric!r}")
    if type(ticket_number) is not int or type(sla_version) is not int or min(ticket_number, sla_version) < 0:
        raise ValueError("ticket_number and sla_version must be non-negative integers")
    return f"ticket-{ticket_number}-{metric}-v{sla_version}"


def timestamp(value: datetime) -> str:
    """`YYYY-MM-DDTHH:MM:SSZ`. The clock's due times are whole seconds already (chalicelib.sla.clock
    rounds them up where it computes them), so the timer waits for exactly the instant the ticket
    shows; a fraction here would be cut, so it is refused."""
    value = utc(value)
    if value.microsecond:
        raise ValueError(f"timer instants are whole seconds, got {value.isoformat()}")
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def execution_input(
    ticket_number: int,
    metric: Metric,
    sla_version: int,
    *,
    warn_at: datetime | None,
    due_at: datetime,
    table: str,
    queue_url: str,
) -> TimerInput:
    """The execution's input; `warn_at=None` skips the warning (e.g. one was already sent this cycle)."""
    execution_name(ticket_number, metric, sla_version)  # validates the identifying parts
    return {
        "ticket_number": ticket_number,
        "metric": metric,
        "sla_version": sla_version,
        "warn_at": timestamp(warn_at) if warn_at else None,
        "due_at": timestamp(due_at),
        "table": table,
        "queue_url": queue_url,
    }
