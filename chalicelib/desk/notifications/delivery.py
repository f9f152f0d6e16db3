"""One ticket event to the agents it concerns: in the app and by mail (`on_event`, called by
desk.fan_out once per event).

Events no topic follows cost nothing. Otherwise: the agents (the cached directory), the candidates'
preferences (one BatchGetItem), then per recipient one transaction for the in-app notification
and its counter, and for mail the window's read and write plus the mail or a delayed flush.
"""

from __future__ import annotations

import time

from chalicelib.desk.events import TicketEvent
from chalicelib.desk.notifications import inbox, mail, preferences
from chalicelib.desk.notifications.recipients import Recipient, candidate_emails, concerns_anyone, recipients
from chalicelib.desk.setup import directory
from chalicelib.models import Ticket


def on_event(event: TicketEvent, ticket: Ticket, now: float | None = None) -> list[Recipient]:
    """Tell every agent the event concerns; returns who was told."""
    if not concerns_anyone(event, ticket.assignee):  # pure: most events stop here, with no request
        return []
    at = time.time() if now is None else now
    agents = directory.agents()
    emails = candidate_emails(event, ticket.team, ticket.assignee, agents)
    if not emails:
        return []
    chosen = recipients(
        event,
        team=ticket.team,
        assignee=ticket.assignee,
        agents=agents,
        preferences=preferences.of_many(emails),
        now=at,
    )
    for recipient in chosen:
        line = mail.line(event, recipient.topic)
        if recipient.in_app:
            inbox.add(recipient.email, event, ticket.subject, recipient.topic, line)
        if recipient.mail:
            mail.on_event(recipient.email, recipient.name, ticket.number, ticket.subject, line, now=int(at))
    return chosen
