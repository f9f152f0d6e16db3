"""Scheduled work: closing solved tickets nobody came back to, and the team leads' daily digest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import TransactWriteError

from chalicelib.config import settings
from chalicelib.desk import directory, sla
from chalicelib.desk.outbound import send, send_and_record, ticket_mail
from chalicelib.desk.records import event_message
from chalicelib.desk.views import view_key_actions
from chalicelib.mail.message import Address, OutboundMail
from chalicelib.mail.sanitize import text_to_html
from chalicelib.mail.threading import new_message_id
from chalicelib.models import Ticket, write_transaction
from chalicelib.observability import logger
from chalicelib.origin import public_url
from chalicelib.sla.clock import STATUS_ORDER

WAITING_STATUSES = ("new", "open")


def auto_close(now: datetime) -> list[int]:
    """Close tickets solved more than `auto_close_days` ago and tell each customer; returns them."""
    cutoff = now - timedelta(days=settings().auto_close_days)
    closed = []
    for ticket in Ticket.status_index.query("solved", Ticket.updated_at < cutoff):
        if _close(ticket, now):
            closed.append(ticket.number)
    return closed


def _close(ticket: Ticket, at: datetime) -> bool:
    """Close one ticket, then mail the customer; False when it left `solved` meanwhile."""
    clock = sla.step(ticket, sla.status_changed(ticket, "solved", "closed", at))
    actions = [
        Ticket.status.set("closed"),
        *view_key_actions(ticket, "closed", ticket.team, ticket.assignee),
        *sla.touch(ticket, at, clock),
    ]
    try:
        with write_transaction() as transaction:
            transaction.update(ticket, actions=actions, condition=Ticket.status == "solved")
            transaction.save(
                event_message(ticket.number, None, at, {"type": "status", "from": "solved", "to": "closed"})
            )
    except TransactWriteError:
        logger.info("auto-close skipped: the ticket changed", extra={"ticket": ticket.number})
        return False
    text = (
        f"Hello,\n\nYour request #{ticket.number} was solved and has now been closed.\n"
        f"If you need anything else, simply reply: we will open a new request that links to this one.\n\n"
        f"{ticket.team}\n"
    )
    send_and_record(
        ticket,
        ticket_mail(ticket, ticket.team, text, auto_submitted="auto-generated"),
        kind="reply",
        author=Address(email=ticket.mailbox, name=ticket.team),
        automatic=True,
    )
    return True


@dataclass(frozen=True)
class TeamDigest:
    team: str
    waiting: int
    by_state: dict[str, int]
    oldest: list[Ticket]


def team_digest(team: str, now: datetime, oldest_count: int = 5) -> TeamDigest:
    """Waiting tickets of a team (new and open), their SLA states and the longest waiting."""
    waiting = [t for status in WAITING_STATUSES for t in Ticket.team_status_index.query(f"{team}#{status}")]
    states: dict[str, int] = dict.fromkeys(STATUS_ORDER, 0)
    for ticket in waiting:
        state = sla.summary(ticket, now)["state"]
        if state:
            states[state] += 1
    oldest = sorted(waiting, key=lambda t: t.updated_at)[:oldest_count]
    return TeamDigest(team=team, waiting=len(waiting), by_state=states, oldest=oldest)


def digest_text(digest: TeamDigest, now: datetime) -> str:
    lines = [
        f"Team {digest.team}, {now:%A %d %B %Y}",
        "",
        f"Waiting for an answer: {digest.waiting}",
        f"SLA breached: {digest.by_state['breached']}   at risk: {digest.by_state['at_risk']}",
        "",
        "Waiting longest:" if digest.oldest else "Nobody is waiting. Well done.",
    ]
    for ticket in digest.oldest:
        hours = (now - ticket.updated_at).total_seconds() / 3600
        lines.append(f"  #{ticket.number} {ticket.subject} ({ticket.requester_email}, {hours:.0f} h)")
        lines.append(f"      {public_url()}/tickets/{ticket.number}")
    return "\n".join(lines) + "\n"


def send_digests(now: datetime) -> dict[str, int]:
    """One digest per team to its leads (the desk's admins and agents with the lead role)."""
    sent = {}
    active = [a for a in directory.agents() if a.active]
    for team in directory.directory().teams:
        leads = [a for a in active if a.is_admin or (a.role == "lead" and team in a.teams)]
        if not leads:
            continue
        mailbox = next(
            (m for m in directory.directory().mailboxes if m.team == team), settings().default_mailbox
        )
        text = digest_text(team_digest(team, now), now)
        send(
            OutboundMail(
                from_=Address(email=mailbox.address, name="Help desk"),
                to=tuple(Address(email=a.email, name=a.name) for a in leads),
                subject=f"Daily digest: {team}",
                text=text,
                html=text_to_html(text),
                message_id=new_message_id(mailbox.domain, 0),
                auto_submitted="auto-generated",
            )
        )
        sent[team] = len(leads)
    return sent
