"""EventBridge schedules: the digest hourly (it finds each team's 08:xx) and, on the same schedule,
the time rules (desk.rules.timed); auto-close on weekday mornings.

One cron serves every team, and teams' calendars differ in zone, so the digest runs every hour of
every day (east of UTC a Monday morning is still Sunday in UTC) and sends only to the teams whose
local hour it is. Auto-close has no audience waiting for it: once a weekday at a fixed UTC time.
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Cron

from chalicelib.desk.rules import timed
from chalicelib.desk.service_levels import digest
from chalicelib.desk.service_levels.auto_close import close_solved
from chalicelib.desk.ticket.records import utcnow
from chalicelib.observability import logger, with_lambda_context

blueprint = Blueprint(__name__)


@with_lambda_context
@blueprint.schedule(Cron(0, "*", "*", "*", "?", "*"), name="daily_digest")
def daily_digest(event: Any) -> dict[str, Any]:
    now = utcnow()
    sent = digest.send_digests(now)
    logger.info("digests sent", extra={"teams": sent})
    acted = timed.run(now)
    logger.info("time rules run", extra={"tickets": acted})
    return {"teams": sent, "time_rules": acted}


@with_lambda_context
@blueprint.schedule(Cron(30, 6, "?", "*", "MON-FRI", "*"), name="auto_close")
def auto_close(event: Any) -> dict[str, Any]:
    closed = close_solved(utcnow())
    logger.info("solved tickets closed", extra={"tickets": closed})
    return {"closed": closed}
