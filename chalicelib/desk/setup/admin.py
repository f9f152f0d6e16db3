"""What admins change: agents (Cognito users + agent rows), teams, mailboxes and canned replies."""

from __future__ import annotations

import secrets
import string
from typing import Literal, get_args
from zoneinfo import available_timezones

from pynamodb.exceptions import DeleteError, PutError, TransactWriteError, UpdateError
from pynamodb.expressions.update import Action

from chalicelib.aws import client
from chalicelib.config import settings
from chalicelib.desk.base.errors import Conflict, Forbidden, InvalidRequest, NotFound
from chalicelib.desk.base.transactions import condition_failed, is_race
from chalicelib.desk.setup import branding, directory, mail_templates, working_hours
from chalicelib.desk.setup.agents import AgentProfile, forget_profile
from chalicelib.desk.setup.logins import create_login
from chalicelib.mail.addresses import plus_parts, split_address
from chalicelib.models import Agent, DirectoryEntry, write_transaction

Role = Literal["agent", "lead", "admin"]
ROLES: tuple[Role, ...] = get_args(
    Role
)  # a lead also gets the breach escalations and daily digest of their teams
MAX_NAME = 80


def require_admin(actor: AgentProfile) -> None:
    if not actor.is_admin:
        raise Forbidden("only admins can change the desk's setup")


def temporary_password() -> str:
    """A password meeting Cognito's default policy, shown once to the inviting admin."""
    alphabet = string.ascii_letters + string.digits
    return "Hd-" + "".join(secrets.choice(alphabet) for _ in range(14)) + "7a"


def invite_agent(actor: AgentProfile, email: str, name: str, role: Role, teams: list[str]) -> str:
    """Create the agent row and the Cognito user; returns the temporary password to hand over.

    No mail is sent (MessageAction=SUPPRESS): the password is shown once, so the same flow works
    locally, where Cognito sends nothing, and in AWS. It is temporary: the agent must choose their
    own at first sign-in. The row keeps the user's `sub`, which sign-ins are matched on.
    """
    require_admin(actor)
    email, name = _email(email), _name(name)
    _check(role, teams)
    password = temporary_password()
    try:
        Agent(email=email, name=name, role=role, teams=teams, active=True).save(
            condition=Agent.email.does_not_exist()
        )
    except PutError as error:
        if not condition_failed(error):
            raise
        raise InvalidRequest(f"{email} is already an agent") from None
    sub = create_login(
        client("cognito-idp"), settings().cognito_user_pool_id, email, name, password, permanent=False
    )
    Agent(email=email).update(actions=[Agent.sub.set(sub)], condition=Agent.email.exists())
    directory.forget()
    return password


def update_agent(
    actor: AgentProfile,
    email: str,
    role: Role,
    teams: list[str],
    time_zone: str,
    *,
    working_hours: str | None = None,
) -> None:
    """Role, teams, zone and (when given; "" for the default) the hours auto-assignment may pick them in."""
    require_admin(actor)
    _check(role, teams)
    if time_zone not in available_timezones():
        raise InvalidRequest(f"{time_zone!r} is not a time zone")
    if email == actor.email and role != "admin":
        raise InvalidRequest("you cannot remove your own admin role")
    actions: list[Action] = [Agent.role.set(role), Agent.teams.set(teams), Agent.time_zone.set(time_zone)]
    if working_hours is not None:
        actions.append(_working_hours_action(working_hours))
    Agent(email=email).update(actions=actions, condition=Agent.email.exists())
    _changed(email)


def _working_hours_action(text: str) -> Action:
    if not text.strip() or " ".join(text.lower().split()) == working_hours.DEFAULT:
        return Agent.working_hours.remove()
    try:
        return Agent.working_hours.set(working_hours.checked(text))
    except ValueError as error:
        raise InvalidRequest(str(error), field="working_hours") from None


def set_assignment(actor: AgentProfile, team: str, mode: str) -> None:
    """A team's auto-assignment: off, round_robin or fewest_open (desk.assignment)."""
    require_admin(actor)
    _check_team(team)
    if mode not in directory.ASSIGNMENT_MODES:
        raise InvalidRequest(
            f"assignment must be one of {', '.join(directory.ASSIGNMENT_MODES)}", field="assignment"
        )
    if mode == "off":
        DirectoryEntry(scope="desk", key=f"assignment#{team}").delete()
    else:
        directory.entry("assignment", team, body=mode).save()
    directory.forget()


def set_active(actor: AgentProfile, email: str, active: bool) -> None:
    """Deactivate (or reactivate) an agent: their row and their Cognito user both."""
    require_admin(actor)
    if email == actor.email:
        raise InvalidRequest("you cannot deactivate yourself")
    Agent(email=email).update(actions=[Agent.active.set(active)], condition=Agent.email.exists())
    idp, pool = client("cognito-idp"), settings().cognito_user_pool_id
    if active:
        idp.admin_enable_user(UserPoolId=pool, Username=email)
    else:
        idp.admin_disable_user(UserPoolId=pool, Username=email)
    _changed(email)


def add_team(actor: AgentProfile, name: str) -> None:
    require_admin(actor)
    _put(directory.entry("team", _name(name)))


def remove_team(actor: AgentProfile, name: str) -> None:
    """Remove a team nobody works in and no mailbox feeds: otherwise its mail and its agents would
    point at nothing. Its existing tickets keep the name (admins still see them in All open)."""
    require_admin(actor)
    directory.forget()  # decide on what is stored now, not on this container's minute-old copy
    setup = directory.directory()
    if name not in setup.teams:
        raise NotFound(f"team {name!r} does not exist")
    routed = [m.address for m in setup.mailboxes if m.team == name]
    if routed:
        raise InvalidRequest(f"mail to {', '.join(routed)} still goes to team {name}: move it first")
    members = [a.email for a in directory.agents() if name in a.teams]
    if members:
        raise InvalidRequest(f"team {name} still has agents ({', '.join(members)}): change their teams first")
    try:
        directory.entry("team", name).delete(condition=DirectoryEntry.key.exists())
    except DeleteError as error:
        if not condition_failed(error):
            raise
        raise NotFound(f"team {name!r} does not exist") from None
    directory.forget()


def add_mailbox(actor: AgentProfile, address: str, team: str) -> None:
    """Route a new support address to a team, at a domain the deployment already receives mail for."""
    require_admin(actor)
    address = _email(address)
    _check_received(address)
    _check_team(team)
    _put(directory.entry("mailbox", address, team=team))


def _check_received(address: str) -> None:
    """Refuse an address whose mail could never arrive. What receives a domain's mail (its MX record,
    the SES identity and the receipt rule the stack makes per mailbox domain, the inbound handler's
    own domains) comes with the deployment's mailboxes, not from this page. A `+` would collide with
    the `support+N@` ticket addresses, which drop everything after it."""
    _, tag, domain = plus_parts(address)
    if tag is not None:
        raise InvalidRequest(f"{address} has a +: support+N@ addresses already reach ticket N; leave it out")
    received = sorted(settings().mail_domains)
    if domain not in received:
        raise InvalidRequest(
            f"This deployment does not receive mail for {domain}, only for {', '.join(received)}: mail to "
            f"{address} would never arrive. Use an address at {' or '.join(received)}, or first add {domain} "
            "to the deployment: a mailbox at it in infra/helpdesk.json, make deploy (its SES identity and "
            'receipt rule), then its DKIM and MX records (docs/DEPLOY.md, "Another mail domain").'
        )


def move_mailbox(actor: AgentProfile, address: str, team: str) -> None:
    """Route a support address's new mail to another team (its existing tickets stay where they are)."""
    require_admin(actor)
    _check_team(team)
    try:
        directory.entry("mailbox", address).update(
            actions=[DirectoryEntry.team.set(team)], condition=DirectoryEntry.key.exists()
        )
    except UpdateError as error:
        if not condition_failed(error):
            raise
        raise NotFound(f"{address} is not a mailbox") from None
    directory.forget()


def remove_mailbox(actor: AgentProfile, address: str) -> None:
    """Stop handling an address; never the last one (mail and the request form need a mailbox).

    Mail still arriving for it lands in the first remaining mailbox. The removal is conditional on
    another mailbox still existing, so two admins removing the last two at once cannot both succeed.
    """
    require_admin(actor)
    directory.forget()
    mailboxes = directory.directory().mailboxes
    if address not in {m.address for m in mailboxes}:
        raise NotFound(f"{address} is not a mailbox")
    others = [m.address for m in mailboxes if m.address != address]
    if not others:
        raise InvalidRequest(f"{address} is the desk's only mailbox: add another before removing it")
    try:
        with write_transaction() as transaction:
            transaction.delete(directory.entry("mailbox", address), condition=DirectoryEntry.key.exists())
            transaction.condition_check(
                DirectoryEntry, "desk", f"mailbox#{others[0]}", condition=DirectoryEntry.key.exists()
            )
    except TransactWriteError as error:
        if not is_race(error):
            raise
        raise Conflict("the mailboxes changed meanwhile; reload the page and try again") from None
    directory.forget()


def save_canned(actor: AgentProfile, title: str, body: str) -> None:
    require_admin(actor)
    if not body.strip():
        raise InvalidRequest("a canned reply needs a text")
    directory.entry("canned", _name(title), body=body.strip().replace("\r\n", "\n")).save()
    directory.forget()


def delete_canned(actor: AgentProfile, title: str) -> None:
    require_admin(actor)
    DirectoryEntry(scope="desk", key=f"canned#{title}").delete()
    directory.forget()


def save_template(actor: AgentProfile, name: str, text: str) -> None:
    """An admin's version of a customer mail template (checked: known placeholders only)."""
    require_admin(actor)
    directory.entry("template", name, body=mail_templates.check(name, text)).save()
    directory.forget()


def reset_template(actor: AgentProfile, name: str) -> None:
    """Back to the default text of the template."""
    require_admin(actor)
    mail_templates.check(name, mail_templates.DEFAULTS.get(name, ""))
    DirectoryEntry(scope="desk", key=f"template#{name}").delete()
    directory.forget()


def save_branding(actor: AgentProfile, name: str, logo_url: str, colour: str, footer: str) -> None:
    require_admin(actor)
    brand = branding.checked(name, logo_url, colour, footer)
    directory.entry("brand", "desk", body=brand.to_json()).save()
    directory.forget()


def _check_team(team: str) -> None:
    if team not in directory.directory().teams:
        raise InvalidRequest(f"team {team!r} does not exist")


def _put(item: DirectoryEntry) -> None:
    try:
        item.save(condition=DirectoryEntry.key.does_not_exist())
    except PutError as error:
        if not condition_failed(error):
            raise
        raise InvalidRequest(f"{item.name} already exists") from None
    directory.forget()


def _changed(email: str) -> None:
    forget_profile(email)
    directory.forget()


def _check(role: Role, teams: list[str]) -> None:
    if role not in ROLES:
        raise InvalidRequest(f"role must be one of {', '.join(ROLES)}")
    unknown = sorted(set(teams) - set(directory.directory().teams))
    if unknown:
        raise InvalidRequest(f"unknown team(s): {', '.join(unknown)}")


def _email(value: str) -> str:
    value = value.strip().lower()
    local, domain = split_address(value)
    if not local or "@" in local or "." not in domain or any(ch in value for ch in " <>,;\"'"):
        raise InvalidRequest(f"{value!r} is not an email address")
    return value


def _name(value: str) -> str:
    value = " ".join(value.split())
    if not value or len(value) > MAX_NAME or "#" in value:
        raise InvalidRequest(f"a name needs 1 to {MAX_NAME} characters and no #")
    return value
