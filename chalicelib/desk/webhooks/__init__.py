"""Webhook deliveries to integrations (filled in by the webhooks work)."""

from __future__ import annotations

from typing import Any


def on_event(event: Any, ticket: Any) -> None:
    """One ticket event for the registered webhooks: filled in by the webhooks work."""
