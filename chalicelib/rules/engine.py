"""Running the rules over one ticket's facts: values in, decisions out.

Rules run in their order; a matching rule's actions apply in order and later rules see the ticket
as the earlier ones left it (a rule that set the team makes a later "team is Billing" match). Each
rule runs at most once per evaluation, so changes made by rules never trigger rules again; `stop`
ends the evaluation after its rule. Every action taken is a `Taken`, which the desk records as an
event on the ticket.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from chalicelib.rules.model import ActionValue, Condition, Rule, Trigger
from chalicelib.rules.text import contains_any


@dataclass(frozen=True)
class Facts:
    """What rules can see of a ticket at the moment of the trigger."""

    trigger: Trigger
    mailbox: str
    team: str
    channel: str  # email | web | phone | api ("" for an agent's change)
    sender: str  # the customer's address
    subject: str
    body: str
    status: str
    priority: str
    tags: tuple[str, ...] = ()
    assignee: str | None = None
    has_attachments: bool = False
    importance: str = "normal"  # chalicelib.rules.headers.importance of the mail
    inside_business_hours: bool = True  # the team's SLA calendar at the trigger's time
    earlier_tickets: int = 0  # the customer's tickets before this one

    @property
    def sender_domain(self) -> str:
        return self.sender.rpartition("@")[2].lower()


@dataclass(frozen=True)
class Taken:
    """One action a rule took: `kind` is the action's type, `old` and `new` what it changed."""

    rule: str
    kind: str
    old: str
    new: str


@dataclass(frozen=True)
class Outcome:
    """What the rules decided. None leaves a field as it is; `assign` tells an assignee was set."""

    priority: str | None = None
    team: str | None = None
    status: str | None = None
    assignee: str | None = None
    assign: bool = False
    tags: tuple[str, ...] | None = None  # the ticket's whole tag list when rules changed it
    notes: tuple[str, ...] = ()
    templates: tuple[str, ...] = ()  # mail templates to send to the customer
    canned: tuple[str, ...] = ()  # canned replies (titles) to send to the customer
    notify_agents: tuple[str, ...] = ()
    notify_teams: tuple[str, ...] = ()
    taken: tuple[Taken, ...] = field(default_factory=tuple)
    fired: tuple[str, ...] = ()  # the ids of the rules that matched, in order

    @property
    def empty(self) -> bool:
        return not self.taken


def matches(rule: Rule, facts: Facts) -> bool:
    """Whether `rule` applies to `facts` (its triggers and conditions; enabled or not)."""
    if facts.trigger not in rule.triggers:
        return False
    results = (holds(condition, facts) for condition in rule.conditions)
    return all(results) if rule.match == "all" else any(results) or not rule.conditions


def holds(condition: Condition, facts: Facts) -> bool:
    name, op, value = condition.field, condition.op, condition.value
    if name == "has_attachments":
        return facts.has_attachments is value
    if name == "business_hours":
        return facts.inside_business_hours is (value == "inside")
    if isinstance(value, (bool, str)):
        return False  # no other field takes these (parse_rule)
    if isinstance(value, int):  # earlier_tickets
        count = facts.earlier_tickets
        return count == value if op == "is" else count >= value if op == "at_least" else count <= value
    if name in ("subject", "body", "text"):
        text = {"subject": facts.subject, "body": facts.body}.get(name, f"{facts.subject}\n{facts.body}")
        found = contains_any(text, value)
        return found if op == "contains_any" else not found
    if name == "tags":
        found = bool(set(value) & set(facts.tags))
        return found if op == "contains_any" else not found
    actual = str(getattr(facts, name) or "")  # a choice field
    if name in ("sender", "sender_domain", "mailbox"):
        actual, value = actual.lower(), tuple(v.lower() for v in value)
    return (actual in value) if op == "is" else (actual not in value)


def evaluate(rules: Sequence[Rule], facts: Facts) -> Outcome:
    """The decisions of the enabled rules for `facts`, in order (see the module's account)."""
    outcome = Outcome()
    for rule in rules:
        if not rule.enabled or not matches(rule, facts):
            continue
        outcome = replace(outcome, fired=(*outcome.fired, rule.id))
        stop = False
        for action in rule.actions:
            if action.type == "stop":
                stop = True
                continue
            facts, outcome = _apply(rule.name, action.type, action.value, facts, outcome)
        if stop:
            break
    return outcome


def _apply(rule: str, kind: str, value: ActionValue, facts: Facts, outcome: Outcome) -> tuple[Facts, Outcome]:
    """One action on the facts (what later rules see) and on the outcome."""
    if isinstance(value, tuple):  # add_tags, remove_tags
        old = facts.tags
        if kind == "add_tags":
            tags = tuple(dict.fromkeys((*old, *value)))
        else:
            tags = tuple(tag for tag in old if tag not in value)
        if tags == old:
            return facts, outcome
        taken = (*outcome.taken, Taken(rule, kind, ", ".join(old), ", ".join(tags)))
        return replace(facts, tags=tags), replace(outcome, tags=tags, taken=taken)
    if kind in _FIELDS:
        before = getattr(facts, _FIELDS[kind]) or ""
        if before == value:
            return facts, outcome
        taken = (*outcome.taken, Taken(rule, kind, before, value))
        if kind == "set_priority":
            return replace(facts, priority=value), replace(outcome, priority=value, taken=taken)
        if kind == "set_team":
            return replace(facts, team=value), replace(outcome, team=value, taken=taken)
        if kind == "set_status":
            return replace(facts, status=value), replace(outcome, status=value, taken=taken)
        return replace(facts, assignee=value), replace(outcome, assignee=value, assign=True, taken=taken)
    taken = (*outcome.taken, Taken(rule, kind, "", value))
    if kind == "add_note":
        return facts, replace(outcome, notes=(*outcome.notes, value), taken=taken)
    if kind == "send_template":
        return facts, replace(outcome, templates=(*outcome.templates, value), taken=taken)
    if kind == "send_canned":
        return facts, replace(outcome, canned=(*outcome.canned, value), taken=taken)
    if kind == "notify_agent":
        return facts, replace(outcome, notify_agents=(*outcome.notify_agents, value), taken=taken)
    return facts, replace(outcome, notify_teams=(*outcome.notify_teams, value), taken=taken)


_FIELDS = {"set_priority": "priority", "set_team": "team", "set_status": "status", "set_assignee": "assignee"}
