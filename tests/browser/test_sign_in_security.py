"""Sign-in security in Chromium over plain http://127.0.0.1: `__Host-` cookies, an invited agent's
forced password change, and turning on TOTP MFA then signing in with a code."""

from __future__ import annotations

import time

import pytest

from tests.browser.conftest import choose_password, sign_in
from tests.totp import totp

pytestmark = pytest.mark.e2e
OWN_PASSWORD = "Tess-Totp-Own-42"
STEP = 30


def fresh_code(secret: str, after: float = 0.0) -> tuple[str, float]:
    """(the app's code now, its step's start), waiting for a new step when fewer than 8 s are left of
    this one or it is not later than `after` (the runtime's clock is the machine's, so the code must
    still be current when the runtime checks it)."""
    while time.time() % STEP > STEP - 8 or time.time() // STEP * STEP <= after:
        time.sleep(0.5)
    now = time.time()
    return totp(secret, now), now // STEP * STEP


def invite(browser, runtime, email: str, name: str) -> str:
    """An admin invites an agent of Support in the admin page; returns the temporary password shown."""
    admin = sign_in(browser, runtime, runtime.admin_email, runtime.admin_password)
    admin.goto(f"{runtime.http_url}/admin")
    admin.fill("#invite input[name=email]", email)
    admin.fill("#invite input[name=name]", name)
    admin.check("#invite input[value=Support]")
    admin.click("#invite button")
    temporary = admin.locator("code.password").inner_text()
    admin.context.close()
    return temporary


def test_invited_agent_chooses_a_password_turns_on_totp_and_signs_in_with_a_code(browser, runtime):
    admin = sign_in(browser, runtime, runtime.admin_email, runtime.admin_password)
    cookies = {c["name"]: c for c in admin.context.cookies()}
    session = cookies["__Host-helpdesk_session"]  # Chromium took the prefixed, Secure cookie over http
    assert (session["secure"], session["httpOnly"], session["path"]) == (True, True, "/")
    assert session["domain"] == "127.0.0.1" and "__Host-helpdesk_login" in cookies
    admin.context.close()
    temporary = invite(browser, runtime, "tess.totp@example.com", "Tess Totp")

    page = sign_in(browser, runtime, "tess.totp@example.com", temporary, new_password=OWN_PASSWORD)
    page.click("nav.me a:has-text('Tess Totp')")
    page.fill("input[name=password]", OWN_PASSWORD)
    page.click("button:has-text('Set up two-step sign-in')")
    secret = page.locator("code.secret").inner_text()
    assert page.locator("a[href^='otpauth://totp/']").count() == 1
    code, step = fresh_code(secret)
    page.fill("input[name=code]", code)
    page.click("button:has-text('Turn on two-step sign-in')")
    page.wait_for_selector("text=Two-step sign-in is on")
    page.click("button:has-text('Sign out')")

    page.fill("input[name=email]", "tess.totp@example.com")
    page.fill("input[name=password]", OWN_PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("input[name=code]")
    page.fill("input[name=code]", "000000" if totp(secret, time.time()) != "000000" else "111111")
    page.click("button:has-text('Verify')")
    page.wait_for_selector("text=that code is not right")
    page.fill("input[name=code]", fresh_code(secret, after=step)[0])  # a code not used before
    page.click("button:has-text('Verify')")
    page.wait_for_selector("nav.side")
    page.context.close()

    # The temporary password is gone.
    again = browser.new_context().new_page()
    again.goto(f"{runtime.http_url}/login")
    again.fill("input[name=email]", "tess.totp@example.com")
    again.fill("input[name=password]", temporary)
    again.click("button:has-text('Sign in')")
    again.wait_for_selector("text=wrong email or password")
    again.context.close()


def test_forced_password_change_refuses_two_different_passwords(browser, runtime):
    temporary = invite(browser, runtime, "pat.typo@example.com", "Pat Typo")
    page = browser.new_context().new_page()
    page.goto(f"{runtime.http_url}/login")
    page.fill("input[name=email]", "pat.typo@example.com")
    page.fill("input[name=password]", temporary)
    page.click("button:has-text('Sign in')")
    page.fill("input[name=new_password]", OWN_PASSWORD)
    page.fill("input[name=new_password_again]", OWN_PASSWORD + "x")
    page.click("button:has-text('Set password and sign in')")
    page.wait_for_selector("text=the two new passwords differ")
    choose_password(page, OWN_PASSWORD)
    page.wait_for_selector("nav.side")
    page.context.close()
