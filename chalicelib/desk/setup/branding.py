"""How the desk presents itself to customers: name, logo, colour and the mail footer.

An admin sets them (Admin page); they are one directory entry, read with the rest of the desk's
setup, so every customer page and mail uses them at no extra request.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass

from chalicelib.desk.base.errors import InvalidRequest
from chalicelib.desk.setup import directory

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_LOGO_URL = re.compile(r"^https://[^\s\"'<>\\]{1,500}$")
MAX_NAME = 80
MAX_FOOTER = 1000


@dataclass(frozen=True)
class Branding:
    name: str = "Help desk"
    logo_url: str = ""
    colour: str = "#1f6feb"
    footer: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self))


def current() -> Branding:
    """The desk's branding (the defaults until an admin sets it)."""
    stored = directory.directory().brand
    return from_json(stored) if stored else Branding()


def from_json(text: str) -> Branding:
    """A stored branding; anything unreadable falls back to the defaults field by field."""
    try:
        data = json.loads(text)
    except ValueError:
        data = {}
    fields = {
        k: v
        for k, v in (data if isinstance(data, dict) else {}).items()
        if k in Branding.__dataclass_fields__
    }
    return Branding(**{k: str(v) for k, v in fields.items()})


def checked(name: str, logo_url: str, colour: str, footer: str) -> Branding:
    """The branding an admin submitted, or InvalidRequest naming the first field that is wrong."""
    name, logo_url, colour, footer = name.strip(), logo_url.strip(), colour.strip(), footer.strip()
    if not 1 <= len(name) <= MAX_NAME:
        raise InvalidRequest(f"the name needs 1 to {MAX_NAME} characters")
    if logo_url and not _LOGO_URL.match(logo_url):
        raise InvalidRequest("the logo must be an https:// address of an image")
    if not _COLOUR.match(colour):
        raise InvalidRequest("the colour must look like #1f6feb")
    if len(footer) > MAX_FOOTER:
        raise InvalidRequest(f"the footer is longer than {MAX_FOOTER} characters")
    return Branding(name=name, logo_url=logo_url, colour=colour.lower(), footer=footer.replace("\r\n", "\n"))
