"""The admins' webhook endpoints: register, change, remove, show the secret; the cached list.

Endpoints live in their own table (one partition, `scope=webhook`), not in the directory: the
directory is read by every page and cached in every container, and the endpoints' signing secrets
should be read only where deliveries are made and by admins. The event consumer reads the list
once a minute per container (CACHE_TTL_SECONDS), so a change reaches deliveries within a minute;
the delivery handler reads its endpoint fresh (GetItem), so a disabled or removed endpoint is
never called again.

The secret is generated here and shown to admins on demand (a POST on the Admin page, the API):
HMAC needs it in the clear on our side too, so hiding it after the first showing would protect
nothing the table does not already hold; an admin who suspects a leak rotates it.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import get_args

from pynamodb.exceptions import DeleteError, UpdateError
from pynamodb.expressions.update import Action

from chalicelib.config import settings
from chalicelib.desk.base.errors import InvalidRequest, NotFound
from chalicelib.desk.base.transactions import condition_failed
from chalicelib.desk.events import EventType
from chalicelib.desk.setup.admin import require_admin
from chalicelib.desk.setup.agents import AgentProfile
from chalicelib.desk.ticket.records import utcnow
from chalicelib.desk.webhooks import addresses, signature
from chalicelib.desk.webhooks.sending import resolve
from chalicelib.models import WebhookEndpoint

EVENT_TYPES: tuple[EventType, ...] = get_args(EventType)
CACHE_TTL_SECONDS = 60.0
MAX_ENDPOINTS = 20
SCOPE = "webhook"


@dataclass(frozen=True)
class Endpoint:
    id: str
    url: str
    events: tuple[str, ...]
    include_notes: bool
    enabled: bool
    created_at: datetime
    created_by: str
    failing_since: datetime | None = None
    disabled_reason: str | None = None

    def wants(self, event_type: str) -> bool:
        return self.enabled and event_type in self.events


def endpoint_of(row: WebhookEndpoint) -> Endpoint:
    return Endpoint(
        id=row.id,
        url=row.url,
        events=tuple(row.events),
        include_notes=bool(row.include_notes),
        enabled=bool(row.enabled),
        created_at=row.created_at,
        created_by=row.created_by,
        failing_since=row.failing_since,
        disabled_reason=row.disabled_reason,
    )


_cache: dict[str, tuple[float, tuple[Endpoint, ...]]] = {}


def enabled_endpoints() -> tuple[Endpoint, ...]:
    """The enabled endpoints, for the event consumer (one Query per container and minute)."""
    hit = _cache.get(SCOPE)
    if hit and time.monotonic() - hit[0] < CACHE_TTL_SECONDS:
        return hit[1]
    found = tuple(e for e in _read() if e.enabled)
    _cache[SCOPE] = (time.monotonic(), found)
    return found


def forget() -> None:
    _cache.clear()


def _read() -> tuple[Endpoint, ...]:
    return tuple(endpoint_of(row) for row in WebhookEndpoint.query(SCOPE))


def list_endpoints(actor: AgentProfile) -> tuple[Endpoint, ...]:
    require_admin(actor)
    return _read()


def row(endpoint_id: str) -> WebhookEndpoint:
    """The stored endpoint, read consistently (the delivery handler's and the admins' view)."""
    try:
        return WebhookEndpoint.get(SCOPE, endpoint_id, consistent_read=True)
    except WebhookEndpoint.DoesNotExist:
        raise NotFound("no such webhook endpoint") from None


def check_url(url: str) -> str:
    """The URL, refused with the reason unless it is https to a name resolving to public addresses."""
    allow = settings().webhook_allow_loopback
    try:
        target = addresses.parse_target(url, allow)
        addresses.checked_address(target, resolve, allow)
    except addresses.RefusedUrl as error:
        raise InvalidRequest(f"this URL cannot receive webhooks: {error}", field="url") from None
    return url.strip()


def _event_types(events: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(events))
    unknown = [e for e in chosen if e not in EVENT_TYPES]
    if unknown:
        raise InvalidRequest(f"unknown event types: {', '.join(unknown)}", field="events")
    if not chosen:
        raise InvalidRequest("choose at least one event type", field="events")
    return chosen


def register(
    actor: AgentProfile, url: str, events: Iterable[str], include_notes: bool
) -> tuple[Endpoint, str]:
    """A new enabled endpoint and its secret (shown to the admin now, and on demand later)."""
    require_admin(actor)
    url, chosen = check_url(url), _event_types(events)
    if len(_read()) >= MAX_ENDPOINTS:
        raise InvalidRequest(f"at most {MAX_ENDPOINTS} webhook endpoints; remove one first")
    secret = signature.new_secret()
    item = WebhookEndpoint(
        scope=SCOPE,
        id=secrets.token_hex(8),
        url=url,
        events=chosen,
        include_notes=include_notes,
        enabled=True,
        secret=secret,
        created_at=utcnow(),
        created_by=actor.email,
    )
    item.save(condition=WebhookEndpoint.id.does_not_exist())
    forget()
    return endpoint_of(item), secret


def update(
    actor: AgentProfile, endpoint_id: str, events: Iterable[str], include_notes: bool, enabled: bool
) -> Endpoint:
    """New event types and flags; enabling again clears the failure that disabled it."""
    require_admin(actor)
    chosen = _event_types(events)
    actions = [
        WebhookEndpoint.events.set(chosen),
        WebhookEndpoint.include_notes.set(include_notes),
        WebhookEndpoint.enabled.set(enabled),
    ]
    if enabled:
        actions += [WebhookEndpoint.failing_since.remove(), WebhookEndpoint.disabled_reason.remove()]
    return _update(endpoint_id, actions)


def rotate_secret(actor: AgentProfile, endpoint_id: str) -> str:
    require_admin(actor)
    secret = signature.new_secret()
    _update(endpoint_id, [WebhookEndpoint.secret.set(secret)])
    return secret


def reveal_secret(actor: AgentProfile, endpoint_id: str) -> str:
    require_admin(actor)
    return row(endpoint_id).secret


def remove(actor: AgentProfile, endpoint_id: str) -> None:
    """Deletes the endpoint; its deliveries' log expires with its TTL, queued ones are dropped."""
    require_admin(actor)
    try:
        WebhookEndpoint(scope=SCOPE, id=endpoint_id).delete(condition=WebhookEndpoint.id.exists())
    except DeleteError as error:
        if not condition_failed(error):
            raise
        raise NotFound("no such webhook endpoint") from None
    forget()


def _update(endpoint_id: str, actions: Sequence[Action]) -> Endpoint:
    item = WebhookEndpoint(scope=SCOPE, id=endpoint_id)
    try:
        item.update(actions=list(actions), condition=WebhookEndpoint.id.exists())
    except UpdateError as error:
        if not condition_failed(error):
            raise
        raise NotFound("no such webhook endpoint") from None
    forget()
    return endpoint_of(item)


def mark_failing(endpoint_id: str, now: datetime) -> datetime | None:
    """Record a failure: `failing_since` is set by the first failure after a success and kept by
    the next ones. Returns since when it has been failing (None: the endpoint is gone)."""
    item = WebhookEndpoint(scope=SCOPE, id=endpoint_id)
    try:
        item.update(
            actions=[WebhookEndpoint.failing_since.set(WebhookEndpoint.failing_since | now)],
            condition=WebhookEndpoint.id.exists(),
        )
    except UpdateError as error:
        if not condition_failed(error):
            raise
        return None
    return item.failing_since


def mark_healthy(endpoint_id: str) -> None:
    """A success ends the failing spell (called only when the endpoint read showed one)."""
    item = WebhookEndpoint(scope=SCOPE, id=endpoint_id)
    try:
        item.update(
            actions=[WebhookEndpoint.failing_since.remove()],
            condition=WebhookEndpoint.failing_since.exists(),
        )
    except UpdateError as error:
        if not condition_failed(error):
            raise


def disable(endpoint_id: str, reason: str) -> bool:
    """Turn the endpoint off; True for the one call that did (so the admins are told once)."""
    item = WebhookEndpoint(scope=SCOPE, id=endpoint_id)
    try:
        item.update(
            actions=[WebhookEndpoint.enabled.set(False), WebhookEndpoint.disabled_reason.set(reason)],
            condition=WebhookEndpoint.enabled == True,  # noqa: E712 (a DynamoDB condition)
        )
    except UpdateError as error:
        if not condition_failed(error):
            raise
        return False
    forget()
    return True
