"""Agents' notifications (filled in by the notifications work)."""

from __future__ import annotations

from typing import Any


def on_event(event: Any, ticket: Any) -> None:
    """One ticket event for the agents' notifications: filled in by the notifications work."""
