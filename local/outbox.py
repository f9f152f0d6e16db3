"""The outbox: every mail SES accepted, as `<UTC timestamp>-<ses id>.eml`, each written once.

moto runs in this process, so its SES backend's `sent_messages` list is read directly (sesv2 sends
land there too: it delegates to the v1 backend). Which ids were written is read back from the file
names, so a restart never writes a mail twice. Raw mail is written byte for byte; mail sent with
`send_email` (no raw MIME) is composed into a message.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from local.files import write_atomically

log = logging.getLogger("local.outbox")


def compose(message: Any, sent_at: datetime) -> bytes:
    """A MIME message for a moto `Message` (what SendEmail stored: addresses, subject, body)."""
    mail = EmailMessage()
    mail["From"] = message.source
    for header, key in (("To", "ToAddresses"), ("Cc", "CcAddresses"), ("Bcc", "BccAddresses")):
        if message.destinations.get(key):
            mail[header] = ", ".join(message.destinations[key])
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(sent_at)
    mail["Message-ID"] = f"<{message.id}@email.amazonses.com>"
    mail.set_content(message.body)
    return bytes(mail)


class Outbox:
    """Mirrors moto's sent mail into a directory; `poll()` writes whatever is new."""

    def __init__(self, directory: Path, region: str) -> None:
        self.directory = directory
        self._region = region
        directory.mkdir(parents=True, exist_ok=True)
        self._written = {path.stem.partition("-")[2] for path in directory.glob("*.eml")}
        self._seen = 0

    def poll(self) -> None:
        sent = ses_backends[DEFAULT_ACCOUNT_ID][self._region].sent_messages
        if len(sent) < self._seen:  # moto was reset
            self._seen = 0
        new, self._seen = sent[self._seen :], len(sent)
        for message in new:
            if message.id not in self._written:
                self._write(message)

    def _write(self, message: Any) -> None:
        sent_at = datetime.now(UTC)
        if hasattr(message, "raw_data"):
            data = message.raw_data.encode()  # moto decoded it as UTF-8
        elif hasattr(message, "body"):
            data = compose(message, sent_at)
        else:
            log.warning("not writing templated mail %s to the outbox", message.id)
            return
        path = self.directory / f"{sent_at.strftime('%Y%m%dT%H%M%S.%fZ')}-{message.id}.eml"
        write_atomically(path, data)
        self._written.add(message.id)
        log.info("SES sent %s to %s", path.name, ", ".join(map(str, _recipients(message))))


def _recipients(message: Any) -> list[str]:
    if isinstance(message.destinations, dict):
        return [a for addresses in message.destinations.values() for a in addresses]
    return list(message.destinations)
