"""Auto-assignment and availability on moto: the team's turn counter, fewest open on the index,
the event, away agents skipped, the Admin page's setting, away set and cleared, pickers marking
away agents, and a lead handing an agent's tickets back (each version-checked)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chalicelib.desk.assignment import auto, hand_back
from chalicelib.desk.base.errors import Forbidden
from chalicelib.desk.setup import admin as admin_service
from chalicelib.desk.setup import directory
from chalicelib.desk.setup.agents import load_agent
from chalicelib.models import Agent, Message, Ticket
from tests.mailbuilder import raw_mail
from tests.service.agent_http import cookie, csrf_of, post

pytestmark = pytest.mark.usefixtures("fresh_tables", "admin_off_the_rota")
TEAM_MATES = ("ana@example.com", "ben@example.com", "cy@example.com")


def add_agents(*emails: str, role: str = "agent", **fields: object) -> None:
    for email in emails:
        values = {"working_hours": "always", **fields}  # at work whenever the suite runs
        Agent(email=email, name=email.split("@")[0].title(), role=role, teams=["Support"], **values).save()
    directory.forget()


def events_of(number: int) -> list[str]:
    return [m.body_text for m in Message.query(number) if m.kind == "event"]


def test_mail_to_a_round_robin_team_goes_to_each_available_agent_in_turn(admin, deliver):
    add_agents(*TEAM_MATES)
    add_agents("away@example.com", away_until=int((datetime.now(UTC) + timedelta(days=1)).timestamp()))
    admin_service.set_assignment(admin, "Support", "round_robin")
    numbers = [deliver(raw_mail(sender=f"c{n}@customer.test")).ticket_number for n in range(6)]
    tickets = [Ticket.get(n) for n in numbers]
    assert [t.assignee for t in tickets] == list(TEAM_MATES) * 2
    first = tickets[0]
    assert first.assignee_queue == "ana@example.com#open" and first.unassigned is None  # in her "Mine"
    assert events_of(first.number) == ["Assigned to ana@example.com by round robin"]


@pytest.fixture
def atomic_requests(monkeypatch):
    """moto in-process answers concurrent requests in parallel on shared Python objects (two ADDs
    can read the same value); DynamoDB applies each request to an item atomically, as the local
    runtime's embedded AWS does by answering one at a time (local.aws). This gives the in-process
    moto the same one-at-a-time rule, so what remains is whether the code's writes are atomic."""
    import threading

    from moto.core.botocore_stubber import BotocoreStubber

    lock, answer = threading.Lock(), BotocoreStubber.__call__

    def one_at_a_time(self, *args, **kwargs):
        with lock:
            return answer(self, *args, **kwargs)

    monkeypatch.setattr(BotocoreStubber, "__call__", one_at_a_time)


def test_a_turn_is_one_atomic_add_and_concurrent_picks_never_share_one(atomic_requests, requests_made):
    with requests_made.measure() as made:
        assert auto.next_turn("Support") == 1
    assert dict(made) == {"dynamodb:UpdateItem": 1}  # no read before the write: nothing to race with
    with ThreadPoolExecutor(max_workers=8) as pool:
        turns = list(pool.map(lambda _: auto.next_turn("Support"), range(40)))
    assert sorted(turns) == list(range(2, 42))


def test_fewest_open_counts_each_agent_s_open_tickets_on_the_assignee_index(admin, deliver, update):
    add_agents(*TEAM_MATES)
    for n in range(3):  # ana 1 open, ben 2 open and 1 pending (not open work), cy none
        number = deliver(raw_mail(sender=f"load{n}@customer.test")).ticket_number
        update(number, assignee=TEAM_MATES[min(n, 1)])
    pending = deliver(raw_mail(sender="waiting@customer.test")).ticket_number
    update(pending, assignee="ben@example.com", status="pending")
    counts = {e: auto.open_count(e) for e in TEAM_MATES}
    assert counts == {"ana@example.com": 1, "ben@example.com": 2, "cy@example.com": 0}
    admin_service.set_assignment(admin, "Support", "fewest_open")
    made = [Ticket.get(deliver(raw_mail(sender=f"new{n}@customer.test")).ticket_number) for n in range(3)]
    assert [t.assignee for t in made] == ["cy@example.com", "ana@example.com", "cy@example.com"]
    assert events_of(made[0].number) == ["Assigned to cy@example.com by fewest open"]


def test_nobody_available_leaves_the_ticket_unassigned(admin, deliver):
    add_agents("night@example.com", working_hours=None, time_zone="UTC")
    Agent(email="night@example.com").update(actions=[Agent.active.set(False)])
    add_agents("gone@example.com", away_until=int((datetime.now(UTC) + timedelta(hours=2)).timestamp()))
    admin_service.set_assignment(admin, "Support", "round_robin")
    ticket = Ticket.get(deliver(raw_mail(sender="alone@customer.test")).ticket_number)
    assert ticket.assignee is None and ticket.unassigned == "open"
    assert events_of(ticket.number) == []


def test_mode_off_costs_no_request_and_round_robin_one_update(admin, requests_made):
    from chalicelib.config import Mailbox
    from chalicelib.desk.ticket.opening import NewTicket
    from chalicelib.mail.message import Address

    add_agents(*TEAM_MATES)
    new = NewTicket("Hi", Address("c@customer.test", ""), Mailbox("support@example.com", "Support"))
    now = datetime.now(UTC)
    directory.directory(), directory.agents()  # a warm container
    with requests_made.measure() as made:
        assert auto.assigned(new, now) == new
    assert dict(made) == {}
    admin_service.set_assignment(admin, "Support", "round_robin")
    directory.directory(), directory.agents()
    with requests_made.measure() as made:
        assert auto.assigned(new, now).assignee == "ana@example.com"
    assert dict(made) == {"dynamodb:UpdateItem": 1}
    admin_service.set_assignment(admin, "Support", "fewest_open")
    directory.directory(), directory.agents()
    with requests_made.measure() as made:
        auto.assigned(new, now)
    assert dict(made) == {"dynamodb:Query": 3}  # one COUNT per eligible agent


@pytest.mark.usefixtures("signed_in")
def test_admins_set_a_team_s_assignment_and_an_agent_s_working_hours_on_the_admin_page(web_client):
    add_agents("ana@example.com")
    page = web_client.http.get("/admin", headers=cookie()).body.decode()
    assert 'aria-label="Auto-assignment of Support"' in page
    form = {"csrf": csrf_of(page), "team": "Support", "assignment": "fewest_open"}
    assert post(web_client, "/admin/teams/assignment", form).status_code == 303
    directory.forget()
    assert directory.directory().assignment == {"Support": "fewest_open"}
    refused = post(web_client, "/admin/teams/assignment", {**form, "assignment": "lottery"})
    assert refused.status_code == 400 and "round_robin" in refused.body.decode()
    fields = {"csrf": form["csrf"], "email": "ana@example.com", "role": "agent", "teams": ["Support"]}
    fields |= {"time_zone": "Europe/Berlin", "working_hours": "Mon-Thu 08:00-16:00"}
    assert post(web_client, "/admin/agents/update", fields).status_code == 303
    assert Agent.get("ana@example.com").working_hours == "mon-thu 08:00-16:00"
    bad = post(web_client, "/admin/agents/update", {**fields, "working_hours": "thu-mon 08:00-16:00"})
    assert bad.status_code == 400 and "runs backwards" in bad.body.decode()
    post(web_client, "/admin/agents/update", {**fields, "working_hours": ""})
    assert Agent.get("ana@example.com").working_hours is None  # the default again


@pytest.mark.usefixtures("signed_in")
def test_an_agent_sets_away_with_a_note_and_the_picker_marks_them(web_client, deliver):
    add_agents("ana@example.com", time_zone="Europe/Berlin")
    page = web_client.http.get("/account/availability", headers=cookie("ana@example.com")).body.decode()
    assert "You are available" in page
    local = (datetime.now(UTC) + timedelta(days=3)).astimezone(ZoneInfo("Europe/Berlin"))
    form = {"csrf": csrf_of(page), "until": local.strftime("%Y-%m-%dT%H:%M"), "note": "Conference in Lisbon"}
    answer = post(web_client, "/account/availability", form, email="ana@example.com")
    assert answer.status_code == 303 and answer.headers["Location"].endswith(
        "/account/availability?done=away"
    )
    shown = web_client.http.get(
        "/account/availability?done=away", headers=cookie("ana@example.com")
    ).body.decode()
    assert "You are away until" in shown and "Conference in Lisbon" in shown and ">Away</a>" in shown
    stored = Agent.get("ana@example.com")
    assert abs(stored.away_until - local.replace(second=0, microsecond=0).timestamp()) < 1
    assert stored.away_note == "Conference in Lisbon"
    number = deliver(raw_mail(sender="picker@customer.test")).ticket_number
    ticket_page = web_client.http.get(f"/tickets/{number}", headers=cookie()).body.decode()
    assert ">Ana (away until " in ticket_page  # still a choice: manual assignment is allowed
    queue_page = web_client.http.get("/queues/open", headers=cookie()).body.decode()
    assert ">Ana (away until " in queue_page  # the assignee filter marks them too
    colleagues = web_client.http.get("/account/availability", headers=cookie()).body.decode()
    assert "Conference in Lisbon" in colleagues
    back = post(web_client, "/account/availability/back", {"csrf": csrf_of(shown)}, email="ana@example.com")
    assert back.status_code == 303 and Agent.get("ana@example.com").away_until is None
    past = {**form, "until": "2020-01-01T09:00"}
    refused = post(web_client, "/account/availability", past, email="ana@example.com")
    assert refused.status_code == 400 and "still ahead" in refused.body.decode()


@pytest.fixture
def api_tokens(signed_in, monkeypatch):
    """`Bearer agent:<email>` stands for a verified ID token on the JSON API too."""
    from chalicelib.web import auth, session

    monkeypatch.setattr(auth, "agent_for_token", session.agent_for_token)


@pytest.mark.usefixtures("api_tokens")
def test_the_json_api_sets_and_clears_away_and_hands_back(web_client, deliver, update):
    add_agents("ana@example.com")
    headers = {"authorization": "Bearer agent:ana@example.com", "content-type": "application/json"}
    until = (datetime.now(UTC) + timedelta(hours=5)).replace(microsecond=0)
    body = json.dumps({"until": until.isoformat(), "note": "Out for the afternoon"})
    answer = web_client.http.put("/api/me/away", body=body, headers=headers)
    assert answer.status_code == 200, answer.body
    assert json.loads(answer.body)["away_until"] == until.isoformat()
    assert load_agent("ana@example.com").is_away(datetime.now(UTC).timestamp())
    bad = web_client.http.put("/api/me/away", body=json.dumps({"until": "soon"}), headers=headers)
    assert bad.status_code == 400 and json.loads(bad.body)["field"] == "until"
    cleared = web_client.http.delete("/api/me/away", headers=headers)
    assert cleared.status_code == 200 and json.loads(cleared.body)["away_until"] is None
    number = deliver(raw_mail(sender="api-hand-back@customer.test")).ticket_number
    update(number, assignee="ana@example.com")
    refused = web_client.http.post("/api/agents/ana%40example.com/hand-back", headers=headers)
    assert refused.status_code == 403  # an agent is not a lead
    admin = {**headers, "authorization": "Bearer agent:admin@example.com"}
    handed = web_client.http.post("/api/agents/ana%40example.com/hand-back", headers=admin)
    assert json.loads(handed.body) == {"changed": [number], "skipped": []}
    assert Ticket.get(number).assignee is None


def test_a_lead_hands_an_agent_s_open_tickets_back_to_the_team_each_version_checked(admin, deliver, update):
    add_agents("ana@example.com")
    add_agents("lea@example.com", role="lead")
    Agent(email="bill@example.com", name="Bill", role="lead", teams=["Billing"]).save()
    directory.forget()
    numbers = [deliver(raw_mail(sender=f"h{n}@customer.test")).ticket_number for n in range(3)]
    for number in numbers:
        update(number, assignee="ana@example.com")
    update(numbers[2], status="pending")
    lead = load_agent("lea@example.com")
    with pytest.raises(Forbidden):
        hand_back.hand_back(load_agent("bill@example.com"), "ana@example.com", datetime.now(UTC))
    stale = Ticket.get(numbers[0])
    real_query = Ticket.assignee_queue_index.query

    def query_then_someone_else_changes_it(key, **options):
        for ticket in real_query(key, **options):
            if ticket.number == stale.number:
                update(stale.number, priority="high")  # another agent's change after the read
            yield ticket

    Ticket.assignee_queue_index.query = query_then_someone_else_changes_it  # type: ignore[method-assign]
    try:
        result = hand_back.hand_back(lead, "ana@example.com", datetime.now(UTC))
    finally:
        del Ticket.assignee_queue_index.query
    assert sorted(result.changed) == numbers[1:]
    assert list(result.skipped) == [numbers[0]] and "changed meanwhile" in result.skipped[numbers[0]]
    assert [Ticket.get(n).assignee for n in numbers] == ["ana@example.com", None, None]
    assert Ticket.get(numbers[1]).unassigned == "open"
    assert events_of(numbers[1])[-1] == "Assignee changed from ana@example.com to nobody"
