"""A real browser (the system Chromium, driven by Playwright) against the local runtime."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.runtime import Runtime

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail("/usr/bin/chromium is missing: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def sign_in(
    browser, running: Runtime, email: str, password: str, width: int = 1280, new_password: str | None = None
):
    """A fresh browser context signed in as the agent; returns its page.

    With `new_password`, `password` is an invitation's temporary one: the agent chooses theirs.
    """
    context = browser.new_context(viewport={"width": width, "height": 900}, timezone_id="Europe/Paris")
    page = context.new_page()
    page.goto(f"{running.http_url}/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button:has-text('Sign in')")
    if new_password is not None:
        choose_password(page, new_password)
    page.wait_for_selector("nav.side")
    return page


def choose_password(page, new_password: str) -> None:
    """The step after a temporary password: the new one, twice."""
    page.fill("input[name=new_password]", new_password)
    page.fill("input[name=new_password_again]", new_password)
    page.click("button:has-text('Set password and sign in')")
