"""The deployment's signing key: CSRF tokens and customer links are HMACs under it.

HELPDESK_SECRET_KEY, when set, is the key. Otherwise the key is made on first use and kept in the
counters table: a conditional put makes the first writer's key everyone's, and each container
reads it once. A Secrets Manager secret would cost $0.40 a month while nobody writes; the table
costs nothing, and whoever may read the table may read every ticket anyway, so the key is as well
guarded there as what it protects.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import hmac
import secrets

from pynamodb.exceptions import PutError

from chalicelib.config import settings
from chalicelib.models import Counter

KEY_ITEM = "signing-key"


@functools.cache
def signing_key() -> bytes:
    configured = settings().secret_key
    if configured:
        return configured.encode()
    try:
        return Counter.get(KEY_ITEM, consistent_read=True).secret.encode()
    except Counter.DoesNotExist:
        pass
    with contextlib.suppress(PutError):  # another container made it first: theirs is the key
        Counter(key=KEY_ITEM, secret=secrets.token_urlsafe(48)).save(condition=Counter.key.does_not_exist())
    return Counter.get(KEY_ITEM, consistent_read=True).secret.encode()


def sign(purpose: str, message: str) -> str:
    """A URL-safe 32-character HMAC-SHA256 of `message` under the signing key's subkey for `purpose`
    (customer links, request forms): a signature made for one purpose is worthless for another."""
    key = hmac.new(signing_key(), f"purpose:{purpose}".encode(), hashlib.sha256).digest()
    digest = hmac.new(key, message.encode(), hashlib.sha256).digest()[:24]
    return base64.urlsafe_b64encode(digest).decode()
