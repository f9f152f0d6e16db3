"""AWS requests per web page, cold (empty per-container caches) and warm (a second view soon after)."""

from __future__ import annotations

import time
from typing import Any


def report(counter: Any) -> None:
    import uuid

    from chalice.test import Client

    from app import app
    from chalicelib.config import settings
    from chalicelib.desk.base import storage
    from chalicelib.desk.intake.inbound import ingest
    from chalicelib.desk.notifications import inbox
    from chalicelib.desk.setup import directory
    from chalicelib.desk.setup.agents import load_agent
    from chalicelib.desk.ticket import queues
    from chalicelib.handlers.inbound import delivery_from_record
    from chalicelib.web import session
    from local.ses_event import ses_event
    from tests.mailbuilder import raw_mail

    email = "admin@example.com"
    session.agent_for_token = lambda token: (
        load_agent(email),
        {"sub": email, "iat": 1, "exp": time.time() + 60},
    )
    for _ in range(30):
        raw = raw_mail(sender="ada@customer.test", html="<p>Hello <b>there</b></p>")
        ses_id = uuid.uuid4().hex
        storage.put_object(f"inbound/{ses_id}", raw, "message/rfc822")
        event = ses_event(
            raw, ses_id, "ada@customer.test", ["support@example.com"], settings().mail_domains, None
        )
        ingest(delivery_from_record(event["Records"][0]))
    headers = {"cookie": "__Host-helpdesk_session=token"}
    print("\nDynamoDB/S3 requests per page (30 tickets, one customer)")
    print(
        f"  sidebar counts: one Query of the counted index (status, team, assignee of at most "
        f"{queues.COUNT_CAP} tickets), kept {queues.COUNT_TTL_SECONDS:.0f} s per container; "
        "cold: empty caches, warm: again soon"
    )
    with Client(app) as client:
        for path in (
            "/queues/open",
            "/queues/unassigned",
            "/tickets/5",
            "/search?q=order",
            "/admin",
            "/reports",
            "/notifications",
        ):
            for label in ("cold", "warm"):
                if label == "cold":
                    directory.forget()
                    queues.forget_counts()
                    inbox.forget_unread()  # the bell: one GetItem, kept as long as the counts
                with counter.measure() as delta:
                    status = client.http.get(path, headers=headers).status_code
                calls = ", ".join(f"{name.split(':')[1]} x{n}" for name, n in sorted(delta.items()))
                print(f"  {path:<22} {label}: {sum(delta.values()):>2} requests (HTTP {status}) {calls}")
