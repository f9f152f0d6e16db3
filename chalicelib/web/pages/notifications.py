"""The agent's notifications: the list behind the bell, marking read, and the preferences page."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.desk.notifications import inbox, preferences
from chalicelib.desk.notifications.recipients import (
    CHANNELS,
    TOPIC_LABELS,
    TOPICS,
    Channel,
    Preferences,
    Topic,
)
from chalicelib.web.pages.queues import sidebar
from chalicelib.web.pages.render import redirect
from chalicelib.web.pages.routing import Context, page

blueprint = Blueprint(__name__)
CHANNEL_LABELS: dict[Channel, str] = {"in_app": "In the app", "mail": "By mail"}


@page(blueprint, "/notifications")
def listing(context: Context) -> Response:
    """The newest notifications; the bell read afresh here, so it never contradicts the list."""
    agent = context.session.agent
    inbox.forget_unread(agent.email)
    return context.render("notifications.html", notifications=inbox.recent(agent.email), **sidebar(agent))


@page(blueprint, "/notifications/read", methods=("POST",))
def mark_read(context: Context) -> Response:
    """One notification read; then to its ticket (`open`), or back to the list."""
    agent = context.session.agent
    item = inbox.mark_read(agent.email, context.form.get("key", ""))
    inbox.forget_unread(agent.email)
    if context.form.get("open"):
        return redirect(f"/tickets/{item.ticket_number}")
    return redirect("/notifications")


@page(blueprint, "/notifications/read-all", methods=("POST",))
def mark_all_read(context: Context) -> Response:
    agent = context.session.agent
    inbox.mark_all_read(agent.email)
    inbox.forget_unread(agent.email)
    return redirect("/notifications")


@page(blueprint, "/account/notifications")
def settings_page(context: Context) -> Response:
    return _settings(context, preferences.of(context.session.agent.email), saved=False)


@page(blueprint, "/account/notifications", methods=("POST",))
def save_settings(context: Context) -> Response:
    """The ticked boxes are on, every other pair off."""
    ticked = set(context.form_lists.get("on", []))
    chosen: list[tuple[Topic, Channel]] = [(t, c) for t in TOPICS for c in CHANNELS if f"{t}:{c}" in ticked]
    return _settings(context, preferences.save(context.session.agent.email, chosen), saved=True)


def _settings(context: Context, prefs: Preferences, *, saved: bool) -> Response:
    return context.render(
        "notification_settings.html",
        topics=[(t, TOPIC_LABELS[t]) for t in TOPICS],
        channels=[(c, CHANNEL_LABELS[c]) for c in CHANNELS],
        prefs=prefs,
        saved=saved,
        **sidebar(context.session.agent),
    )
