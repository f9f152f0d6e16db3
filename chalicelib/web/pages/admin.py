"""Admin pages: agents, teams, mailboxes, canned replies and API keys. Every change is a form with CSRF."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.config import settings
from chalicelib.desk.setup import admin, api_keys, branding, directory, mail_templates
from chalicelib.desk.setup.canned import PLACEHOLDERS
from chalicelib.desk.ticket.records import utcnow
from chalicelib.web import params
from chalicelib.web.pages.queues import sidebar
from chalicelib.web.pages.render import redirect
from chalicelib.web.pages.routing import Context, page

blueprint = Blueprint(__name__)


@page(blueprint, "/admin")
def overview(context: Context) -> Response:
    return _overview(context)


def _overview(
    context: Context, invited: tuple[str, str] | None = None, new_key: tuple[str, str] | None = None
) -> Response:
    """The admin page; after an invitation it shows the new agent's password, after a new API key
    its secret: once, in this answer only (never in a URL, never stored)."""
    admin.require_admin(context.session.agent)
    return context.render(
        "admin.html",
        directory=directory.directory(),
        agents=directory.agents(),
        roles=admin.ROLES,
        assignment_modes=directory.ASSIGNMENT_MODES,
        placeholders=PLACEHOLDERS,
        template_placeholders=mail_templates.TEMPLATE_PLACEHOLDERS,
        template_titles=mail_templates.TITLES,
        template_defaults=mail_templates.DEFAULTS,
        brand=branding.current(),
        mail_domains=sorted(settings().mail_domains),
        invited=invited,
        api_keys=api_keys.list_keys(context.session.agent),
        new_key=new_key,
        **sidebar(context.session.agent),
    )


@page(blueprint, "/admin/agents", methods=("POST",))
def invite(context: Context) -> Response:
    form = context.form
    email = form.get("email", "")
    password = admin.invite_agent(
        context.session.agent,
        email,
        form.get("name", ""),
        _role(form),
        context.form_lists.get("teams", []),
    )
    return _overview(context, invited=(email.strip().lower(), password))


@page(blueprint, "/admin/agents/update", methods=("POST",))
def update_agent(context: Context) -> Response:
    form = context.form
    admin.update_agent(
        context.session.agent,
        form.get("email", ""),
        _role(form),
        context.form_lists.get("teams", []),
        form.get("time_zone", "UTC"),
        working_hours=form.get("working_hours"),
    )
    return redirect("/admin")


@page(blueprint, "/admin/agents/active", methods=("POST",))
def set_active(context: Context) -> Response:
    admin.set_active(context.session.agent, context.form.get("email", ""), context.form.get("active") == "1")
    return redirect("/admin")


@page(blueprint, "/admin/teams", methods=("POST",))
def add_team(context: Context) -> Response:
    admin.add_team(context.session.agent, context.form.get("name", ""))
    return redirect("/admin#teams")


@page(blueprint, "/admin/teams/assignment", methods=("POST",))
def set_assignment(context: Context) -> Response:
    admin.set_assignment(
        context.session.agent, context.form.get("team", ""), context.form.get("assignment", "")
    )
    return redirect("/admin#teams")


@page(blueprint, "/admin/teams/remove", methods=("POST",))
def remove_team(context: Context) -> Response:
    admin.remove_team(context.session.agent, context.form.get("name", ""))
    return redirect("/admin#teams")


@page(blueprint, "/admin/mailboxes", methods=("POST",))
def add_mailbox(context: Context) -> Response:
    admin.add_mailbox(context.session.agent, context.form.get("address", ""), context.form.get("team", ""))
    return redirect("/admin#teams")


@page(blueprint, "/admin/mailboxes/update", methods=("POST",))
def update_mailbox(context: Context) -> Response:
    """One row's form: "Move" sends the chosen team, "Remove" asks to remove the address."""
    actor, address = context.session.agent, context.form.get("address", "")
    if context.form.get("remove"):
        admin.remove_mailbox(actor, address)
    else:
        admin.move_mailbox(actor, address, context.form.get("team", ""))
    return redirect("/admin#teams")


@page(blueprint, "/admin/canned", methods=("POST",))
def save_canned(context: Context) -> Response:
    if context.form.get("delete"):
        admin.delete_canned(context.session.agent, context.form.get("title", ""))
    else:
        admin.save_canned(context.session.agent, context.form.get("title", ""), context.form.get("body", ""))
    return redirect("/admin")


@page(blueprint, "/admin/templates", methods=("POST",))
def save_template(context: Context) -> Response:
    name = context.form.get("name", "")
    if context.form.get("reset"):
        admin.reset_template(context.session.agent, name)
    else:
        admin.save_template(context.session.agent, name, context.form.get("text", ""))
    return redirect("/admin#mail-templates")


@page(blueprint, "/admin/branding", methods=("POST",))
def save_branding(context: Context) -> Response:
    form = context.form
    admin.save_branding(
        context.session.agent,
        form.get("name", ""),
        form.get("logo_url", ""),
        form.get("colour", ""),
        form.get("footer", ""),
    )
    return redirect("/admin#branding")


@page(blueprint, "/admin/keys", methods=("POST",))
def create_key(context: Context) -> Response:
    key, secret = api_keys.create_key(
        context.session.agent,
        context.form.get("name", ""),
        _role(context.form),
        context.form_lists.get("teams", []),
        utcnow(),
    )
    return _overview(context, new_key=(key.name, secret))


@page(blueprint, "/admin/keys/revoke", methods=("POST",))
def revoke_key(context: Context) -> Response:
    api_keys.revoke_key(context.session.agent, context.form.get("id", ""), utcnow())
    return redirect("/admin#api-keys")


def _role(form: dict[str, str]) -> admin.Role:
    return params.one_of(form.get("role", ""), admin.ROLES, "role")
