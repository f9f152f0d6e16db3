"""The deployment's signing keys: CSRF tokens and customer links are HMACs under them.

Deployed, the key is an SSM SecureString parameter (`HELPDESK_SIGNING_KEY_PARAMETER`) that only the
functions that sign may read, made at deploy time by infra/signing_key.py. Each version of the
parameter is a key and its version number the key's id: a signature names the key that made it
(`<id>.<mac>`), so the key rotates by writing a new version (`make rotate-key`) while what the
previous key signed keeps working. The current and the previous version verify; older ones do not.

A container reads the parameter on first use and again every RELOAD_SECONDS, so a rotation reaches
every container within minutes. A signature naming a version newer than the container knows (made
by a container that reloaded first) makes it reload at once, but at most every EARLY_RELOAD_SECONDS:
forged key ids cannot drive SSM calls. `HELPDESK_SECRET_KEY`, when set, is instead the one key, id 1
(tests, benchmarks): it never rotates.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import re
import time
from dataclasses import dataclass

from chalicelib.aws import client
from chalicelib.config import ConfigError, settings

FIRST_KEY_ID = "1"  # a fixed key's id, and the first version of the parameter
SIGNATURE = r"[0-9]{1,6}\.[A-Za-z0-9_-]{32}"  # what sign() returns, for the token patterns of callers
MIN_KEY_CHARS = 32
RELOAD_SECONDS = 900.0
EARLY_RELOAD_SECONDS = 10.0
_SIGNATURE = re.compile(rf"^{SIGNATURE}$")


@dataclass(frozen=True)
class Keyring:
    """The keys a container signs and verifies with: the current one and the one before it."""

    current: str  # the id new signatures carry
    keys: dict[str, bytes]  # id -> key
    loaded_at: float  # time.monotonic() of the read; math.inf for a fixed key (never reloaded)


_held: dict[str, Keyring] = {}  # "ring": this container's keys


def keyring(now: float | None = None) -> Keyring:
    """The container's keys, read again once they are RELOAD_SECONDS old."""
    now = time.monotonic() if now is None else now
    ring = _held.get("ring")
    if ring is None or now - ring.loaded_at >= RELOAD_SECONDS:
        ring = _held["ring"] = _load(ring, now)
    return ring


def forget() -> None:
    """Drop the cached keys (tests: a fresh container)."""
    _held.clear()


def signing_key() -> bytes:
    """The current key, for HMACs that live no longer than the key does (agent sessions' CSRF)."""
    ring = keyring()
    return ring.keys[ring.current]


def sign(purpose: str, message: str) -> str:
    """`<key id>.<mac>`: a URL-safe 32-character HMAC-SHA256 of `message` under the current key's
    subkey for `purpose` (customer links, request forms): a signature made for one purpose is
    worthless for another."""
    ring = keyring()
    return f"{ring.current}.{_mac(ring.keys[ring.current], purpose, message)}"


def verify(purpose: str, message: str, signature: str) -> bool:
    """Whether `signature` is sign(purpose, message) under a key still accepted."""
    if not _SIGNATURE.match(signature or ""):
        return False
    key_id, _, mac = signature.partition(".")
    key = _key(key_id)
    return key is not None and hmac.compare_digest(mac.encode(), _mac(key, purpose, message).encode())


def _key(key_id: str, now: float | None = None) -> bytes | None:
    now = time.monotonic() if now is None else now
    ring = keyring(now)
    newer = key_id not in ring.keys and int(key_id) > int(ring.current)
    if newer and now - ring.loaded_at >= EARLY_RELOAD_SECONDS:
        ring = _held["ring"] = _load(ring, now)  # rotated: another container signed with the new version
    return ring.keys.get(key_id)


def _mac(key: bytes, purpose: str, message: str) -> str:
    subkey = hmac.new(key, f"purpose:{purpose}".encode(), hashlib.sha256).digest()
    digest = hmac.new(subkey, message.encode(), hashlib.sha256).digest()[:24]
    return base64.urlsafe_b64encode(digest).decode()


def _load(known: Keyring | None, now: float) -> Keyring:
    config = settings()
    if config.secret_key:
        return Keyring(FIRST_KEY_ID, {FIRST_KEY_ID: config.secret_key.encode()}, math.inf)
    name = config.signing_key_parameter
    if not name:
        raise ConfigError("set HELPDESK_SIGNING_KEY_PARAMETER (the SSM parameter of the signing key)")
    version, key = _read(name)
    keys = {str(version): key}
    previous = str(version - 1)
    if version > 1:  # a version's value never changes: keep the one already read
        kept = known.keys.get(previous) if known else None
        keys[previous] = kept or _read(f"{name}:{previous}")[1]
    return Keyring(str(version), keys, now)


def _read(name: str) -> tuple[int, bytes]:
    ssm = client("ssm")
    try:
        parameter = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
    except ssm.exceptions.ParameterNotFound:
        raise ConfigError(f"the signing key parameter {name} is missing (`make deploy` makes it)") from None
    if len(parameter["Value"]) < MIN_KEY_CHARS:
        raise ConfigError(f"the signing key in {name} is shorter than {MIN_KEY_CHARS} characters")
    return parameter["Version"], parameter["Value"].encode()
