"""The SMTP receiver: does locally what an SES receipt rule with an S3 and a Lambda action does.

For each mail: store the raw bytes under `inbound/<ses message id>` (before answering 250, as SES
does), then hand the SES Lambda-action event to the async invoker. Mail over SES's 40 MB limit is
refused with 552 before anything is stored; lines of any length within it are taken, as real
receivers do (Postfix folds them, Gmail and SES accept them), not refused past RFC 5321's 1,000
octets. RCPT to a domain that is not ours gets 550 unless the transaction already has one of our
recipients (then it is listed in `destination` only).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from chalicelib.desk.base.storage import INBOUND_PREFIX
from local.ses_event import new_message_id, ses_event

log = logging.getLogger("local.smtp")
SES_MAX_MESSAGE_BYTES = 40 * 1024 * 1024  # SES receives "40 MB including headers": read as MiB
TOO_BIG = (
    f"552 5.3.4 Message too big: this help desk accepts mail up to 40 MB ({SES_MAX_MESSAGE_BYTES} bytes)"
    " including headers and attachments; nothing was stored"
)

Store = Callable[[str, bytes], None]
Deliver = Callable[[dict[str, Any], str], None]


def _domain(address: str) -> str:
    return address.rpartition("@")[2].lower()


class SesReceiptRule:
    """aiosmtpd handler: accept, store, answer, then deliver the event (`deliver(event, message_id)`)."""

    def __init__(self, own_domains: Iterable[str], store: Store, deliver: Deliver) -> None:
        self._domains = frozenset(d.lower() for d in own_domains)
        self._store = store
        self._deliver = deliver

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if _domain(address) not in self._domains and not any(
            _domain(rcpt) in self._domains for rcpt in envelope.rcpt_tos
        ):
            return "550 5.1.1 Mailbox unavailable: not a mailbox of this help desk"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        received_at, started = datetime.now(UTC), time.monotonic()
        raw: bytes = envelope.original_content
        message_id = new_message_id()
        try:
            await asyncio.get_running_loop().run_in_executor(
                None, self._store, INBOUND_PREFIX + message_id, raw
            )
        except Exception:
            log.exception("could not store mail %s", message_id)
            return "451 4.3.0 Temporary failure, try again later"
        event = ses_event(
            raw,
            message_id,
            envelope.mail_from or "",
            list(envelope.rcpt_tos),
            self._domains,
            received_at=received_at,
            processing_ms=int((time.monotonic() - started) * 1000),
        )
        self._deliver(event, message_id)
        log.info("received %s from %s for %s", message_id, envelope.mail_from, ", ".join(envelope.rcpt_tos))
        return f"250 Ok {message_id}"


class _SesSmtp(SMTP):
    """aiosmtpd with SES's limits: a line may be as long as the message may be (aiosmtpd's stream
    buffer and DATA line check both read `line_length_limit`), and every refusal for size, however
    aiosmtpd noticed it (SIZE= on MAIL FROM, too much DATA, a line longer than any allowed mail),
    is one 552 that names the limit."""

    line_length_limit = SES_MAX_MESSAGE_BYTES

    async def push(self, status: str) -> None:
        if status.startswith(("552 ", "500 Line too long")):
            status = TOO_BIG
        await super().push(status)


class _SesController(Controller):
    def factory(self) -> SMTP:
        return _SesSmtp(self.handler, **self.SMTP_kwargs)


def smtp_server(rule: SesReceiptRule, host: str, port: int) -> Controller:
    """An aiosmtpd controller (its own thread and event loop); call start() and stop().

    aiosmtpd checks readiness by connecting to the port it was given, so port 0 is resolved here.
    """
    if port == 0:
        with socket.socket() as probe:
            probe.bind((host, 0))
            port = probe.getsockname()[1]
    return _SesController(rule, hostname=host, port=port, data_size_limit=SES_MAX_MESSAGE_BYTES)
