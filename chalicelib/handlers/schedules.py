"""EventBridge schedules: weekday mornings only, so a quiet desk costs nothing at night or weekends."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Cron

from chalicelib.desk import housekeeping
from chalicelib.desk.records import utcnow
from chalicelib.observability import logger

blueprint = Blueprint(__name__)


@blueprint.schedule(Cron(0, 7, "?", "*", "MON-FRI", "*"), name="daily_digest")
def daily_digest(event: Any) -> dict[str, Any]:
    sent = housekeeping.send_digests(utcnow())
    logger.info("digests sent", extra={"teams": sent})
    return {"teams": sent}


@blueprint.schedule(Cron(30, 6, "?", "*", "MON-FRI", "*"), name="auto_close")
def auto_close(event: Any) -> dict[str, Any]:
    closed = housekeeping.auto_close(utcnow())
    logger.info("solved tickets closed", extra={"tickets": closed})
    return {"closed": closed}
