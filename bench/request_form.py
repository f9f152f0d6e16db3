"""AWS requests of the public request form, on moto in-process (counts, not timings)."""

from __future__ import annotations

from typing import Any

from bench.counting import RequestCounter


def report(counter: RequestCounter) -> None:
    from chalice.test import Client

    from app import app
    from chalicelib.desk.base import storage
    from chalicelib.desk.intake import request_form, web_requests

    rows: list[tuple[str, dict[str, int]]] = []

    def measure(name: str, operation: Any) -> Any:
        with counter.measure() as calls:
            result = operation()
        rows.append((name, dict(calls)))
        return result

    with Client(app) as client:
        client.http.get("/support")  # fills the container's caches (directory, upload origin)
        measure("form page (warm container)", lambda: client.http.get("/support/billing"))
    token = request_form.issue_token()
    mailbox = web_requests.mailbox_named("billing")
    post = measure(
        "presign one upload", lambda: web_requests.presign_upload(token, "receipt.pdf", 9, "198.51.100.1")
    )
    storage.put_object(post["key"], b"%PDF-1.4\n", "application/pdf")  # what the browser does (not counted)
    form = request_form.RequestForm(
        token=token,
        name="Bench",
        email="bench.form@customer.test",
        subject="Bench request",
        message="Hello",
        attachments=(post["key"],),
    )
    measure(
        "submit with 1 attachment (new ticket + ack)",
        lambda: web_requests.submit(form, mailbox, "198.51.100.1"),
    )
    measure("same form again (double submit)", lambda: web_requests.submit(form, mailbox, "198.51.100.1"))

    print("\n## AWS requests of the request form")
    for name, calls in rows:
        detail = ", ".join(f"{op} {n}" for op, n in sorted(calls.items()))
        print(f"{name:44s} {sum(calls.values()):3d}  ({detail})")
