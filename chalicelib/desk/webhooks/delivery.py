"""One delivery attempt, for the delivery handler: check, sign, POST, record, decide what next.

The endpoint is read fresh (a removed or disabled one is not called), the log says whether this
delivery already succeeded (then nothing is sent again), the URL is checked and resolved again
(`addresses`: DNS may have changed since registration), and the outcome tells the handler whether
to let the message go or to bring it back after `retry_after_s`. A failure records since when
the endpoint has been failing; one that has failed for the whole retry window (24 hours) is
disabled and the admins are mailed, once (the disabling write is conditional).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from chalicelib.config import settings
from chalicelib.desk.base.errors import NotFound
from chalicelib.desk.mail_out.outbound import agent_mail, send
from chalicelib.desk.setup import directory
from chalicelib.desk.ticket.records import utcnow
from chalicelib.desk.webhooks import addresses, endpoints, log
from chalicelib.desk.webhooks.retry import RETRY_WINDOW_S, backoff_s, receives_for
from chalicelib.desk.webhooks.sending import Attempt, post, resolve
from chalicelib.desk.webhooks.signature import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, header_value
from chalicelib.mail.message import Address
from chalicelib.models import WebhookEndpoint
from chalicelib.observability import logger
from chalicelib.origin import public_url

USER_AGENT = "Helpdesk-Webhooks/1"


@dataclass(frozen=True)
class Outcome:
    kind: Literal["delivered", "duplicate", "retry", "dropped"]
    detail: str = ""
    retry_after_s: int = 0


def attempt(delivery: log.Delivery, receive_count: int) -> Outcome:
    try:
        endpoint = endpoints.row(delivery.endpoint)
    except NotFound:
        return Outcome("dropped", "endpoint removed")
    if not endpoint.enabled:
        log.record(delivery, utcnow(), "skipped", error="endpoint disabled")
        return Outcome("dropped", "endpoint disabled")
    if log.delivered(delivery):
        return Outcome("duplicate", "delivered before")
    sent = _send(endpoint, delivery)
    now = utcnow()
    if sent.ok:
        log.record(delivery, now, "delivered", status_code=sent.status_code, duration_ms=sent.duration_ms)
        if endpoint.failing_since is not None:
            endpoints.mark_healthy(endpoint.id)
        return Outcome("delivered", str(sent.status_code))
    base = settings().webhook_retry_base_s
    detail = f"HTTP {sent.status_code}" if sent.status_code is not None else sent.error or "no answer"
    since = endpoints.mark_failing(endpoint.id, now)
    if since is None:
        log.record(delivery, now, "failed", **_attempt(sent))
        return Outcome("dropped", "endpoint removed")
    if now - since >= timedelta(seconds=RETRY_WINDOW_S):
        log.record(delivery, now, "failed", **_attempt(sent))
        if endpoints.disable(endpoint.id, f"failing since {since.isoformat(timespec='seconds')}: {detail}"):
            _tell_admins(endpoint, since, detail)
        return Outcome("dropped", f"endpoint disabled: {detail}")
    last = receive_count >= receives_for(RETRY_WINDOW_S, base)
    log.record(delivery, now, "failed" if last else "retrying", **_attempt(sent))
    return Outcome("retry", detail, backoff_s(receive_count, base))


def _attempt(sent: Attempt) -> dict[str, Any]:
    return {"status_code": sent.status_code, "error": sent.error, "duration_ms": sent.duration_ms}


def _send(endpoint: WebhookEndpoint, delivery: log.Delivery) -> Attempt:
    allow = settings().webhook_allow_loopback
    try:
        target = addresses.parse_target(endpoint.url, allow)
        address = addresses.checked_address(target, resolve, allow)
    except addresses.RefusedUrl as refused:
        return Attempt(None, f"refused: {refused}", 0)
    body = delivery.body.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: header_value(endpoint.secret, int(time.time()), body),
        DELIVERY_HEADER: delivery.delivery_id,
        EVENT_HEADER: delivery.event_type,
    }
    return post(target, address, body, headers)


def _tell_admins(endpoint: WebhookEndpoint, since: datetime, detail: str) -> None:
    """Mail the active admins from the desk's own address; a refused send is logged, the
    endpoint stays disabled (the Admin page shows why)."""
    admins = [a for a in directory.agents() if a.active and a.is_admin]
    if not admins:
        return
    text = (
        f"The webhook endpoint {endpoint.url} has failed every delivery since "
        f"{since.isoformat(timespec='minutes')} ({detail}), so the help desk disabled it.\n\n"
        "Deliveries to it are no longer queued. Once the receiver works again, enable it on the "
        "Admin page and resend what it missed from its deliveries list:\n\n"
        f"{public_url()}/admin#webhooks\n"
    )
    mail = agent_mail(
        directory.directory().default_mailbox.address,
        tuple(Address(email=a.email, name=a.name) for a in admins),
        f"Webhook disabled: {endpoint.url}"[:200],
        text,
    )
    try:
        send(mail)
    except Exception:
        logger.exception("webhook disabled, admins not mailed", extra={"endpoint": endpoint.id})
