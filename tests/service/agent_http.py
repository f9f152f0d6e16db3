"""Talking to the agent app through Chalice's test client as a signed-in agent.

With the `signed_in` fixture (tests/service/conftest.py), a session cookie `agent:<email>` stands
for a verified Cognito ID token of that agent; everything after the token check is real.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode


def cookie(email: str = "admin@example.com") -> dict[str, str]:
    return {"cookie": f"__Host-helpdesk_session=agent:{email}"}


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', html).group(1)


def post(client, path: str, form: dict, email: str = "admin@example.com"):
    headers = {**cookie(email), "content-type": "application/x-www-form-urlencoded"}
    return client.http.post(path, body=urlencode(form, doseq=True), headers=headers)
