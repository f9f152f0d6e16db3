"""Settings for every in-process test, the one local runtime the e2e and browser tests share, and
`--clock`, which runs the in-process tests at another instant.

`pytest --clock=2026-12-31T23:59:59.9Z` moves the test process's clock (time-machine: `time.time`,
`datetime.now` and friends) to that instant as the first test starts, ticking on from there for the
rest of the session, so code that reads "now" meets a weekend, a DST night or a new year. The local
runtime is another process on the real clock: e2e and browser tests are skipped under `--clock`.
`make test-clocks` runs the clock-bound test files at each instant of the Makefile's CLOCKS.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
import time_machine

from local.sandbox import use_in_process_env
from tests.runtime import Runtime, started_runtime

use_in_process_env()
_TRAVEL = pytest.StashKey[time_machine.travel]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock",
        metavar="INSTANT",
        help="run with the clock at this ISO 8601 instant with an offset or Z (it ticks on from there)",
    )


def pytest_configure(config: pytest.Config) -> None:
    if not (value := config.getoption("clock")):
        return
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise pytest.UsageError(f"--clock={value}: not an ISO 8601 instant") from None
    if instant.utcoffset() is None:
        raise pytest.UsageError(f"--clock={value}: give the offset (Z or +01:00), or the instant is unknown")
    config.stash[_TRAVEL] = time_machine.travel(instant, tick=True)


@pytest.fixture(autouse=True)
def _clock_at_the_instant(request: pytest.FixtureRequest) -> None:
    """Starts `--clock`'s travel as the first test begins, after the session's set-up (the
    in-process AWS), so that the first test meets the instant itself and not a moment after it."""
    if (traveller := request.config.stash.get(_TRAVEL, None)) is not None:
        del request.config.stash[_TRAVEL]
        traveller.start()
        request.config.add_cleanup(traveller.stop)


def pytest_report_header(config: pytest.Config) -> str | None:
    clock = config.getoption("clock")
    return f"clock: started at {clock} (time-machine), e2e tests skipped" if clock else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("clock"):
        skip = pytest.mark.skip(reason="--clock: the local runtime runs on the real clock")
        for item in items:
            if item.get_closest_marker("e2e"):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    with started_runtime(tmp_path_factory.mktemp("helpdesk-state")) as running:
        yield running


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[pytest.TestReport]:
    """A failed e2e test shows what the runtime logged (handler tracebacks live there)."""
    report = yield
    if report.failed:
        for running in getattr(item, "funcargs", {}).values():
            if isinstance(running, Runtime):
                report.sections.append(
                    ("local runtime output (last 200 lines)", "".join(running.output[-200:]))
                )
    return report
