"""A mail's own urgency, read from the three headers mail programs set for it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

Importance = Literal["high", "normal", "low"]
IMPORTANCES: tuple[Importance, ...] = ("high", "normal", "low")


def importance(headers: Mapping[str, str]) -> Importance:
    """`Importance: high|low` (RFC 2156), `X-Priority: 1-5` (1-2 high, 4-5 low, often "1 (Highest)")
    and `Priority: urgent|non-urgent` (RFC 2156); high wins over low, anything else is normal.
    `headers` maps lower-case names to values."""
    found: set[Importance] = set()
    value = headers.get("importance", "").strip().lower()
    if value in ("high", "low"):
        found.add("high" if value == "high" else "low")
    digits = headers.get("x-priority", "").strip()[:1]
    if digits in ("1", "2"):
        found.add("high")
    elif digits in ("4", "5"):
        found.add("low")
    value = headers.get("priority", "").strip().lower()
    if value == "urgent":
        found.add("high")
    elif value == "non-urgent":
        found.add("low")
    return "high" if "high" in found else "low" if "low" in found else "normal"
