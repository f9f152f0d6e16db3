"""EventBridge schedules, locally: fire each `@app.schedule` handler at its next time, in UTC.

`tick()` runs in a `Periodic` every second. A due schedule gets the event EventBridge sends
(`time` is the scheduled instant) through the async invoker, as EventBridge invokes Lambda
asynchronously (two retries, then the dead-letter dir). Times missed while the machine slept
fire once, late, not once per missed time; a rate counts from when it last fired.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from chalice import Chalice
from chalice.app import ScheduledEventConfig, ScheduleExpression
from moto.core import DEFAULT_ACCOUNT_ID

from local.cron import UnsupportedSchedule, next_fire
from local.invoke import AsyncInvoker

log = logging.getLogger("local.schedules")

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass(frozen=True)
class Schedule:
    name: str
    expression: str
    handler: Handler


def app_schedules(app: Chalice) -> list[Schedule]:
    """Every scheduled handler registered on the app (blueprints included), with its expression."""
    return [
        Schedule(
            source.name,
            e.to_string() if isinstance(e := source.schedule_expression, ScheduleExpression) else e,
            app.handler_map[source.name],
        )
        for source in app.event_sources
        if isinstance(source, ScheduledEventConfig)
    ]


def scheduled_event(name: str, at: datetime, region: str) -> dict[str, Any]:
    """What EventBridge sends a scheduled rule's target."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": DEFAULT_ACCOUNT_ID,
        "time": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{DEFAULT_ACCOUNT_ID}:rule/helpdesk-local-{name}"],
        "detail": {},
    }


class Scheduler:
    """Knows when each schedule fires next; `tick` hands the due ones to the invoker."""

    def __init__(
        self,
        schedules: list[Schedule],
        invoker: AsyncInvoker,
        region: str,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._invoker, self._region, self._now = invoker, region, now
        self.upcoming: dict[Schedule, datetime] = {}
        started = now()
        for schedule in schedules:
            try:
                self.upcoming[schedule] = next_fire(schedule.expression, started)
            except UnsupportedSchedule as error:
                log.warning("schedule %s (%s) skipped: %s", schedule.name, schedule.expression, error)

    def tick(self) -> None:
        now = self._now()
        for schedule, at in list(self.upcoming.items()):
            if at <= now:
                log.info("schedule %s fires (due %s)", schedule.name, at.isoformat())
                event = scheduled_event(schedule.name, at, self._region)
                self._invoker.invoke(
                    schedule.name, schedule.handler, event, f"{schedule.name}-{at:%Y%m%dT%H%M%SZ}"
                )
                self.upcoming[schedule] = next_fire(schedule.expression, now)  # a rate counts from now
