"""Who is told about a ticket event, and how: a pure function of the event, the ticket and the agents.

The topics an agent can choose (`TOPICS`) each follow one event type: a new ticket in one of my
teams, an assignment to me, the customer's reply on a ticket assigned to me, a mention of me in a
note, an SLA warning on a ticket assigned to me. Nobody is told what they did themselves;
deactivated agents are told nothing; away agents get the in-app notification but no mail
(`AgentProfile.is_available`, the one definition of away). Whoever is told must be allowed to see
the ticket (its team is theirs, or they are an admin).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, get_args

from chalicelib.desk.events import TicketEvent
from chalicelib.desk.setup.agents import AgentProfile

Topic = Literal["new_ticket", "assigned", "customer_replied", "mentioned", "sla_warning", "rule"]
Channel = Literal["in_app", "mail"]
TOPICS: tuple[Topic, ...] = get_args(Topic)
CHANNELS: tuple[Channel, ...] = get_args(Channel)
TOPIC_LABELS: dict[Topic, str] = {
    "new_ticket": "A new ticket in one of my teams",
    "assigned": "A ticket is assigned to me",
    "customer_replied": "The customer replied on my ticket",
    "mentioned": "I am mentioned in a note",
    "sla_warning": "An SLA warning on my ticket",
    "rule": "A rule asks me (or my team) to look at a ticket",
}


@dataclass(frozen=True)
class Preferences:
    """What an agent turned off, as `topic:channel` pairs; the default (nothing off) is all on."""

    off: frozenset[str] = frozenset()

    def wants(self, topic: Topic, channel: Channel) -> bool:
        return f"{topic}:{channel}" not in self.off

    @staticmethod
    def key(topic: Topic, channel: Channel) -> str:
        return f"{topic}:{channel}"


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    topic: Topic
    in_app: bool
    mail: bool


TEAM = ""  # stands for "every member of the ticket's team" among the candidates
TEAM_PREFIX = "team:"  # "team:<name>": every member of that team (a rule's "notify team")


def _candidates(event: TicketEvent, assignee: str | None) -> list[tuple[str, Topic]]:
    """(agent email, or TEAM; topic) the event concerns."""
    named: list[tuple[str | None, Topic]] = []
    if event.type == "ticket.created":
        return [(TEAM, "new_ticket")]
    if event.type == "ticket.assigned":
        named = [(event.change.get("to"), "assigned")]
    elif event.type == "ticket.customer_replied":
        named = [(assignee, "customer_replied")]
    elif event.type == "ticket.note_added":
        named = [(email, "mentioned") for email in event.mentions]
    elif event.type == "sla.warning":
        named = [(assignee, "sla_warning")]
    elif event.change.get("type") == "rule" and not event.change.get("failed"):
        action, to = event.change.get("action"), event.change.get("to", "")
        if action == "notify_agent":
            named = [(to, "rule")]
        elif action == "notify_team" and to:
            named = [(TEAM_PREFIX + to, "rule")]
    return [(email, topic) for email, topic in named if email]


def concerns_anyone(event: TicketEvent, assignee: str | None) -> bool:
    """Whether some topic follows the event at all (a note without mentions, a status change: no)."""
    return bool(_candidates(event, assignee))


def _members(candidate: str, team: str, agents: Iterable[AgentProfile]) -> list[AgentProfile]:
    """The agents a candidate stands for: the ticket's team, a named team, or one address."""
    if candidate == TEAM or candidate.startswith(TEAM_PREFIX):
        named = team if candidate == TEAM else candidate.removeprefix(TEAM_PREFIX)
        return [a for a in agents if named in a.teams]
    return [a for a in agents if a.email.lower() == candidate.lower()]


def recipients(
    event: TicketEvent,
    *,
    team: str,
    assignee: str | None,
    agents: Iterable[AgentProfile],
    preferences: Mapping[str, Preferences],
    now: float,
) -> list[Recipient]:
    """Each agent to tell about `event` once (the first topic that names them), with the channels
    their preferences and availability allow; nobody with no channel left."""
    everyone = list(agents)
    found: dict[str, Recipient] = {}
    for candidate, topic in _candidates(event, assignee):
        for agent in _members(candidate, team, everyone):
            key = agent.email.lower()
            if key in found or not agent.active or not agent.can_see_team(team):
                continue
            if event.actor and key == event.actor.lower():
                continue
            prefs = preferences.get(key, Preferences())
            in_app = prefs.wants(topic, "in_app")
            mail = prefs.wants(topic, "mail") and agent.is_available(now)
            if in_app or mail:
                found[key] = Recipient(agent.email, agent.name, topic, in_app, mail)
    return list(found.values())


def candidate_emails(
    event: TicketEvent, team: str, assignee: str | None, agents: Iterable[AgentProfile]
) -> list[str]:
    """The agents whose preferences `recipients` may need (so only theirs are read)."""
    everyone = list(agents)
    emails = [a.email.lower() for c, _ in _candidates(event, assignee) for a in _members(c, team, everyone)]
    return list(dict.fromkeys(emails))
