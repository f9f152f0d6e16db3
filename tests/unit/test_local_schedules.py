"""The local scheduler: Chalice schedules found on the app, fired at their time (local/schedules.py)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from chalice import Blueprint, Chalice, Cron, Rate

from local.schedules import Schedule, Scheduler, app_schedules, scheduled_event

MONDAY_0659 = datetime(2026, 11, 23, 6, 59, 30, tzinfo=UTC)


def demo_app() -> tuple[Chalice, list]:
    """An app with a blueprint's cron, a rate, a raw expression and one the scheduler cannot evaluate."""
    received = []
    blueprint = Blueprint(__name__)

    @blueprint.schedule(Cron(0, 7, "?", "*", "MON-FRI", "*"), name="digest")
    def digest(event):
        received.append(("digest", event.detail_type, event.time, event.to_dict()["source"]))
        return {"ok": True}

    app = Chalice(app_name="demo")
    app.register_blueprint(blueprint)

    @app.schedule(Rate(5, unit=Rate.MINUTES), name="sweep")
    def sweep(event):
        received.append(("sweep", event.detail_type, event.time, event.source))

    @app.schedule("cron(0 9 * * ? *)", name="raw")
    def raw(event): ...

    @app.schedule("cron(0 9 L * ? *)", name="last_day")
    def last_day(event): ...

    @app.lambda_function(name="not_scheduled")
    def not_scheduled(event, context): ...

    return app, received


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class RecordingInvoker:
    """Runs the handler at once, as the async invoker's worker thread would, and records the call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict, str]] = []

    def invoke(self, name, handler, event, failure_key):
        self.calls.append((name, event, failure_key))
        handler(event, None)


def test_every_schedule_of_the_app_and_its_blueprints_is_found():
    app, _ = demo_app()
    found = {s.name: s.expression for s in app_schedules(app)}
    assert found == {
        "digest": "cron(0 7 ? * MON-FRI *)",
        "sweep": "rate(5 minutes)",
        "raw": "cron(0 9 * * ? *)",
        "last_day": "cron(0 9 L * ? *)",
    }


def test_the_event_is_what_eventbridge_sends():
    event = scheduled_event("digest", datetime(2026, 11, 23, 7, 0, tzinfo=UTC), "eu-west-1")
    assert event.pop("id")
    assert event == {
        "version": "0",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-11-23T07:00:00Z",
        "region": "eu-west-1",
        "resources": ["arn:aws:events:eu-west-1:123456789012:rule/helpdesk-local-digest"],
        "detail": {},
    }


def test_due_schedules_fire_once_with_their_scheduled_time_then_wait_for_the_next(caplog):
    app, received = demo_app()
    clock, invoker = Clock(MONDAY_0659), RecordingInvoker()
    with caplog.at_level(logging.WARNING, logger="local.schedules"):
        scheduler = Scheduler(app_schedules(app), invoker, "us-east-1", now=clock)
    assert "last_day" in caplog.text and "not supported" in caplog.text
    assert {s.name: at for s, at in scheduler.upcoming.items()} == {
        "digest": datetime(2026, 11, 23, 7, 0, tzinfo=UTC),
        "sweep": MONDAY_0659 + timedelta(minutes=5),
        "raw": datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
    }

    scheduler.tick()
    assert invoker.calls == []
    clock.now = datetime(2026, 11, 23, 7, 0, 0, 400000, tzinfo=UTC)
    scheduler.tick()
    scheduler.tick()
    assert received == [("digest", "Scheduled Event", "2026-11-23T07:00:00Z", "aws.events")]
    assert invoker.calls[0][2] == "digest-20261123T070000Z"
    assert scheduler.upcoming[next(s for s in scheduler.upcoming if s.name == "digest")] == datetime(
        2026, 11, 24, 7, 0, tzinfo=UTC
    )


def test_times_missed_while_asleep_fire_once():
    fired = []
    schedule = Schedule("often", "cron(* * * * ? *)", lambda event, context: fired.append(event["time"]))
    clock = Clock(MONDAY_0659)
    scheduler = Scheduler([schedule], RecordingInvoker(), "us-east-1", now=clock)
    clock.now += timedelta(hours=3)
    scheduler.tick()
    scheduler.tick()
    assert fired == ["2026-11-23T07:00:00Z"]
    assert scheduler.upcoming[schedule] == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
