"""Settings for every in-process test, and the one local runtime the e2e and browser tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from local.sandbox import use_in_process_env
from tests.runtime import Runtime, started_runtime

use_in_process_env()


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
