"""The Admin page's forms through the Chalice test client: agents' role and teams, mailboxes added,
re-pointed and removed (never the last), teams removed only when nothing points at them."""

from __future__ import annotations

import pytest

from chalicelib.desk.setup import directory
from chalicelib.models import Agent, Ticket
from tests.mailbuilder import raw_mail
from tests.service.agent_http import cookie, csrf_of, post

pytestmark = pytest.mark.usefixtures("signed_in")


def admin_form(web_client, path: str, **fields: str | list[str]):
    """Submit one of the Admin page's forms with the page's CSRF token."""
    page = web_client.http.get("/admin", headers=cookie()).body.decode()
    return post(web_client, path, {"csrf": csrf_of(page), **fields})


def routed(address: str) -> str | None:
    """The team a mailbox's mail goes to now (None: no such mailbox)."""
    directory.forget()
    return next((m.team for m in directory.directory().mailboxes if m.address == address), None)


def update_agent(web_client, email: str, role: str, teams: list[str], time_zone: str = "UTC"):
    fields = {"email": email, "role": role, "teams": teams, "time_zone": time_zone}
    return admin_form(web_client, "/admin/agents/update", **fields)


def remove_mailbox(web_client, address: str):
    return admin_form(web_client, "/admin/mailboxes/update", address=address, remove="1")


def test_admin_sets_an_agent_s_role_teams_and_time_zone(web_client):
    Agent(email="promoted@example.com", name="Pro Moted", role="agent", teams=["Billing"]).save()
    response = update_agent(
        web_client, "promoted@example.com", "admin", ["Support", "Billing"], "Europe/Paris"
    )
    assert response.status_code == 303
    agent = Agent.get("promoted@example.com")
    assert (agent.role, agent.teams, agent.time_zone) == ("admin", ["Support", "Billing"], "Europe/Paris")
    refused = update_agent(web_client, "promoted@example.com", "agent", ["Nowhere"])
    assert refused.status_code == 400 and Agent.get("promoted@example.com").teams == ["Support", "Billing"]


def test_a_mailbox_is_added_re_pointed_and_removed_and_then_its_team(web_client, deliver):
    address = "partners@example.com"
    assert admin_form(web_client, "/admin/teams", name="Partners").status_code == 303
    assert admin_form(web_client, "/admin/mailboxes", address=address, team="Support").status_code == 303
    assert routed(address) == "Support"
    first = deliver(raw_mail(to=address), recipients=(address,)).ticket_number
    assert (Ticket.get(first).mailbox, Ticket.get(first).team) == (address, "Support")

    moved = admin_form(web_client, "/admin/mailboxes/update", address=address, team="Partners")
    assert moved.status_code == 303 and routed(address) == "Partners"
    second = deliver(raw_mail(to=address), recipients=(address,)).ticket_number
    assert Ticket.get(second).team == "Partners" and Ticket.get(first).team == "Support"
    page = web_client.http.get("/admin", headers=cookie()).body.decode()
    assert f'<input type="hidden" name="address" value="{address}">' in page

    kept = admin_form(web_client, "/admin/teams/remove", name="Partners")
    assert kept.status_code == 400 and f"mail to {address} still goes to team Partners" in kept.body.decode()
    removed = remove_mailbox(web_client, address)
    assert removed.status_code == 303 and routed(address) is None
    assert admin_form(web_client, "/admin/teams/remove", name="Partners").status_code == 303
    assert "Partners" not in directory.directory().teams
    assert admin_form(web_client, "/admin/teams/remove", name="Partners").status_code == 404


def test_a_team_with_agents_is_kept_until_they_leave_it(web_client):
    assert admin_form(web_client, "/admin/teams", name="Night Owls").status_code == 303
    Agent(email="owl@example.com", name="Owl", role="agent", teams=["Support", "Night Owls"]).save()
    directory.forget()
    kept = admin_form(web_client, "/admin/teams/remove", name="Night Owls")
    assert kept.status_code == 400 and "still has agents (owl@example.com)" in kept.body.decode()
    assert update_agent(web_client, "owl@example.com", "agent", ["Support"]).status_code == 303
    assert admin_form(web_client, "/admin/teams/remove", name="Night Owls").status_code == 303
    assert "Night Owls" not in directory.directory().teams


def test_the_last_mailbox_is_never_removed(web_client):
    first, *others = [m.address for m in directory.directory().mailboxes]
    teams = {m.address: m.team for m in directory.directory().mailboxes}
    try:
        for address in others:
            assert (
                admin_form(web_client, "/admin/mailboxes/update", address=address, remove="1").status_code
                == 303
            )
        page = web_client.http.get("/admin", headers=cookie()).body.decode()
        assert 'name="remove"' not in page  # the only mailbox offers no Remove button
        refused = remove_mailbox(web_client, first)
        assert refused.status_code == 400 and "only mailbox" in refused.body.decode()
        assert routed(first) == teams[first]
    finally:
        for address in others:
            admin_form(web_client, "/admin/mailboxes", address=address, team=teams[address])
        directory.forget()
    assert [m.address for m in directory.directory().mailboxes] == [first, *others]


def test_an_admin_makes_an_agent_a_team_lead_who_stays_an_agent(web_client):
    Agent(email="lead@example.com", name="Lea Lead", role="agent", teams=["Billing"]).save()
    made = update_agent(web_client, "lead@example.com", "lead", ["Billing"])
    assert made.status_code == 303 and Agent.get("lead@example.com").role == "lead"
    assert web_client.http.get("/admin", headers=cookie("lead@example.com")).status_code == 403
    assert ">lead</option>" in web_client.http.get("/admin", headers=cookie()).body.decode()


def test_a_mailbox_on_a_domain_the_deployment_does_not_receive_is_refused_with_what_to_do(web_client):
    page = web_client.http.get("/admin", headers=cookie()).body.decode()
    assert "New mailboxes must be at example.com: the domain this deployment receives mail for." in page
    refused = admin_form(web_client, "/admin/mailboxes", address="help@elsewhere.test", team="Support")
    body = refused.body.decode()
    assert refused.status_code == 400
    assert "This deployment does not receive mail for elsewhere.test, only for example.com" in body
    assert "infra/helpdesk.json" in body and "DKIM and MX records" in body
    assert routed("help@elsewhere.test") is None
    tagged = admin_form(web_client, "/admin/mailboxes", address="help+vip@example.com", team="Support")
    assert tagged.status_code == 400 and routed("help+vip@example.com") is None
    doubled = admin_form(web_client, "/admin/mailboxes", address="help@x@example.com", team="Support")
    assert doubled.status_code == 400 and "is not an email address" in doubled.body.decode()
    assert routed("help@x@example.com") is None


def test_the_service_refuses_it_too_before_writing_anything(admin):
    from chalicelib.desk.base.errors import InvalidRequest
    from chalicelib.desk.setup import admin as admin_service

    with pytest.raises(InvalidRequest, match=r"does not receive mail for sub\.example\.com"):
        admin_service.add_mailbox(admin, "help@sub.example.com", "Support")
    assert routed("help@sub.example.com") is None
