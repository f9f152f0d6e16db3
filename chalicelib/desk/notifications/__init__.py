"""Agents' notifications: who is told about a ticket event (`recipients`, pure), in the app
(`inbox`: the bell's exact unread counter and the list) and by mail, batched per agent and ticket
(`batching`, pure; `mail`), as each agent chose (`preferences`); mentions in notes (`mentions`).
docs/ARCHITECTURE.md, "Notifications and mentions".

`on_event` imports its module when called, so the pure modules can be imported (by infra/, the
local runtime) before settings are read, without loading the models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.desk.events import TicketEvent
    from chalicelib.models import Ticket


def on_event(event: TicketEvent, ticket: Ticket) -> None:
    """Tell the agents the event concerns (desk.notifications.delivery.on_event)."""
    from chalicelib.desk.notifications.delivery import on_event as notify

    notify(event, ticket)
