"""The follow-up timer state machine: its definition file, execution names and inputs (pure).

One Standard execution per ticket, kind (`wake`: a snooze ends; `due`: a due date's reminder) and
version, named from the three so a retried start finds its twin. It only waits and sends: the
version check is the consumer's (chalicelib.desk.follow_up.events), inside its conditional write.
"""

from __future__ import annotations

import functools
from datetime import datetime
from pathlib import Path
from typing import Literal, TypedDict

from chalicelib.sla.timer import timestamp  # the same Wait state, the same whole seconds

DEFINITION_PATH = Path(__file__).with_name("timer.asl.json")
Kind = Literal["wake", "due"]
KINDS: tuple[Kind, ...] = ("wake", "due")


class TimerInput(TypedDict):
    ticket_number: int
    kind: Kind
    version: int
    at: str
    queue_url: str


@functools.cache
def definition() -> str:
    """The ASL JSON exactly as stored: infra/ and the local runtime deploy the same bytes."""
    return DEFINITION_PATH.read_bytes().decode("utf-8")


def execution_name(ticket_number: int, kind: Kind, version: int) -> str:
    """`ticket-1042-wake-v3`: letters, digits and `-` only, well under 80 characters."""
    if kind not in KINDS:
        raise ValueError(f"unknown follow-up timer {kind!r}")
    if type(ticket_number) is not int or type(version) is not int or min(ticket_number, version) < 0:
        raise ValueError("ticket_number and version must be non-negative integers")
    return f"ticket-{ticket_number}-{kind}-v{version}"


def execution_input(ticket_number: int, kind: Kind, version: int, at: datetime, queue_url: str) -> TimerInput:
    execution_name(ticket_number, kind, version)  # validates the identifying parts
    return {
        "ticket_number": ticket_number,
        "kind": kind,
        "version": version,
        "at": timestamp(at),
        "queue_url": queue_url,
    }
