"""Raw test mails built with the stdlib, so each test states only what it is about."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

_counter = itertools.count(1)


def raw_mail(
    *,
    sender: str | None = None,
    to: str = "support@example.com",
    subject: str | None = None,
    body: str = "Hello, my order has not arrived.",
    html: str | None = None,
    message_id: str | None = "auto",
    in_reply_to: str | None = None,
    references: str | None = None,
    cc: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] = (),
) -> bytes:
    message = EmailMessage()
    message["From"] = sender or f"Ada Customer <ada.{next(_counter)}@customer.test>"
    message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Subject"] = subject if subject is not None else f"Order problem {next(_counter)}"
    message["Date"] = format_datetime(datetime.now(UTC))
    if message_id == "auto":
        message["Message-ID"] = make_msgid(domain="customer.test")
    elif message_id:
        message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if html:
        message.add_alternative(html, subtype="html")
    for filename, content_type, content in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return bytes(message)


# What SES reports for a sender whose domain signs its mail and publishes DMARC: the `deliver`
# fixture's verdicts (local/ses_event.py writes SES's Authentication-Results header from them).
AUTHENTICATED = {"spf": "PASS", "dkim": "PASS", "dmarc": "PASS"}
# The same for a mail sent over SMTP to the local runtime: its receiver's test hook.
AUTHENTICATED_HEADERS = {"X-Local-Verdicts": "spf=pass; dkim=pass; dmarc=pass"}
