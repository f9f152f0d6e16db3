"""Auto-assignment on the local runtime, over HTTP and SMTP only: a team set to round robin on the
Admin page, three available agents and one away, nine mails: three tickets each, none for the away.

Its own team and mailbox (Rota, rota@example.com), so the runtime's other tests keep an unassigned
Support queue. The agents work "always", so the test holds at any instant (weekend, night).
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest

from tests.mailbuilder import raw_mail
from tests.runtime import Runtime, call, send_mail, wait_for

pytestmark = pytest.mark.e2e
TEAM, MAILBOX = "Rota", "rota@example.com"
AVAILABLE = ("rota.ann@example.com", "rota.bob@example.com", "rota.cat@example.com")
AWAY = "rota.dan@example.com"
NEW_PASSWORD = "Rota-e2e-Password-1!"


class Pages:
    """The agent pages as a signed-in agent: the session cookie holds the ID token."""

    def __init__(self, runtime: Runtime, token: str) -> None:
        self.runtime, self.cookie = runtime, f"__Host-helpdesk_session={token}"

    def get(self, path: str) -> str:
        request = urllib.request.Request(f"{self.runtime.http_url}{path}", headers={"Cookie": self.cookie})
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read().decode()

    def post(self, path: str, fields: dict[str, str | list[str]], csrf_from: str = "/admin") -> str:
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', self.get(csrf_from))[1]  # type: ignore[index]
        data = urlencode({"csrf": csrf, **fields}, doseq=True).encode()
        request = urllib.request.Request(
            f"{self.runtime.http_url}{path}",
            data=data,
            headers={"Cookie": self.cookie, "Content-Type": "application/x-www-form-urlencoded"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # follows the 303
                return response.read().decode()
        except urllib.error.HTTPError as error:
            pytest.fail(f"{path}: {error.code} {error.read().decode()[:500]}")


def token_of(runtime: Runtime, email: str, password: str) -> str:
    """Sign in through the JSON API; an invited agent first replaces the temporary password."""
    status, body = call(runtime, "POST", "/api/session", {"email": email, "password": password})
    if status == 401 and body.get("error") == "new_password_required":  # type: ignore[union-attr]
        answer = {"challenge": body["error"], "email": email, "session": body["session"]}  # type: ignore[index]
        status, body = call(
            runtime, "POST", "/api/session/challenge", {**answer, "new_password": NEW_PASSWORD}
        )
    assert status == 200, body
    return body["token"]  # type: ignore[index]


def test_nine_mails_to_a_round_robin_team_give_each_available_agent_three_and_the_away_one_none(runtime):
    admin = Pages(runtime, token_of(runtime, runtime.admin_email, runtime.admin_password))
    admin.post("/admin/teams", {"name": TEAM})
    admin.post("/admin/mailboxes", {"address": MAILBOX, "team": TEAM})
    passwords = {}
    for email in (*AVAILABLE, AWAY):
        shown = admin.post(
            "/admin/agents", {"email": email, "name": email[5:8].title(), "role": "agent", "teams": [TEAM]}
        )
        passwords[email] = re.search(r'<code class="password">([^<]+)</code>', shown)[1]  # type: ignore[index]
        fields = {"email": email, "role": "agent", "teams": [TEAM], "time_zone": "Asia/Tokyo"}
        admin.post("/admin/agents/update", {**fields, "working_hours": "always"})
    away_token = token_of(runtime, AWAY, passwords[AWAY])
    until = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0).isoformat()
    status, away = call(runtime, "PUT", "/api/me/away", {"until": until, "note": "Offsite"}, away_token)
    assert status == 200 and away["away_until"] == until, away  # type: ignore[index]
    page = admin.post("/admin/teams/assignment", {"team": TEAM, "assignment": "round_robin"})
    assert 'value="round_robin" selected' in page

    subjects = [f"Rota request {n}" for n in range(9)]
    for n, subject in enumerate(subjects):
        customer = f"rota.customer{n}@customer.test"
        send_mail(runtime, raw_mail(sender=customer, to=MAILBOX, subject=subject), customer, [MAILBOX])

    token = admin.cookie.partition("=")[2]

    def team_tickets() -> list[dict]:
        status, body = call(runtime, "GET", f"/api/tickets?team={TEAM}&limit=50", token=token)
        assert status == 200, body
        items = [t for t in body["items"] if t["subject"] in subjects]  # type: ignore[index]
        return items if len(items) == 9 else []

    tickets = wait_for(team_tickets, timeout=60)
    assert Counter(t["assignee"] for t in tickets) == {email: 3 for email in AVAILABLE}
    status, ticket = call(runtime, "GET", f"/api/tickets/{tickets[0]['number']}", token=token)
    events = [m["body_text"] for m in ticket["messages"] if m["kind"] == "event"]  # type: ignore[index]
    assert events == [f"Assigned to {tickets[0]['assignee']} by round robin"], events

    # An admin hands one agent's three back to the team in one call.
    status, handed = call(
        runtime, "POST", f"/api/agents/{AVAILABLE[0].replace('@', '%40')}/hand-back", token=token
    )
    assert status == 200 and len(handed["changed"]) == 3 and handed["skipped"] == [], handed  # type: ignore[index]
    admin.post("/admin/teams/assignment", {"team": TEAM, "assignment": "off"})
