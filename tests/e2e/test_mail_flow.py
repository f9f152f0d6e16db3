"""The whole loop on the local runtime, over SMTP and HTTP only."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from email.utils import make_msgid

import pytest

from tests.mailbuilder import AUTHENTICATED_HEADERS, raw_mail
from tests.runtime import call, outbox_messages, send_mail, wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def token(runtime) -> str:
    status, body = call(
        runtime, "POST", "/api/session", {"email": runtime.admin_email, "password": runtime.admin_password}
    )
    assert status == 200, body
    assert body["agent"]["role"] == "admin"
    return body["token"]


def tickets_of(runtime, token: str, requester: str) -> list[dict]:
    status, body = call(runtime, "GET", f"/api/tickets?requester={requester}", token=token)
    assert status == 200, body
    return body["items"]


def acknowledged(runtime, token: str, path: str) -> bool:
    """Whether the ticket's acknowledgement is recorded (the same write bumps its version)."""
    _, ticket = call(runtime, "GET", path, token=token)
    return any(message["kind"] == "reply" for message in ticket["messages"])


def mails_to(runtime, address: str) -> list:
    return [m for m in outbox_messages(runtime) if address in str(m["To"])]


def test_mail_becomes_ticket_reply_goes_out_and_answer_threads_back(runtime, token):
    customer = "ada.e2e@customer.test"
    first = raw_mail(sender=f"Ada Lovelace <{customer}>", subject="Broken engine", body="It stopped working.")
    send_mail(runtime, first, customer, ["support@example.com"])
    [ticket] = wait_for(lambda: tickets_of(runtime, token, customer))
    number = ticket["number"]
    assert (ticket["status"], ticket["team"], ticket["requester"]["name"]) == (
        "new",
        "Support",
        "Ada Lovelace",
    )

    [ack] = wait_for(lambda: mails_to(runtime, customer))
    assert f"[#{number}]" in ack["Subject"]
    assert ack["Auto-Submitted"] == "auto-replied"

    status, reply = call(
        runtime,
        "POST",
        f"/api/tickets/{number}/replies",
        {"body": "Try turning it off and on.", "status": "pending"},
        token,
    )
    assert status == 201, reply
    [mail] = wait_for(
        lambda: [m for m in mails_to(runtime, customer) if m["Message-ID"] == reply["message_id"]]
    )
    status, full = call(runtime, "GET", f"/api/tickets/{number}", token=token)
    customer_message_id = first_message_id(first)
    assert mail["Subject"] == f"Re: Broken engine [#{number}]"
    assert mail["From"].addresses[0].display_name == "Demo Admin via Support"
    assert mail["Reply-To"].addresses[0].addr_spec == f"support+{number}@example.com"
    assert mail["In-Reply-To"] == customer_message_id
    assert customer_message_id in mail["References"]
    assert full["status"] == "pending"

    answer = raw_mail(
        sender=customer, subject="Re: that", body="Works now, thanks!", in_reply_to=mail["Message-ID"]
    )
    send_mail(runtime, answer, customer, ["support@example.com"])

    def customer_messages() -> list:
        _, body = call(runtime, "GET", f"/api/tickets/{number}", token=token)
        found = [m for m in body["messages"] if m["kind"] == "customer"]
        return found if len(found) == 2 else []

    messages = wait_for(customer_messages)
    assert messages[-1]["visible_text"].startswith("Works now")
    assert len(tickets_of(runtime, token, customer)) == 1
    _, reopened = call(runtime, "GET", f"/api/tickets/{number}", token=token)
    assert reopened["status"] == "open"


def first_message_id(raw: bytes) -> str:
    import email

    return email.message_from_bytes(raw)["Message-ID"].lower()


def test_duplicate_delivery_is_one_message(runtime, token):
    customer = "dup.e2e@customer.test"
    raw = raw_mail(sender=customer, message_id=make_msgid(domain="customer.test"))
    send_mail(runtime, raw, customer, ["support@example.com"])
    send_mail(runtime, raw, customer, ["support@example.com"])
    [ticket] = wait_for(lambda: tickets_of(runtime, token, customer))
    _, body = call(runtime, "GET", f"/api/tickets/{ticket['number']}", token=token)
    assert [m["kind"] for m in body["messages"]].count("customer") == 1
    assert len(tickets_of(runtime, token, customer)) == 1


def test_simultaneous_duplicate_deliveries_are_one_message(runtime, token):
    customer = "race.e2e@customer.test"
    raw = raw_mail(sender=customer, message_id=make_msgid(domain="customer.test"))
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda _: send_mail(runtime, raw, customer, ["support@example.com"]), range(4)))
    [ticket] = wait_for(lambda: tickets_of(runtime, token, customer))
    time.sleep(2)  # let every delivery's handler finish
    _, body = call(runtime, "GET", f"/api/tickets/{ticket['number']}", token=token)
    assert [m["kind"] for m in body["messages"]].count("customer") == 1
    assert len(tickets_of(runtime, token, customer)) == 1


@pytest.mark.parametrize("header", [("Precedence", "bulk"), ("Auto-Submitted", "auto-generated")])
def test_automatic_mail_gets_no_acknowledgement(runtime, token, header):
    customer = f"robot-{header[0].lower()}@lists.test"
    send_mail(runtime, raw_mail(sender=customer, headers=dict([header])), customer, ["support@example.com"])
    wait_for(lambda: tickets_of(runtime, token, customer))
    control = "control.ack@customer.test"
    send_mail(runtime, raw_mail(sender=control), control, ["support@example.com"])
    wait_for(lambda: mails_to(runtime, control))  # acknowledgements are flowing...
    assert mails_to(runtime, customer) == []  # ...but not to the robot


def test_api_errors_are_json_with_the_right_status(runtime, token):
    assert call(runtime, "GET", "/api/tickets")[0] == 401
    assert call(runtime, "GET", "/api/tickets", token="not-a-jwt")[0] == 401
    status, body = call(runtime, "POST", "/api/session", {"email": runtime.admin_email, "password": "wrong"})
    assert (status, body["error"]) == (401, "unauthorized")
    assert call(runtime, "GET", "/api/tickets/999999", token=token)[0] == 404
    assert call(runtime, "GET", "/api/tickets/abc", token=token)[0] == 404
    assert call(runtime, "GET", "/api/tickets?status=bogus", token=token)[0] == 400
    assert call(runtime, "GET", "/api/tickets?cursor=forged", token=token)[0] == 400
    assert call(runtime, "POST", "/api/tickets/1/notes", raw=b"{not json", token=token)[0] == 400
    big = json.dumps({"body": "x" * 600_000}).encode()
    assert call(runtime, "POST", "/api/tickets/1/notes", raw=big, token=token)[0] == 413

    customer = "conflict.e2e@customer.test"
    send_mail(runtime, raw_mail(sender=customer), customer, ["support@example.com"])
    [ticket] = wait_for(lambda: tickets_of(runtime, token, customer))
    path = f"/api/tickets/{ticket['number']}"
    wait_for(lambda: acknowledged(runtime, token, path))
    _, fresh = call(runtime, "GET", path, token=token)  # read after the acknowledgement: its version is final
    status, changed = call(runtime, "PATCH", path, {"version": fresh["version"], "priority": "high"}, token)
    assert (status, changed["priority"]) == (200, "high"), changed
    status, stale = call(runtime, "PATCH", path, {"version": fresh["version"], "priority": "low"}, token)
    assert (status, stale["error"], stale["current_version"]) == (409, "conflict", changed["version"])
    assert call(runtime, "PATCH", path, {"priority": "low"}, token)[0] == 400
    status, note = call(runtime, "POST", f"{path}/notes", {"body": "internal only"}, token)
    assert (status, note["kind"]) == (201, "note")


def customer_mails(runtime, token: str, number: int) -> list[dict]:
    _, body = call(runtime, "GET", f"/api/tickets/{number}", token=token)
    return [m for m in body["messages"] if m["kind"] == "customer"]


def exactly(count: int, found: list[dict]) -> list[dict]:
    """`found` once it holds `count` items, else nothing (for wait_for)."""
    return found if len(found) == count else []


def opened_by(runtime, token: str, customer: str) -> dict:
    """The ticket an authenticated first mail from `customer` opens."""
    send_mail(
        runtime, raw_mail(sender=customer, headers=AUTHENTICATED_HEADERS), customer, ["support@example.com"]
    )
    [ticket] = wait_for(lambda: tickets_of(runtime, token, customer))
    return ticket


def other_tickets(runtime, token: str, customer: str, number: int) -> list[dict]:
    return [t for t in tickets_of(runtime, token, customer) if t["number"] != number]


def test_a_customer_reply_by_ticket_number_joins_only_when_its_sender_is_authenticated(runtime, token):
    """Over SMTP with the local receiver's verdict hook: an authenticated `Re: [#N]` joins the ticket;
    the same mail without authentication (what a forger gets) opens a ticket of its own."""
    customer = "auth.e2e@customer.test"
    number = opened_by(runtime, token, customer)["number"]

    forged = raw_mail(sender=customer, subject=f"Re: Parcel lost [#{number}]", cc="eve.e2e@attacker.test")
    send_mail(runtime, forged, "eve.e2e@attacker.test", ["support@example.com"])
    [other] = wait_for(lambda: other_tickets(runtime, token, customer, number))
    assert other["participants"] == []
    [parked] = customer_mails(runtime, token, other["number"])
    assert parked["unverified_sender"] is True and parked["cc"] == ["eve.e2e@attacker.test"]

    genuine = raw_mail(sender=customer, subject=f"Re: Parcel lost [#{number}]", headers=AUTHENTICATED_HEADERS)
    send_mail(runtime, genuine, customer, ["support@example.com"])
    [joined] = wait_for(lambda: customer_mails(runtime, token, number)[1:])
    assert joined["unverified_sender"] is False
    assert len(tickets_of(runtime, token, customer)) == 2
    assert mails_to(runtime, "eve.e2e@attacker.test") == []


def test_a_thread_reply_from_an_unauthenticated_stranger_joins_adds_nobody_and_is_flagged(runtime, token):
    customer = "thread.e2e@customer.test"
    ticket = opened_by(runtime, token, customer)
    [ack] = wait_for(lambda: mails_to(runtime, customer))
    stranger = raw_mail(
        sender="mal.e2e@elsewhere.test", cc="eve.e2e@elsewhere.test", in_reply_to=ack["Message-ID"]
    )
    send_mail(runtime, stranger, "mal.e2e@elsewhere.test", ["support@example.com"])

    _, answer = wait_for(lambda: exactly(2, customer_mails(runtime, token, ticket["number"])))
    assert (answer["from"]["email"], answer["unverified_sender"]) == ("mal.e2e@elsewhere.test", True)
    _, now = call(runtime, "GET", f"/api/tickets/{ticket['number']}", token=token)
    assert now["participants"] == []


def test_a_plus_address_reply_joins_only_when_its_sender_is_authenticated(runtime, token):
    """`support+N@` (what a client that drops headers still keeps) threads only for a verified sender;
    a forger writing to it as the customer opens a ticket of their own and copies nobody in."""
    customer = "plus.e2e@customer.test"
    ticket = opened_by(runtime, token, customer)
    plus = f"support+{ticket['number']}@example.com"

    forged = raw_mail(sender=customer, to=plus, subject="Changed my address", cc="eve.plus@attacker.test")
    send_mail(runtime, forged, "bounce@attacker.test", [plus])
    [other] = wait_for(lambda: other_tickets(runtime, token, customer, ticket["number"]))
    assert other["participants"] == []

    genuine = raw_mail(sender=customer, to=plus, subject="One more thing", headers=AUTHENTICATED_HEADERS)
    send_mail(runtime, genuine, customer, [plus])
    [joined] = wait_for(lambda: customer_mails(runtime, token, ticket["number"])[1:])
    assert (joined["from"]["email"], joined["unverified_sender"]) == (customer, False)
    assert mails_to(runtime, "eve.plus@attacker.test") == []


def test_a_from_on_our_own_domain_adds_nobody_without_dmarc_pass(runtime, token):
    """A mail claiming to be from a colleague at our own domain, answering a thread with a passing
    DKIM but no DMARC pass, joins the ticket flagged but brings nobody in."""
    customer = "own.e2e@customer.test"
    ticket = opened_by(runtime, token, customer)
    [ack] = wait_for(lambda: mails_to(runtime, customer))
    posing = raw_mail(
        sender="boss.e2e@example.com",
        cc="eve.own@attacker.test",
        in_reply_to=ack["Message-ID"],
        headers={"X-Local-Verdicts": "spf=pass; dkim=pass"},
    )
    send_mail(runtime, posing, "boss.e2e@example.com", ["support@example.com"])

    _, answer = wait_for(lambda: exactly(2, customer_mails(runtime, token, ticket["number"])))
    assert (answer["from"]["email"], answer["unverified_sender"]) == ("boss.e2e@example.com", True)
    _, now = call(runtime, "GET", f"/api/tickets/{ticket['number']}", token=token)
    assert now["participants"] == []
