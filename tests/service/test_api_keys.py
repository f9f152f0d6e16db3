"""API keys and POST /api/tickets through the Chalice app on moto: every check after the header is real.

An admin's Cognito ID token is stood for by `Bearer agent:<email>` (the `api_agent` fixture, as in
test_customer_pages.py); an API key is the real secret the API made.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.mailbuilder import raw_mail

ADMIN = {"authorization": "Bearer agent:admin@example.com", "content-type": "application/json"}


@pytest.fixture
def api_agent(signed_in, monkeypatch):
    from chalicelib.desk.setup import api_keys
    from chalicelib.web import auth, session

    monkeypatch.setattr(auth, "agent_for_token", session.agent_for_token)
    api_keys.forget_blocks()
    yield ADMIN
    api_keys.forget_blocks()


def bearer(secret: str) -> dict[str, str]:
    return {"authorization": f"Bearer {secret}", "content-type": "application/json"}


def post(client, path: str, body: dict, headers: dict):
    return client.http.post(path, body=json.dumps(body), headers=headers)


def make_key(client, name: str = "Shop", role: str = "agent", teams: tuple[str, ...] = ("Billing",)) -> dict:
    made = post(client, "/api/keys", {"name": name, "role": role, "teams": list(teams)}, ADMIN)
    assert made.status_code == 201, made.json_body
    return made.json_body


def test_an_admin_makes_a_key_whose_secret_is_shown_once_and_stored_as_a_hash(
    fresh_tables, web_client, api_agent
):
    from chalicelib.desk.setup.api_keys import key_hash
    from chalicelib.models import ApiKey

    made = make_key(web_client)
    secret = made["secret"]
    assert secret.startswith("hd_") and made["prefix"] == secret[:11] and made["id"] == key_hash(secret)
    assert (made["name"], made["role"], made["teams"], made["last_used_at"], made["active"]) == (
        "Shop",
        "agent",
        ["Billing"],
        None,
        True,
    )
    [stored] = list(ApiKey.query("key"))
    assert secret not in json.dumps(stored.to_simple_dict())  # only the hash and the prefix
    listed = web_client.http.get("/api/keys", headers=ADMIN).json_body["items"]
    assert [k["id"] for k in listed] == [made["id"]] and "secret" not in listed[0]


def test_a_key_acts_as_an_agent_of_its_teams(fresh_tables, web_client, api_agent, deliver):
    from chalicelib.models import Message

    support = deliver(raw_mail(to="support@example.com")).ticket_number
    billing = deliver(raw_mail(to="billing@example.com"), recipients=("billing@example.com",)).ticket_number
    key = bearer(make_key(web_client)["secret"])

    listed = web_client.http.get("/api/tickets", headers=key)
    assert listed.status_code == 200 and [t["number"] for t in listed.json_body["items"]] == [billing]
    assert web_client.http.get(f"/api/tickets/{support}", headers=key).status_code == 404
    assert web_client.http.get("/api/tickets?team=Support", headers=key).status_code == 403
    version = web_client.http.get(f"/api/tickets/{billing}", headers=key).json_body["version"]
    changed = web_client.http.patch(
        f"/api/tickets/{billing}", body=json.dumps({"priority": "high", "version": version}), headers=key
    )
    assert changed.status_code == 200 and changed.json_body["priority"] == "high"
    [event] = [m for m in Message.query(billing) if m.kind == "event"]
    assert (event.from_name, event.from_email.startswith("api-key:")) == ("API key 'Shop'", True)


def test_a_revoked_unknown_or_malformed_key_is_a_401_with_a_clear_error(fresh_tables, web_client, api_agent):
    made = make_key(web_client)
    key = bearer(made["secret"])
    assert web_client.http.get("/api/tickets", headers=key).status_code == 200
    revoked = post(web_client, f"/api/keys/{made['id']}/revoke", {}, ADMIN)
    assert revoked.status_code == 200 and revoked.json_body["active"] is False
    assert revoked.json_body["revoked_by"] == "admin@example.com"
    for headers in (key, bearer("hd_" + "x" * 43), bearer("hd_nope")):
        refused = web_client.http.get("/api/tickets", headers=headers)
        assert refused.status_code == 401
        assert refused.json_body == {"error": "unauthorized", "message": "invalid or revoked API key"}
        assert refused.headers["WWW-Authenticate"].startswith("Bearer ")
    again = post(web_client, f"/api/keys/{made['id']}/revoke", {}, ADMIN)
    assert again.json_body["revoked_at"] == revoked.json_body["revoked_at"]  # revoking twice changes nothing
    assert post(web_client, "/api/keys/nothing/revoke", {}, ADMIN).status_code == 404


def test_keys_manage_no_keys_and_only_admins_make_them(fresh_tables, web_client, api_agent):
    from chalicelib.models import Agent

    admin_key = bearer(make_key(web_client, "Root", role="admin", teams=())["secret"])
    assert web_client.http.get("/api/tickets", headers=admin_key).status_code == 200
    assert web_client.http.get("/api/keys", headers=admin_key).status_code == 403
    assert (
        post(web_client, "/api/keys", {"name": "X", "role": "admin", "teams": []}, admin_key).status_code
        == 403
    )
    Agent(email="ida@example.com", name="Ida", role="agent", teams=["Support"]).save()
    ida = {**ADMIN, "authorization": "Bearer agent:ida@example.com"}
    assert post(web_client, "/api/keys", {"name": "X", "role": "agent", "teams": []}, ida).status_code == 403
    bad = post(web_client, "/api/keys", {"name": "X", "role": "agent", "teams": ["Nowhere"]}, ADMIN)
    assert (bad.status_code, bad.json_body["field"]) == (400, "teams")
    assert post(web_client, "/api/keys", {"name": "", "role": "agent"}, ADMIN).json_body["field"] == "name"


def test_the_agent_pages_never_take_a_key(fresh_tables, web_client, api_agent):
    secret = make_key(web_client)["secret"]
    page = web_client.http.get("/queues/open", headers={"cookie": f"__Host-helpdesk_session={secret}"})
    assert page.status_code == 303 and page.headers["Location"].startswith("/login")


def test_last_use_is_written_at_most_once_a_minute(fresh_tables, web_client, api_agent, requests_made):
    from chalicelib.models import ApiKey

    start = datetime(2031, 2, 3, 10, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        made = make_key(web_client)
        key, table = bearer(made["secret"]), ApiKey.Meta.table_name

        def key_writes() -> int:
            return requests_made.item_writes[(table, False)]

        before = key_writes()
        web_client.http.get("/api/tickets", headers=key)
        assert key_writes() == before + 1
        clock.move_to(start + timedelta(seconds=59))
        for _ in range(3):
            web_client.http.get("/api/tickets", headers=key)
        assert key_writes() == before + 1  # a busy integration reads its key, and writes nothing more
        assert ApiKey.get("key", made["id"]).last_used_at == start
        clock.move_to(start + timedelta(seconds=61))
        web_client.http.get("/api/tickets", headers=key)
        assert key_writes() == before + 2
        listed = web_client.http.get("/api/keys", headers=ADMIN).json_body["items"]
        assert listed[0]["last_used_at"] == "2031-02-03T10:01:01Z"


def test_another_container_s_later_use_is_not_overwritten(fresh_tables, admin):
    """The write is conditional: a container holding an older read cannot move last use back."""
    from chalicelib.desk.setup import api_keys
    from chalicelib.models import ApiKey

    start = datetime(2031, 2, 3, 10, 0, tzinfo=UTC)
    info, secret = api_keys.create_key(admin, "Shop", "agent", ["Billing"], start)
    stale = ApiKey.get("key", info.id)
    api_keys.principal_for(secret, "198.51.100.1", start + timedelta(minutes=5))
    api_keys._record_use(stale, start + timedelta(minutes=2))  # its read says "never used"
    assert ApiKey.get("key", info.id).last_used_at == start + timedelta(minutes=5)


def test_failed_keys_from_one_network_are_limited(fresh_tables, web_client, api_agent, monkeypatch):
    from chalicelib.desk.setup import api_keys

    monkeypatch.setattr(api_keys, "FAILURES_PER_IP", 2)
    good = bearer(make_key(web_client)["secret"])
    start = datetime(2031, 2, 3, 11, 0, 30, tzinfo=UTC)
    with time_machine.travel(start) as clock:  # inside one window
        codes = [
            web_client.http.get("/api/tickets", headers=bearer("hd_" + "y" * 43)).status_code
            for _ in range(3)
        ]
        assert codes == [401, 401, 429]
        assert web_client.http.get("/api/tickets", headers=good).status_code == 429  # no lookup from there
        clock.move_to(start + timedelta(minutes=10))  # the window is over
        assert web_client.http.get("/api/tickets", headers=good).status_code == 200


def customer_mails(sent_mail, address: str) -> list:
    return [m for m in sent_mail() if address in str(m["To"])]


def test_a_logged_ticket_is_the_customer_s_message_and_mails_nothing(
    fresh_tables, web_client, api_agent, sent_mail
):
    from chalicelib.desk.ticket.tickets import thread

    key = bearer(make_key(web_client, teams=("Billing",))["secret"])
    body = {
        "requester": {"email": "phone.caller@customer.test", "name": "Phone Caller"},
        "subject": "Invoice twice",
        "text": "Called: she was charged twice for March.",
        "team": "Billing",
        "channel": "phone",
    }
    opened = post(web_client, "/api/tickets", body, key)
    assert opened.status_code == 201, opened.json_body
    ticket = opened.json_body
    assert (ticket["team"], ticket["status"], ticket["requester"]["email"]) == (
        "Billing",
        "new",
        "phone.caller@customer.test",
    )
    assert (
        ticket["mailbox"] == "billing@example.com"
        and opened.headers["Location"] == f"/api/tickets/{ticket['number']}"
    )
    assert ticket["sla"]["metrics"]["first_response"]["state"] in ("ok", "at_risk")
    customer, note = thread(ticket["number"])
    assert (customer.kind, customer.channel, customer.from_email) == (
        "customer",
        "phone",
        "phone.caller@customer.test",
    )
    assert customer.visible_text == body["text"]
    assert note.kind == "note" and note.automatic and "Logged by API key 'Shop' (phone)" in note.body_text
    assert customer_mails(sent_mail, "phone.caller@customer.test") == []


def test_a_mailed_ticket_is_the_agent_s_first_reply_and_the_answer_threads_back(
    fresh_tables, web_client, api_agent, sent_mail, deliver
):
    from chalicelib.desk.ticket.tickets import thread

    key = bearer(make_key(web_client, teams=("Support",))["secret"])
    body = {
        "requester": {"email": "outbound@customer.test", "name": "Out Bound"},
        "subject": "Your order is delayed",
        "text": "Your order ships on Monday.",
        "mailbox": "support@example.com",
        "notify_customer": True,
    }
    opened = post(web_client, "/api/tickets", body, key)
    assert opened.status_code == 201, opened.json_body
    number = opened.json_body["number"]
    assert opened.json_body["status"] == "open"
    assert opened.json_body["sla"]["metrics"]["first_response"]["state"] == "met"
    [mail] = customer_mails(sent_mail, "outbound@customer.test")
    assert f"[#{number}]" in mail["Subject"] and "Your order is delayed" in mail["Subject"]
    assert mail["Reply-To"].addresses[0].addr_spec == f"support+{number}@example.com"
    assert mail["From"].addresses[0].display_name == "API key 'Shop' via Support"
    assert "Your order ships on Monday." in mail.get_body(("plain",)).get_content()
    opened_event, *rest = thread(number)
    [reply] = [m for m in rest if m.kind == "reply"]
    assert [m.event["type"] for m in rest if m.kind == "event"] == ["status"]  # new → open, by the reply
    assert opened_event.kind == "event" and opened_event.event["type"] == "opened"
    assert (opened_event.from_name, opened_event.event["to"]) == ("API key 'Shop'", "outbound@customer.test")
    assert reply.kind == "reply" and reply.visible_text == "Your order ships on Monday."

    answer = raw_mail(
        sender="outbound@customer.test",
        subject="Re: x",
        body="Monday is fine.",
        in_reply_to=mail["Message-ID"],
    )
    assert deliver(answer).ticket_number == number
    assert [m.kind for m in thread(number)][-1] == "customer"


def test_a_repeated_idempotency_key_answers_with_the_first_ticket(
    fresh_tables, web_client, api_agent, sent_mail, monkeypatch
):
    from chalicelib.desk.intake import on_behalf

    key = bearer(make_key(web_client, teams=("Support",))["secret"])
    body = {
        "requester": {"email": "retry@customer.test"},
        "subject": "Retried",
        "text": "Hello",
        "notify_customer": True,
    }
    first = post(web_client, "/api/tickets", body, {**key, "idempotency-key": "order-77"})
    again = post(web_client, "/api/tickets", body, {**key, "idempotency-key": "order-77"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert (
        again.json_body["number"] == first.json_body["number"]
        and again.headers["Idempotent-Replayed"] == "true"
    )
    assert len(customer_mails(sent_mail, "retry@customer.test")) == 1

    # A racing twin that passed the first look (the GetItem) loses the creating transaction's
    # first condition and answers with the winner.
    looks = []
    real = on_behalf._earlier

    def first_look_misses(*args):
        looks.append(args)
        return None if len(looks) == 1 else real(*args)

    monkeypatch.setattr(on_behalf, "_earlier", first_look_misses)
    raced = post(web_client, "/api/tickets", body, {**key, "idempotency-key": "order-77"})
    assert raced.status_code == 200 and raced.json_body["number"] == first.json_body["number"]
    assert len(looks) == 2
    monkeypatch.setattr(on_behalf, "_earlier", real)
    assert len(customer_mails(sent_mail, "retry@customer.test")) == 1

    reused = post(
        web_client, "/api/tickets", {**body, "subject": "Another"}, {**key, "idempotency-key": "order-77"}
    )
    assert reused.status_code == 422 and f"#{first.json_body['number']}" in reused.json_body["message"]

    by_id = post(web_client, "/api/tickets", {**body, "external_id": "crm-5"}, key)
    by_id_again = post(web_client, "/api/tickets", {**body, "external_id": "crm-5"}, key)
    assert by_id.status_code == 201 and by_id_again.json_body["number"] == by_id.json_body["number"]
    other_key = bearer(make_key(web_client, "CRM", teams=("Support",))["secret"])
    assert post(web_client, "/api/tickets", {**body, "external_id": "crm-5"}, other_key).status_code == 201


def test_tickets_open_only_in_the_principal_s_teams(fresh_tables, web_client, api_agent):
    key = bearer(make_key(web_client, teams=("Billing",))["secret"])
    body = {"requester": {"email": "ada@customer.test"}, "subject": "Hi", "text": "Hello"}
    for where in ({"team": "Support"}, {"mailbox": "support@example.com"}, {}):  # {}: the default, Support's
        refused = post(web_client, "/api/tickets", {**body, **where}, key)
        assert (refused.status_code, refused.json_body["field"]) == (403, "team"), where
    assert (
        post(web_client, "/api/tickets", {**body, "mailbox": "nobody@example.com"}, key).json_body["field"]
        == "mailbox"
    )
    assert post(web_client, "/api/tickets", {**body, "team": "Nowhere"}, key).json_body["field"] == "team"
    own = post(
        web_client,
        "/api/tickets",
        {**body, "requester": {"email": "billing@example.com"}, "team": "Billing"},
        key,
    )
    assert (own.status_code, own.json_body["field"]) == (400, "requester.email")
    assert post(web_client, "/api/tickets", {**body, "team": "Billing"}, key).status_code == 201
    signed_in_admin = post(web_client, "/api/tickets", {**body, "team": "Support"}, ADMIN)
    assert signed_in_admin.status_code == 201 and signed_in_admin.json_body["team"] == "Support"


def test_the_admin_page_makes_lists_and_revokes_keys(fresh_tables, web_client, signed_in):
    import re

    from chalicelib.models import ApiKey
    from tests.service.agent_http import cookie, csrf_of
    from tests.service.agent_http import post as post_form

    page = web_client.http.get("/admin", headers=cookie()).body.decode()
    assert "No API keys yet." in page
    csrf = csrf_of(page)
    made = post_form(
        web_client, "/admin/keys", {"csrf": csrf, "name": "Shop", "role": "lead", "teams": ["Billing"]}
    )
    assert made.status_code == 200
    shown = made.body.decode()
    secret = re.search(r'class="password api-key-secret">(hd_[A-Za-z0-9_-]{43})<', shown).group(1)
    [stored] = list(ApiKey.query("key"))
    assert stored.role == "lead" and stored.teams == ["Billing"]
    assert stored.prefix in shown
    listing = web_client.http.get("/admin", headers=cookie()).body.decode()
    assert secret not in listing and f"<code>{stored.prefix}…</code>" in listing and "never" in listing
    assert (
        post_form(web_client, "/admin/keys", {"csrf": "forged", "name": "X", "role": "agent"}).status_code
        == 403
    )
    revoked = post_form(web_client, "/admin/keys/revoke", {"csrf": csrf, "id": stored.key_hash})
    assert revoked.status_code == 303
    assert ApiKey.get("key", stored.key_hash).revoked_by == "admin@example.com"
    assert "Revoked " in web_client.http.get("/admin", headers=cookie()).body.decode()
