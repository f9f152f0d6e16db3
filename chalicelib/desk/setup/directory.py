"""Who and what the desk is made of: teams, mailboxes, canned replies, mail templates, rules and
agents, cached.

Ingestion and every page need these on each request; they change a few times a year. One Query
reads all of the setup (one partition) and one Query all agents; each container keeps them for
CACHE_TTL_SECONDS, so an admin's change reaches every function within a minute. On first use the
setup is seeded from HELPDESK_MAILBOXES, which stays the deployment's starting point.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chalicelib.config import Mailbox, settings
from chalicelib.desk.setup.agents import AgentProfile, profile_of
from chalicelib.mail.addresses import without_plus_tag
from chalicelib.models import Agent, DirectoryEntry

CACHE_TTL_SECONDS = 60.0
# A team's auto-assignment (desk.assignment): "off" is also what a team without an entry has.
ASSIGNMENT_MODES = ("off", "round_robin", "fewest_open")


@dataclass(frozen=True)
class CannedReply:
    title: str
    body: str


@dataclass(frozen=True)
class Directory:
    teams: tuple[str, ...]
    mailboxes: tuple[Mailbox, ...]
    canned: tuple[CannedReply, ...]
    templates: dict[str, str] = field(default_factory=dict)  # mail template name → an admin's text
    brand: str = ""  # the branding as JSON (desk.setup.branding), "" until an admin sets it
    assignment: dict[str, str] = field(default_factory=dict)  # team → auto-assignment mode (absent: off)
    rules: str | None = None  # the ordered rules as JSON (desk.rules.store), None until an admin saves them

    def mailbox_for(self, address: str) -> Mailbox | None:
        """The mailbox an address belongs to, ignoring a `+tag` in its local part."""
        wanted = without_plus_tag(address.lower())
        return next((m for m in self.mailboxes if m.address == wanted), None)

    @property
    def default_mailbox(self) -> Mailbox:
        return self.mailboxes[0] if self.mailboxes else settings().default_mailbox

    @property
    def own_addresses(self) -> frozenset[str]:
        """Every address that is the desk itself: the mailboxes admins keep, and the deployment's
        configured ones (its receipt rules still deliver their mail after an admin removes one)."""
        return frozenset(m.address for m in self.mailboxes) | settings().own_addresses


_cache: dict[str, tuple[float, Any]] = {}


def directory() -> Directory:
    """Teams, mailboxes and canned replies (cached per container)."""
    return _cached("directory", _read_directory)


def agents() -> tuple[AgentProfile, ...]:
    """Every agent, active or not, by address (cached per container)."""
    return _cached("agents", _read_agents)


def forget() -> None:
    """Drop this container's copy after a change, so its author sees the change at once."""
    _cache.clear()


def _cached(name: str, read: Callable[[], Any]) -> Any:
    hit = _cache.get(name)
    if hit and time.monotonic() - hit[0] < CACHE_TTL_SECONDS:
        return hit[1]
    value = read()
    _cache[name] = (time.monotonic(), value)
    return value


def _read_directory() -> Directory:
    entries = list(DirectoryEntry.query("desk"))
    if not entries:
        entries = _seed()
    teams = tuple(e.name for e in entries if e.kind == "team")
    mailboxes = tuple(Mailbox(address=e.name, team=e.team or "") for e in entries if e.kind == "mailbox")
    canned = tuple(CannedReply(title=e.name, body=e.body or "") for e in entries if e.kind == "canned")
    templates = {e.name: e.body or "" for e in entries if e.kind == "template"}
    brand = next((e.body or "" for e in entries if e.kind == "brand"), "")
    assignment = {e.name: e.body or "off" for e in entries if e.kind == "assignment"}
    rules = next((e.body or "[]" for e in entries if e.kind == "rules"), None)
    return Directory(
        teams=teams,
        mailboxes=mailboxes,
        canned=canned,
        templates=templates,
        brand=brand,
        assignment=assignment,
        rules=rules,
    )


def _seed() -> list[DirectoryEntry]:
    """The configured mailboxes and their teams, written once (a concurrent seed writes the same)."""
    configured = settings().mailboxes
    entries = [entry("team", name) for name in dict.fromkeys(m.team for m in configured)]
    entries += [entry("mailbox", m.address, team=m.team) for m in configured]
    with DirectoryEntry.batch_write() as batch:
        for item in entries:
            batch.save(item)
    return entries


def entry(kind: str, name: str, *, team: str | None = None, body: str | None = None) -> DirectoryEntry:
    """A directory item; its key makes names unique per kind."""
    return DirectoryEntry(scope="desk", key=f"{kind}#{name}", kind=kind, name=name, team=team, body=body)


def _read_agents() -> tuple[AgentProfile, ...]:
    return tuple(profile_of(row) for row in Agent.directory_index.query("agent"))
