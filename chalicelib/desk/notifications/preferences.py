"""Each agent's notification preferences: one `prefs` item per agent, holding only what is off,
so an agent who never opened the page has every topic on in both channels."""

from __future__ import annotations

from collections.abc import Iterable

from chalicelib.desk.notifications.recipients import CHANNELS, TOPICS, Channel, Preferences, Topic
from chalicelib.models import Notification

PREFS = "prefs"


def of(email: str) -> Preferences:
    try:
        row = Notification.get(email, PREFS)
    except Notification.DoesNotExist:
        return Preferences()
    return Preferences(frozenset(row.off or ()))


def of_many(emails: Iterable[str]) -> dict[str, Preferences]:
    """Several agents' preferences in one BatchGetItem (none at all for no one)."""
    wanted = list(dict.fromkeys(emails))
    if not wanted:
        return {}
    found = {
        row.agent: Preferences(frozenset(row.off or ()))
        for row in Notification.batch_get([(e, PREFS) for e in wanted])
    }
    return {email: found.get(email, Preferences()) for email in wanted}


def save(email: str, on: Iterable[tuple[Topic, Channel]]) -> Preferences:
    """Store the agent's choice: `on` are the pairs ticked; every other pair is off."""
    chosen = {Preferences.key(t, c) for t, c in on}
    off = frozenset(Preferences.key(t, c) for t in TOPICS for c in CHANNELS) - chosen
    Notification(agent=email, key=PREFS, off=set(off) or None).save()
    return Preferences(off)
