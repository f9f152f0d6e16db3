"""API keys: named, revocable credentials an integration sends as `Authorization: Bearer hd_…`.

A key acts as an agent with the role and teams an admin gave it (`principal`): the same team checks,
and history shows it as "API key '<name>'". The secret is `hd_` and 32 random bytes (base64url, 43
characters), shown once when it is made; the table keeps its SHA-256 (the key's id) and the first
characters, so an admin recognises it. A slow password hash (bcrypt, scrypt, Argon2) exists to make
guessing a low-entropy password from its stolen hash expensive; a 256-bit random secret cannot be
guessed from its hash at any speed, so one SHA-256 is as strong and lets a request find its key by
the hash alone, with one GetItem.

That GetItem is strongly consistent and happens on every request, nothing cached: a revoked key
gets its 401 from the next request on, in every container. "Last used" is written at most once per
LAST_USED_EVERY per key, by a conditional UpdateItem, so a busy integration does not write on each
request and two containers do not both write. Failed attempts are counted per source IP
(`desk.base.ratelimit`); past the limit, this container answers that IP's keys with 429 and no
lookup until the window ends.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import UpdateError

from chalicelib.desk.base import ratelimit
from chalicelib.desk.base.errors import InvalidRequest, NotFound, TooMany, Unauthorized
from chalicelib.desk.base.transactions import condition_failed
from chalicelib.desk.setup import directory
from chalicelib.desk.setup.admin import ROLES, Role, require_admin
from chalicelib.desk.setup.agents import AgentProfile
from chalicelib.models import ApiKey

SECRET_PREFIX = "hd_"  # noqa: S105 (what every key starts with, not a secret)
SECRET_BYTES = 32
SHOWN_CHARS = 8  # of the random part, after `hd_`: enough to tell keys apart, far too few to guess the rest
MAX_NAME = 80
LAST_USED_EVERY = timedelta(minutes=1)
FAILURES_PER_IP = 50  # bad keys from one source IP per FAILURE_WINDOW_SECONDS
FAILURE_WINDOW_SECONDS = 600
_SECRET = re.compile(r"^hd_[A-Za-z0-9_-]{43}$")
_SCOPE = "key"
INVALID_KEY = "invalid or revoked API key"

# Source IPs past FAILURES_PER_IP in this container → when their window ends (time.time()).
_blocked: dict[str, float] = {}


@dataclass(frozen=True)
class KeyInfo:
    """A key as admins see it; never its secret."""

    id: str  # the hex SHA-256 of the secret
    name: str
    role: str
    teams: tuple[str, ...]
    prefix: str
    created_at: datetime
    created_by: str
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
    revoked_by: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def new_secret() -> str:
    """A fresh secret: `hd_` and 32 random bytes as URL-safe base64 without padding (43 characters)."""
    return SECRET_PREFIX + secrets.token_urlsafe(SECRET_BYTES)


def key_hash(secret: str) -> str:
    """What the table keeps of a secret, and the key's id: its SHA-256 in hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def looks_like_key(token: str) -> bool:
    """Whether a bearer token is meant as an API key (Cognito's ID tokens are JWTs, `eyJ…`)."""
    return token.startswith(SECRET_PREFIX)


def well_formed(secret: str) -> bool:
    return bool(_SECRET.match(secret))


def shown_prefix(secret: str) -> str:
    return secret[: len(SECRET_PREFIX) + SHOWN_CHARS]


def principal(key: KeyInfo) -> AgentProfile:
    """Who a key acts as: an agent-like profile with the key's role and teams. Its id (the actor
    on history items) has no `@`, so it can never be an agent's address."""
    return AgentProfile(
        email=f"api-key:{key.id[:16]}", name=f"API key '{key.name}'", role=key.role, teams=key.teams
    )


def due_for_last_used(last_used_at: datetime | None, now: datetime) -> bool:
    """Whether a use at `now` should be written as the key's last use."""
    return last_used_at is None or now - last_used_at >= LAST_USED_EVERY


def create_key(
    actor: AgentProfile, name: str, role: Role, teams: list[str], now: datetime
) -> tuple[KeyInfo, str]:
    """Make a key; returns it and its secret, which is shown this once and kept nowhere."""
    require_admin(actor)
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise InvalidRequest(f"a key's name needs 1 to {MAX_NAME} characters", field="name")
    if role not in ROLES:
        raise InvalidRequest(f"role must be one of {', '.join(ROLES)}", field="role")
    unknown = sorted(set(teams) - set(directory.directory().teams))
    if unknown:
        raise InvalidRequest(f"unknown team(s): {', '.join(unknown)}", field="teams")
    secret = new_secret()
    item = ApiKey(
        scope=_SCOPE,
        key_hash=key_hash(secret),
        name=name,
        role=role,
        teams=list(dict.fromkeys(teams)),
        prefix=shown_prefix(secret),
        created_by=actor.email,
        created_at=now,
    )
    item.save(
        condition=ApiKey.key_hash.does_not_exist()
    )  # 256 random bits do not collide; still never overwrite
    return _info(item), secret


def list_keys(actor: AgentProfile) -> list[KeyInfo]:
    """Every key, revoked ones included (their history stays readable), newest first."""
    require_admin(actor)
    keys = [_info(item) for item in ApiKey.query(_SCOPE)]
    return sorted(keys, key=lambda key: key.created_at, reverse=True)


def revoke_key(actor: AgentProfile, key_id: str, now: datetime) -> KeyInfo:
    """Revoke a key for good; its next request is a 401. Revoking a revoked key changes nothing."""
    require_admin(actor)
    try:
        item = ApiKey.get(_SCOPE, key_id, consistent_read=True)
    except ApiKey.DoesNotExist:
        raise NotFound("no such API key") from None
    if item.revoked_at is not None:
        return _info(item)
    try:
        item.update(
            actions=[ApiKey.revoked_at.set(now), ApiKey.revoked_by.set(actor.email)],
            condition=ApiKey.key_hash.exists() & ApiKey.revoked_at.does_not_exist(),
        )
    except UpdateError as error:
        if not condition_failed(error):
            raise
        item = ApiKey.get(_SCOPE, key_id, consistent_read=True)  # revoked meanwhile by another admin
    return _info(item)


def principal_for(secret: str, source_ip: str, now: datetime) -> AgentProfile:
    """The principal an active key acts as; Unauthorized for anything else (TooMany past the IP's
    limit of failures). Records the use, at most once per LAST_USED_EVERY."""
    if _blocked.get(source_ip, 0.0) > time.time():
        raise TooMany("too many invalid API keys from your network; try again in a few minutes")
    item = _lookup(secret) if well_formed(secret) else None
    if item is None or item.revoked_at is not None:
        _failed(source_ip)
        raise Unauthorized(INVALID_KEY)
    if due_for_last_used(item.last_used_at, now):
        _record_use(item, now)
    return principal(_info(item))


def forget_blocks() -> None:
    """Drop this container's blocked IPs (tests)."""
    _blocked.clear()


def _lookup(secret: str) -> ApiKey | None:
    try:
        return ApiKey.get(_SCOPE, key_hash(secret), consistent_read=True)
    except ApiKey.DoesNotExist:
        return None


def _record_use(item: ApiKey, now: datetime) -> None:
    """Conditional on the stored last use still being older than the interval (and the key still
    active): of containers racing, one writes; the others' condition fails, which is fine."""
    stale = now - LAST_USED_EVERY
    try:
        item.update(
            actions=[ApiKey.last_used_at.set(now)],
            condition=ApiKey.key_hash.exists()
            & ApiKey.revoked_at.does_not_exist()
            & (ApiKey.last_used_at.does_not_exist() | (ApiKey.last_used_at <= stale)),
        )
    except UpdateError as error:
        if not condition_failed(error):
            raise


def _failed(source_ip: str) -> None:
    window_end = (int(time.time()) // FAILURE_WINDOW_SECONDS + 1) * FAILURE_WINDOW_SECONDS
    if not ratelimit.allow("api-key-failure", source_ip, FAILURES_PER_IP, FAILURE_WINDOW_SECONDS):
        for ip in [ip for ip, until in _blocked.items() if until <= time.time()]:
            del _blocked[ip]  # windows over: the map holds only the IPs blocked now
        _blocked[source_ip] = float(window_end)
        raise TooMany("too many invalid API keys from your network; try again in a few minutes")


def _info(item: ApiKey) -> KeyInfo:
    return KeyInfo(
        id=item.key_hash,
        name=item.name,
        role=item.role,
        teams=tuple(item.teams or ()),
        prefix=item.prefix,
        created_at=item.created_at,
        created_by=item.created_by,
        last_used_at=item.last_used_at,
        revoked_at=item.revoked_at,
        revoked_by=item.revoked_by,
    )
