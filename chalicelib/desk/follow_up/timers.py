"""Starting follow-up timers (Step Functions), after the write that made them needed committed.

Nothing is ever cancelled: a newer snooze or due date bumps the ticket's version, and the old
timer's event then finds a version that is not its own.
"""

from __future__ import annotations

import contextlib
import json
from datetime import datetime

from chalicelib.aws import client
from chalicelib.config import settings
from chalicelib.desk.follow_up.timer import Kind, execution_input, execution_name


def start(ticket_number: int, kind: Kind, version: int, at: datetime) -> None:
    """One execution waiting until `at` (whole seconds); a retried start finds it already there."""
    arn = settings().follow_up_state_machine_arn
    if not arn:
        return
    sfn = client("stepfunctions")
    payload = execution_input(ticket_number, kind, version, at, settings().sla_queue_url)
    with contextlib.suppress(sfn.exceptions.ExecutionAlreadyExists):
        sfn.start_execution(
            stateMachineArn=arn, name=execution_name(ticket_number, kind, version), input=json.dumps(payload)
        )
