"""Turning templates into responses, with the headers every page of the app carries."""

from __future__ import annotations

import functools
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalice import Response

from chalicelib.desk.setup.agents import AgentProfile
from chalicelib.web.mailframe import page_policy

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def local_time(value: datetime | str | None, time_zone: str) -> str:
    """A timestamp (or the API's ISO text of one) in the agent's time zone, e.g. `12 Mar 14:05`."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return value.astimezone(zone).strftime("%-d %b %Y %H:%M")


def epoch_time(value: int | None, time_zone: str) -> str:
    """Epoch seconds (an agent's `away_until`) as `local_time` shows a timestamp."""
    return local_time(datetime.fromtimestamp(value, UTC), time_zone) if value is not None else ""


def away_label(agent: AgentProfile, now: float, time_zone: str) -> str:
    """How pickers mark an away agent ("" when available): " (away until 24 Dec 2026 17:00)"."""
    return f" (away until {epoch_time(agent.away_until, time_zone)})" if agent.is_away(now) else ""


@functools.cache
def _environment() -> Any:
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["local_time"] = local_time
    environment.filters["epoch_time"] = epoch_time
    environment.globals["now_epoch"] = time.time  # the top bar's "Away" (AgentProfile.is_away)
    return environment


def render(
    template: str,
    status: int = 200,
    remote_images: bool = False,
    connect_to: str = "",
    images_from: str = "",
    **context: Any,
) -> Response:
    body = _environment().get_template(template).render(**context)
    page_headers = headers("text/html; charset=utf-8", remote_images, connect_to, images_from)
    return Response(body=body, status_code=status, headers=page_headers)


def headers(
    content_type: str, remote_images: bool = False, connect_to: str = "", images_from: str = ""
) -> dict[str, str | list[str]]:
    return {
        "Content-Type": content_type,
        "Content-Security-Policy": page_policy(remote_images, connect_to, images_from),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store",
    }


def redirect(location: str, cookie: str | None = None) -> Response:
    """303 See Other: after a form, the browser GETs the result (a reload never re-submits)."""
    extra = {"Set-Cookie": cookie} if cookie else {}
    return Response(
        body="", status_code=303, headers={"Location": location, "Cache-Control": "no-store", **extra}
    )
