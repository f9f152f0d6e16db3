"""Notification mail: at most one per agent and ticket per window, through SES, from the desk's
own address (the decisions: desk.notifications.batching).

A mail names the ticket and links to its page, and says what happened with the new text. It is
built so that answering it cannot act on the ticket: no `[#N]` in the subject, no Reply-To, no
In-Reply-To or References, a Message-ID that names no ticket and is recorded nowhere (so inbound
threading never finds it), and never a customer's status link. A reply reaches the desk's own
address as a new mail, like any other.

The window item `mail#<ticket>` carries `tally` as its version: each write is conditional on the
version read, so two events for one agent and ticket at once decide one after the other.
"""

from __future__ import annotations

import json
from datetime import UTC

from pynamodb.exceptions import PutError

from chalicelib.aws import client
from chalicelib.config import ConfigError, settings
from chalicelib.desk.base.transactions import condition_failed, retry_on_race
from chalicelib.desk.events import TicketEvent
from chalicelib.desk.mail_out.outbound import agent_mail, send
from chalicelib.desk.notifications import batching
from chalicelib.desk.notifications.recipients import Topic
from chalicelib.desk.setup import directory
from chalicelib.mail.message import Address
from chalicelib.models import Notification
from chalicelib.observability import logger
from chalicelib.origin import public_url

KEEP_SECONDS = 24 * 3600  # a window item outlives its window by far (TTL)
ATTEMPTS = 5
TEXT_LIMIT = 4000  # of one event's new text in a mail; the ticket has the rest

HEADLINES: dict[Topic, str] = {
    "new_ticket": "New ticket",
    "assigned": "Assigned to you",
    "customer_replied": "The customer replied",
    "mentioned": "You were mentioned",
    "sla_warning": "SLA warning",
    "rule": "A rule asks you to look",
}


def line(event: TicketEvent, topic: Topic) -> str:
    """One event as the mail (and the in-app list) tells it: time, what, who, the new text."""
    by = f" by {event.actor_name}" if event.actor_name else ""
    text = event.text.strip()
    if len(text) > TEXT_LIMIT:
        text = text[:TEXT_LIMIT] + " …"
    return f"{event.at.astimezone(UTC):%H:%M} UTC · {HEADLINES[topic]}{by}:\n{text}"


def compose_text(number: int, subject: str, lines: tuple[str, ...]) -> str:
    base = public_url()
    said = "\n\n".join(lines)
    return (
        f"Ticket {number}: {subject}\n{base}/tickets/{number}\n\n{said}\n\n"
        "Answer on the ticket page: replies to this mail do not reach the ticket.\n"
        f"Your notification settings: {base}/account/notifications\n"
    )


def mail_subject(number: int, subject: str, lines: tuple[str, ...]) -> str:
    """No `[#N]`: a reply must not thread onto the ticket."""
    headline = lines[0].split(" · ", 1)[-1].split(":\n", 1)[0] if len(lines) == 1 else f"{len(lines)} updates"
    return f"{headline}: {subject} (ticket {number})"[:200]


def deliver(email: str, name: str, number: int, subject: str, lines: tuple[str, ...]) -> None:
    mailbox = directory.directory().default_mailbox.address
    send(
        agent_mail(
            mailbox,
            (Address(email=email, name=name),),
            mail_subject(number, subject, lines),
            compose_text(number, subject, lines),
        )
    )


def _key(number: int) -> str:
    return f"mail#{number}"


def _read(email: str, number: int) -> tuple[batching.Window | None, int | None]:
    try:
        row = Notification.get(email, _key(number), consistent_read=True)
    except Notification.DoesNotExist:
        return None, None
    window = batching.Window(row.window_until or 0, tuple(row.pending or ()), bool(row.queued))
    return window, row.tally or 0


def _write(email: str, number: int, window: batching.Window, version: int | None, now: int) -> None:
    """Store `window` if the item is still at `version` (None: still absent); raises PutError."""
    row = Notification(
        agent=email,
        key=_key(number),
        ticket_number=number,
        window_until=window.until,
        pending=list(window.pending) or None,
        queued=window.queued,
        tally=(version or 0) + 1,
        expires_at=max(window.until, now) + KEEP_SECONDS,
    )
    condition = Notification.key.does_not_exist() if version is None else Notification.tally == version
    row.save(condition=condition)


def _queue_url() -> str:
    url = settings().notification_queue_url
    if not url:
        raise ConfigError("HELPDESK_NOTIFICATION_QUEUE_URL is not set: notification mail has no flush queue")
    return url


def queue_flush(email: str, name: str, number: int, subject: str, seconds: int) -> None:
    client("sqs").send_message(
        QueueUrl=_queue_url(),
        MessageBody=json.dumps({"agent": email, "name": name, "ticket": number, "subject": subject}),
        DelaySeconds=batching.delay(seconds),
    )


def on_event(email: str, name: str, number: int, subject: str, text: str, *, now: int) -> str:
    """Mail the event's `text` now, or collect it for the window's flush; returns which."""
    window_s = settings().notification_mail_window_s

    def attempt(_: int) -> batching.Decision:
        current, version = _read(email, number)
        decision = batching.on_event(current, text, now, window_s)
        if decision.flush_in is not None:
            # Queued before the window says so: a lost write leaves a flush with nothing to do,
            # never a window waiting for a flush that was not sent.
            queue_flush(email, name, number, subject, decision.flush_in)
        _write(email, number, decision.window, version, now)
        return decision

    decision = retry_on_race(attempt, ATTEMPTS, _kept_changing(email, number))
    if decision.action == "send":
        deliver(email, name, number, subject, (text,))
    return decision.action


def flush(email: str, name: str, number: int, subject: str, *, now: int) -> int:
    """A delayed flush: mail what the window collected (unless the agent is no longer available
    for mail); returns the number of lines mailed."""
    window_s = settings().notification_mail_window_s

    def attempt(_: int) -> batching.Flush | None:
        current, version = _read(email, number)
        step = batching.on_flush(current, now, window_s)
        if step.flush_in is not None:
            queue_flush(email, name, number, subject, step.flush_in)
            return None
        if current is None:
            return None
        _write(email, number, step.window, version, now)
        return step

    step = retry_on_race(attempt, ATTEMPTS, _kept_changing(email, number))
    if step is None or not step.lines:
        return 0
    agent = next((a for a in directory.agents() if a.email.lower() == email.lower()), None)
    if agent is None or not agent.is_available(float(now)):
        logger.info("notification mail dropped: agent not available", extra={"ticket": number})
        return 0
    try:
        deliver(email, agent.name or name, number, subject, step.lines)
    except Exception:
        _restore(email, number, step.lines, now)
        raise
    return len(step.lines)


def _kept_changing(email: str, number: int) -> RuntimeError:
    return RuntimeError(f"the mail window of {email} on ticket {number} kept changing")


def _restore(email: str, number: int, lines: tuple[str, ...], now: int) -> None:
    """A flush whose mail SES refused: its lines go back in front, due at once (the queue retries)."""
    for _ in range(ATTEMPTS):
        current, version = _read(email, number)
        pending = (*lines, *(current.pending if current else ()))
        try:
            _write(email, number, batching.Window(now, pending, True), version, now)
            return
        except PutError as error:
            if not condition_failed(error):
                raise
