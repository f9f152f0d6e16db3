"""The team leads' daily digest: open tickets, SLA states and who waits longest for an answer.

It arrives at 08:xx in each team's calendar zone on the team's working days: the schedule runs
hourly and each run sends only to the teams whose hour it is, once a day per team.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from pynamodb.exceptions import PutError

from chalicelib.config import settings
from chalicelib.desk.base.transactions import condition_failed
from chalicelib.desk.mail_out.outbound import agent_mail, send
from chalicelib.desk.setup import directory
from chalicelib.desk.ticket import sla
from chalicelib.mail.message import Address
from chalicelib.models import Ledger, Ticket
from chalicelib.origin import public_url
from chalicelib.sla.calendar import BusinessCalendar, is_working_day
from chalicelib.sla.clock import STATUS_ORDER, waiting_since

OPEN_STATUSES = ("new", "open")
DIGEST_HOUR = 8
CLAIM_SECONDS = 3 * 24 * 3600  # a day's claim outlives any retry of that day, then expires (TTL)


@dataclass(frozen=True)
class TeamDigest:
    team: str
    open: int
    by_state: dict[str, int]
    oldest: list[tuple[Ticket, datetime]]  # owed an answer, longest waiting first, with since when


def team_digest(team: str, now: datetime, oldest_count: int = 5) -> TeamDigest:
    """The team's open tickets (new and open), their SLA states and those waiting longest for an
    answer: since the customer's unanswered message, which notes, tags or a reassignment do not move."""
    tickets = [t for status in OPEN_STATUSES for t in Ticket.team_status_index.query(f"{team}#{status}")]
    states: dict[str, int] = dict.fromkeys(STATUS_ORDER, 0)
    for ticket in tickets:
        state = sla.summary(ticket, now)["state"]
        if state:
            states[state] += 1
    waiting = [(t, since) for t in tickets if (since := waiting_since(sla.state_of(t)))]
    oldest = sorted(waiting, key=lambda pair: pair[1])[:oldest_count]
    return TeamDigest(team=team, open=len(tickets), by_state=states, oldest=oldest)


def digest_text(digest: TeamDigest, day: date, now: datetime) -> str:
    lines = [
        f"Team {digest.team}, {day:%A %d %B %Y}",
        "",
        f"Open: {digest.open}",
        f"SLA breached: {digest.by_state['breached']}   at risk: {digest.by_state['at_risk']}",
        "",
        "Waiting longest for an answer:" if digest.oldest else "Nobody is waiting for an answer. Well done.",
    ]
    for ticket, since in digest.oldest:
        hours = (now - since).total_seconds() / 3600
        lines.append(f"  #{ticket.number} {ticket.subject} ({ticket.requester_email}, {hours:.0f} h)")
        lines.append(f"      {public_url()}/tickets/{ticket.number}")
    return "\n".join(lines) + "\n"


def digest_day(calendar: BusinessCalendar, now: datetime) -> date | None:
    """The team's local date when `now` is in its digest hour on one of its working days."""
    local = now.astimezone(calendar.zone)
    if local.hour != DIGEST_HOUR or not is_working_day(calendar, local.date()):
        return None
    return local.date()


def send_digests(now: datetime) -> dict[str, int]:
    """Each team's digest to its leads (the desk's admins and agents with the lead role) at 08:xx on
    the team's working days in its calendar's zone. The schedule runs hourly; a claim per team and
    local date, put conditionally, makes it once a day whatever runs twice."""
    sent = {}
    agents = directory.agents()
    desk = directory.directory()
    for team in desk.teams:
        leads = [a for a in agents if a.leads(team)]
        mailbox = next((m for m in desk.mailboxes if m.team == team), settings().default_mailbox)
        day = digest_day(sla.team_policy(team, mailbox.address).calendar, now)
        if not leads or day is None:
            continue
        claim = _claim(team, day, now)
        if claim is None:
            continue
        text = digest_text(team_digest(team, now), day, now)
        try:
            leads_to = tuple(Address(email=a.email, name=a.name) for a in leads)
            send(agent_mail(mailbox.address, leads_to, f"Daily digest: {team}", text))
        except Exception:
            claim.delete()  # conditional on the version it was put with; the schedule's retry sends it
            raise
        sent[team] = len(leads)
    return sent


def _claim(team: str, day: date, now: datetime) -> Ledger | None:
    """The team's digest of that local day, for the first caller only; it expires long after."""
    claim = Ledger(key=f"digest#{team}#{day.isoformat()}", expires_at=int(now.timestamp()) + CLAIM_SECONDS)
    try:
        claim.save(condition=Ledger.key.does_not_exist())
    except PutError as error:
        if condition_failed(error):
            return None
        raise
    return claim
