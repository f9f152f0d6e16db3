"""API keys and POST /api/tickets on the local runtime, over HTTP and SMTP only."""

from __future__ import annotations

import pytest

from tests.mailbuilder import raw_mail
from tests.runtime import call, outbox_messages, send_mail, wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def token(runtime) -> str:
    status, body = call(
        runtime, "POST", "/api/session", {"email": runtime.admin_email, "password": runtime.admin_password}
    )
    assert status == 200, body
    return body["token"]


def test_a_key_made_by_an_admin_opens_a_mailed_ticket_the_answer_threads_back_and_revoked_it_is_401(
    runtime, token
):
    status, made = call(
        runtime, "POST", "/api/keys", {"name": "Shop", "role": "agent", "teams": ["Support"]}, token
    )
    assert status == 201, made
    key = made["secret"]
    assert call(runtime, "GET", "/api/keys", token=key)[0] == 403  # a key manages no keys

    customer = "shop.e2e@customer.test"
    request = {
        "requester": {"email": customer, "name": "Shop Customer"},
        "subject": "Your parcel is on its way",
        "text": "Your parcel left our warehouse today.",
        "notify_customer": True,
        "channel": "api",
        "external_id": "order-e2e-1",
    }
    status, ticket = call(runtime, "POST", "/api/tickets", request, key)
    assert status == 201, ticket
    number = ticket["number"]
    assert (
        call(runtime, "POST", "/api/tickets", request, key)[1]["number"] == number
    )  # a retry: the same ticket

    [mail] = wait_for(lambda: [m for m in outbox_messages(runtime) if customer in str(m["To"])])
    assert mail["Subject"] == f"Your parcel is on its way [#{number}]"  # the first mail answers nothing
    assert "Your parcel left our warehouse today." in mail.get_body(("plain",)).get_content()

    answer = raw_mail(
        sender=customer,
        subject=f"Re: {mail['Subject']}",
        body="Thanks, got it!",
        in_reply_to=mail["Message-ID"],
    )
    send_mail(runtime, answer, customer, ["support@example.com"])

    def answered() -> list:
        _, body = call(runtime, "GET", f"/api/tickets/{number}", token=key)
        return [m for m in body["messages"] if m["kind"] == "customer"]

    [customer_message] = wait_for(answered)
    assert customer_message["visible_text"].startswith("Thanks, got it!")
    _, mine = call(runtime, "GET", f"/api/tickets?requester={customer}", token=token)
    assert [t["number"] for t in mine["items"]] == [number]

    _, listed = call(runtime, "GET", "/api/keys", token=token)
    [shown] = [k for k in listed["items"] if k["id"] == made["id"]]
    assert shown["last_used_at"] is not None and "secret" not in shown

    status, revoked = call(runtime, "POST", f"/api/keys/{made['id']}/revoke", {}, token)
    assert status == 200 and revoked["active"] is False
    status, refused = call(runtime, "GET", f"/api/tickets/{number}", token=key)
    assert (status, refused["error"]) == (401, "unauthorized")
