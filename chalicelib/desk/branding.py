"""How the desk presents itself to customers: name, logo, colour and the mail footer."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Branding:
    name: str = "Help desk"
    logo_url: str = ""
    colour: str = "#1f6feb"
    footer: str = ""


def current() -> Branding:
    """The desk's branding (the defaults until an admin sets it)."""
    return Branding()
