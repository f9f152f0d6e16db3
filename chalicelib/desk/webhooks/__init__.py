"""Webhooks: admins' HTTPS endpoints get each ticket event they asked for, signed, in order per
ticket, retried for a day (docs/ARCHITECTURE.md, "Webhooks (desk.webhooks)"; docs/WEBHOOKS.md).

`on_event` imports its module when called, so the package's pure modules (`retry`, `addresses`,
`signature`) can be imported before settings are read (local/provision.py, infra/) without
loading the models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.desk.events import TicketEvent
    from chalicelib.models import Ticket


def on_event(event: TicketEvent, ticket: Ticket) -> None:
    """Queue the event for every endpoint that wants it (desk.webhooks.dispatch.on_event)."""
    from chalicelib.desk.webhooks.dispatch import on_event as queue_deliveries

    queue_deliveries(event, ticket)
