"""The ticket workspace: thread, reply and note boxes, inline changes, attachments, next ticket."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from chalice import Blueprint, Response

from chalicelib.config import settings
from chalicelib.desk.agent_work import merge, replies, ticket_changes
from chalicelib.desk.base import storage
from chalicelib.desk.base.errors import Conflict, Gone, InvalidRequest, NotFound
from chalicelib.desk.base.times import zone
from chalicelib.desk.follow_up import due_dates, snooze
from chalicelib.desk.follow_up.times import QUICK_PICKS, quick_pick
from chalicelib.desk.notifications import mentions
from chalicelib.desk.portal import revocation
from chalicelib.desk.setup import directory
from chalicelib.desk.setup.agents import AgentProfile
from chalicelib.desk.setup.canned import expand_all
from chalicelib.desk.ticket import queues, sla, tickets
from chalicelib.desk.ticket.queue_keys import find_view
from chalicelib.desk.ticket.records import PRIORITIES, STATUSES, utcnow
from chalicelib.models import Message, Ticket
from chalicelib.web import mailframe, params
from chalicelib.web.pages.queues import sidebar, teams_of
from chalicelib.web.pages.render import away_label, redirect
from chalicelib.web.pages.routing import Context, page
from chalicelib.web.params import ticket_number
from chalicelib.web.serialize import message_json

blueprint = Blueprint(__name__)
CUSTOMER_TICKETS = 10


def _entry(
    message: Message, remote_images_for: str | None, now: datetime, names: dict[str, str]
) -> dict[str, Any]:
    """A thread entry for the template; mail HTML only ever as an isolated frame document. A note's
    mentions are shown by the agents' current names (stored by id, so a rename follows)."""
    data = message_json(message)
    mentioned = [(email, names.get(email, email)) for email in data["mentions"]]
    html = data["body_html"] if message.kind == "customer" else None
    remote = remote_images_for == message.key
    frame = mailframe.srcdoc(html, remote, _inline_images(message), storage.bucket_origin()) if html else None
    return {
        **data,
        "created": message.created_at,
        "frame": frame,
        "frame_size": mailframe.frame_size(data["body_text"]),
        "remote_images": bool(html and mailframe.has_remote_images(html)) and not remote,
        "original": _original(message, now),
        # A failed virus scan withholds every attachment: the raw mail is then their only copy.
        "withheld": bool(message.verdicts) and message.verdicts.as_dict().get("virus") == "FAIL",
        "mentioned": mentioned,
        "segments": mentions.segments(data["visible_text"] or data["body_text"], [n for _, n in mentioned])
        if mentioned
        else None,
    }


def _original(message: Message, now: datetime) -> dict[str, Any] | None:
    """Whether a customer message's original can be downloaded, and until when (None: it has none)."""
    if message.kind != "customer" or not message.raw_s3_key:
        return None
    until = storage.original_expires_at(
        message.raw_s3_key, message.created_at, settings().raw_mail_retention_days
    )
    return {"until": until, "expired": until is not None and now >= until}


def _original_gone() -> Gone:
    days = settings().raw_mail_retention_days
    kept = f": raw mail is kept {days} days after it arrives" if days else ""
    return Gone(
        f"The original of this message has expired{kept}. Its text and stored attachments stay on the ticket."
    )


def assignee_choices(
    ticket: Ticket, agents: tuple[AgentProfile, ...], now: float = 0.0, time_zone: str = "UTC"
) -> list[tuple[str, str]]:
    """(address, label) of whom the ticket can go to. The current assignee is always a choice, marked
    when no longer eligible: otherwise the select would show "Nobody", and saving any other field
    of the form would silently unassign them. Away agents stay choices (a manual assignment is the
    agent's call), marked "away until …" at `now` in the viewer's `time_zone`."""
    choices = [(a.email, a.name + away_label(a, now, time_zone)) for a in agents if a.may_take(ticket.team)]
    if ticket.assignee and ticket.assignee not in dict(choices):
        known = next((a for a in agents if a.email == ticket.assignee), None)
        why = "deactivated" if known and not known.active else f"not in {ticket.team}"
        choices.append((ticket.assignee, f"{known.name if known else ticket.assignee} ({why})"))
    return choices


def mention_choices(ticket: Ticket, agents: tuple[AgentProfile, ...], now: datetime) -> list[dict[str, Any]]:
    """Whom the note box's `@` offers: the active agents who may see the ticket (its team's, and
    admins), away ones marked."""
    return [
        {"email": a.email, "name": a.name, "away": a.is_away(now.timestamp()), "note": a.away_note or ""}
        for a in sorted(agents, key=lambda a: a.name.lower())
        if a.active and a.can_see_team(ticket.team)
    ]


def team_choices(agent: AgentProfile, ticket: Ticket) -> list[str]:
    """The teams the agent may move the ticket to, and always its own team (even one since removed),
    so that saving another field never moves it."""
    teams = teams_of(agent)
    return teams if ticket.team in teams else [ticket.team, *teams]


def _inline_images(message: Message) -> dict[str, str]:
    """Short-lived links to the message's inline parts by Content-ID, for its `cid:` images."""
    return {
        part.content_id: storage.presigned_get(part.s3_key, part.filename, part.content_type)
        for part in message.attachments or ()
        if part.content_id
    }


def workspace(
    context: Context, ticket: Ticket, status: int = 200, *, conflict: str = "", draft: str = ""
) -> Response:
    """The whole ticket page; also re-rendered (with the agent's draft) when a change conflicts."""
    agent = context.session.agent
    images_for = context.query.get("images")
    now = utcnow()
    everyone = directory.agents()
    names = {a.email: a.name for a in everyone}
    thread = [_entry(m, images_for, now, names) for m in tickets.thread(ticket.number)]
    others = tickets.list_tickets(
        agent, tickets.TicketFilter(requester=ticket.requester_email), limit=CUSTOMER_TICKETS
    ).items
    setup = directory.directory()
    return context.render(
        "ticket.html",
        status,
        remote_images=bool(images_for),
        images_from=storage.bucket_origin(),
        ticket=ticket,
        sla=sla.summary(ticket, now),
        thread=thread,
        others=[t for t in others if t.number != ticket.number],
        teams=team_choices(agent, ticket),
        canned=expand_all(setup.canned, ticket, agent),
        assignees=assignee_choices(ticket, everyone, now.timestamp(), agent.time_zone),
        mentionable=mention_choices(ticket, everyone, now),
        statuses=[s for s in STATUSES if s != "new" or ticket.status == "new"],  # "new": only as it is
        priorities=PRIORITIES,
        conflict=conflict,
        draft=draft,
        quick_picks=[(pick, quick_pick(pick, now, zone(agent.time_zone))) for pick in QUICK_PICKS],
        view=context.query.get("view", ""),
        **sidebar(agent),
    )


@page(blueprint, "/tickets/{number}")
def show(context: Context, number: str) -> Response:
    return workspace(context, tickets.get_ticket(context.session.agent, ticket_number(number)))


def _version(context: Context) -> int | None:
    """The version the form was rendered at (None: the form carries none)."""
    return params.form_number(context.form.get("version", ""))


def _as_it_is_now(context: Context, number: int, outcome: str, draft: str = "") -> Response:
    """The ticket page re-read (409) after someone else's change beat the agent's: it says what
    became of the agent's action, and keeps their draft in the box."""
    fresh = tickets.get_ticket(context.session.agent, number)
    message = f"Someone changed this ticket since you opened it: {outcome}"
    return workspace(context, fresh, 409, conflict=message, draft=draft)


def _sent(number: int, box: str) -> Response:
    """Back to the ticket with `#sent-<box>`: only then does the browser drop the draft it kept of
    that box (static/app.js), so an error or an expired session never loses what was typed."""
    return redirect(f"/tickets/{number}#sent-{box}")


@page(blueprint, "/tickets/{number}/reply", methods=("POST",))
def reply(context: Context, number: str) -> Response:
    agent, n = context.session.agent, ticket_number(number)
    body = context.form.get("body", "")
    status = params.optional_one_of(context.form.get("status"), replies.REPLY_STATUSES, "status")
    try:
        replies.reply(agent, n, body, status=status, version=_version(context))
    except Conflict:
        return _as_it_is_now(context, n, "read what is new below. Your reply was not sent.", draft=body)
    return _sent(n, "reply")


@page(blueprint, "/tickets/{number}/note", methods=("POST",))
def note(context: Context, number: str) -> Response:
    n = ticket_number(number)
    replies.add_note(
        context.session.agent, n, context.form.get("body", ""), context.form_lists.get("mentions", [])
    )
    return _sent(n, "note")


def _changed(form: dict[str, str], ticket: Ticket) -> dict[str, object]:
    """The properties the agent changed, as a PATCH payload. The form sends all of them, and one
    still as stored is no change: so the ticket keeps an assignee since deactivated or gone from its
    team, a team since removed, and a new ticket its status. (A stale form fails the version check.)"""
    stored = {"status": ticket.status, "priority": ticket.priority, "team": ticket.team}
    payload: dict[str, object] = {k: form[k] for k in stored if form.get(k) and form[k] != stored[k]}
    if form.get("assignee", ticket.assignee or "") != (ticket.assignee or ""):
        payload["assignee"] = form["assignee"] or None
    if "tags" in form:
        payload["tags"] = [tag for tag in (t.strip() for t in form["tags"].split(",")) if tag]
    return payload


@page(blueprint, "/tickets/{number}/update", methods=("POST",))
def update(context: Context, number: str) -> Response:
    agent, n = context.session.agent, ticket_number(number)
    payload = _changed(context.form, tickets.get_ticket(agent, n))
    changes = ticket_changes.parse_changes(payload, frozenset(directory.directory().teams))
    try:
        ticket_changes.update_ticket(agent, n, params.version(_version(context)), changes)
    except Conflict:
        return _as_it_is_now(context, n, "nothing was overwritten. Check and retry.")
    return redirect(f"/tickets/{n}")


@page(blueprint, "/tickets/{number}/snooze", methods=("POST",))
def snooze_ticket(context: Context, number: str) -> Response:
    """A quick pick (the button pressed) or the chosen local date and time, in the agent's zone."""
    agent, n = context.session.agent, ticket_number(number)
    until = snooze.until_of(agent, context.form.get("pick"), context.form.get("until"), utcnow())
    try:
        snooze.snooze(agent, n, until)
    except Conflict:
        return _as_it_is_now(context, n, "it was not snoozed. Check and retry.")
    return redirect(f"/tickets/{n}")


@page(blueprint, "/tickets/{number}/due-date", methods=("POST",))
def set_due_date(context: Context, number: str) -> Response:
    """The date chosen, or none when "Clear" was pressed."""
    agent, n = context.session.agent, ticket_number(number)
    chosen = "" if context.form.get("clear") else context.form.get("due_date", "")
    try:
        due_dates.set_due_date(agent, n, due_dates.due_of(chosen))
    except Conflict:
        return _as_it_is_now(context, n, "the due date was not changed. Check and retry.")
    return redirect(f"/tickets/{n}")


@page(blueprint, "/tickets/{number}/merge", methods=("POST",))
def merge_into(context: Context, number: str) -> Response:
    agent, n = context.session.agent, ticket_number(number)
    into = params.form_number(context.form.get("into", "").strip().lstrip("#"))
    if context.form.get("confirm") != "1":
        raise InvalidRequest("tick the confirmation to merge: the ticket will be closed")
    if into is None:
        raise InvalidRequest("give the number of the ticket to merge into")
    version = params.version(_version(context))
    try:
        target = merge.merge(agent, n, into, version)
    except Conflict:
        return _as_it_is_now(context, n, "nothing was merged. Check and retry.")
    return redirect(f"/tickets/{target.number}")


@page(blueprint, "/tickets/{number}/revoke-links", methods=("POST",))
def revoke_links(context: Context, number: str) -> Response:
    ticket = revocation.revoke_links(context.session.agent, ticket_number(number))
    return redirect(f"/tickets/{ticket.number}")


def _message(context: Context, number: str) -> Message:
    """The message named by `?message=` on a ticket the agent may see (else a plain 404)."""
    ticket = tickets.get_ticket(context.session.agent, ticket_number(number))
    try:
        return Message.get(ticket.number, context.query.get("message", ""))
    except Message.DoesNotExist:
        raise NotFound("no such message") from None


def _download(key: str, filename: str, content_type: str) -> Response:
    """Off to S3 through a short-lived link: files never pass through the function."""
    url = storage.presigned_get(key, filename, content_type)
    return Response(body="", status_code=302, headers={"Location": url, "Cache-Control": "no-store"})


@page(blueprint, "/tickets/{number}/attachment")
def attachment(context: Context, number: str) -> Response:
    wanted = context.query.get("id", "")
    found = next((a for a in _message(context, number).attachments or () if a.id == wanted), None)
    if found is None:
        raise NotFound("no such attachment")
    return _download(found.s3_key, found.filename, found.content_type)


@page(blueprint, "/tickets/{number}/original")
def original(context: Context, number: str) -> Response:
    """The customer's message exactly as it arrived (the raw mail SES stored, or the web form's
    submission): what to look at when the parsed view seems wrong."""
    message = _message(context, number)
    original = _original(message, utcnow())
    if original is None:
        raise NotFound("this message has no original")
    # Past its retention, or deleted already (S3's lifecycle runs when it runs): never a dead link.
    if original["expired"] or storage.head_object(message.raw_s3_key) is None:
        raise _original_gone()
    web_form = message.channel == "web"  # kept as the JSON the form sent; mail as raw MIME
    filename = f"ticket-{message.ticket_number}-original.{'json' if web_form else 'eml'}"
    return _download(message.raw_s3_key, filename, "application/json" if web_form else "message/rfc822")


@page(blueprint, "/tickets/{number}/next")
def next_ticket(context: Context, number: str) -> Response:
    agent = context.session.agent
    ticket = tickets.get_ticket(agent, ticket_number(number))
    view = find_view(context.query.get("view") or "open", agent.email) or find_view("open", agent.email)
    assert view is not None
    following = queues.next_in_view(agent, view, ticket)
    if following is None:
        return redirect(view.path)
    return redirect(f"/tickets/{following}?{urlencode({'view': view.slug})}")
