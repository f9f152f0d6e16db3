"""Rules as values, and the one check every stored or edited rule goes through.

A rule: *when* (its triggers), *if* all or any of its conditions hold over the ticket's facts,
*then* its actions, in order. `parse_rule` reads the JSON an admin sends (and the stored text) and
refuses a bad rule with a `RuleError` whose message starts with the field at fault
("conditions[1].value: …"). What the desk's setup names (teams, templates, canned replies) comes in
as a `Vocabulary`, so this stays pure.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

from chalicelib.rules.headers import IMPORTANCES

# "pending": a time rule, run by the hourly schedule over tickets pending for `after_hours`
# business hours since their last change (desk.rules.timed), once per ticket and pending stretch.
Trigger = Literal["created", "customer_replied", "agent_changed", "pending"]
TRIGGERS: tuple[Trigger, ...] = get_args(Trigger)

# Condition fields, by the kind of value they compare.
CHOICE_FIELDS = ("mailbox", "team", "channel", "sender", "sender_domain", "status", "priority", "importance")
WORD_FIELDS = ("subject", "body", "text")  # text: the subject or the body
FIELDS = (*CHOICE_FIELDS, *WORD_FIELDS, "tags", "has_attachments", "business_hours", "earlier_tickets")
OPERATORS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(CHOICE_FIELDS, ("is", "is_not")),
    **dict.fromkeys(WORD_FIELDS, ("contains_any", "contains_none")),
    "tags": ("contains_any", "contains_none"),
    "has_attachments": ("is",),
    "business_hours": ("is",),  # value "inside" or "outside"
    "earlier_tickets": ("is", "at_least", "at_most"),
}
ACTIONS = (
    "set_priority",
    "set_team",
    "set_assignee",
    "set_status",
    "add_tags",
    "remove_tags",
    "add_note",
    "send_template",
    "send_canned",
    "notify_agent",
    "notify_team",
    "stop",
)
MAX_RULES = 100
MAX_NAME = 80
MAX_ITEMS = 20  # conditions, actions, values in one list
MAX_TEXT = 2_000
MAX_AFTER_HOURS = 10_000
MAX_TAG_LENGTH = 40
TAG_RULE = f"1 to {MAX_TAG_LENGTH} characters without , # < > or quotes"


class RuleError(ValueError):
    """A rule that cannot be kept; the message names the field ("actions[0].value: …")."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


@dataclass(frozen=True)
class Vocabulary:
    """The names a rule may use, from the desk's setup."""

    teams: frozenset[str]
    statuses: frozenset[str]  # the statuses a rule may set
    priorities: tuple[str, ...]
    templates: frozenset[str] = frozenset()
    canned: frozenset[str] = frozenset()
    agents: frozenset[str] | None = None  # the active agents' addresses; None: not checked


# A condition's value: texts (choices, words, tags), a flag, a count, or "inside"/"outside".
ConditionValue = tuple[str, ...] | bool | int | str
ActionValue = tuple[str, ...] | str  # tags, or one text ("" for stop)
JsonValue = list[str] | bool | int | str


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: ConditionValue


@dataclass(frozen=True)
class Action:
    type: str
    value: ActionValue = ""


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    enabled: bool = True
    triggers: tuple[Trigger, ...] = ("created",)
    match: Literal["all", "any"] = "all"
    conditions: tuple[Condition, ...] = ()
    actions: tuple[Action, ...] = field(default_factory=tuple)
    after_hours: int | None = None  # time rules ("pending"): business hours since the last change

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "enabled": self.enabled,
            "triggers": list(self.triggers),
            "match": self.match,
            "conditions": [{"field": c.field, "op": c.op, "value": _json(c.value)} for c in self.conditions],
            "actions": [{"type": a.type, "value": _json(a.value)} for a in self.actions],
            **({"after_hours": self.after_hours} if self.after_hours is not None else {}),
        }


def _json(value: ConditionValue) -> JsonValue:
    return list(value) if isinstance(value, tuple) else value


def parse_rule(data: object, vocabulary: Vocabulary, *, rule_id: str) -> Rule:
    """The rule `data` describes (JSON values), or RuleError naming the first bad field."""
    if not isinstance(data, Mapping):
        raise RuleError("rule", "must be an object")
    known = {"id", "name", "enabled", "triggers", "match", "conditions", "actions", "after_hours"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise RuleError(unknown[0], "is not a field of a rule")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > MAX_NAME:
        raise RuleError("name", f"must be 1 to {MAX_NAME} characters")
    enabled = data.get("enabled", True)
    if not isinstance(enabled, bool):
        raise RuleError("enabled", "must be true or false")
    triggers = _strings(data.get("triggers", ["created"]), "triggers")
    if not triggers or any(t not in TRIGGERS for t in triggers):
        raise RuleError("triggers", f"must be one or more of {', '.join(TRIGGERS)}")
    after_hours = data.get("after_hours")
    if "pending" in triggers:
        if len(triggers) > 1:
            raise RuleError("triggers", "a time rule (pending) has no other trigger")
        if (
            not isinstance(after_hours, int)
            or isinstance(after_hours, bool)
            or not 1 <= after_hours <= MAX_AFTER_HOURS
        ):
            raise RuleError("after_hours", f"a time rule needs 1 to {MAX_AFTER_HOURS} business hours")
    elif after_hours is not None:
        raise RuleError("after_hours", "only a time rule (trigger pending) waits")
    match = data.get("match", "all")
    if match not in ("all", "any"):
        raise RuleError("match", "must be all or any")
    conditions = _list(data.get("conditions", []), "conditions")
    actions = _list(data.get("actions"), "actions")
    if not actions:
        raise RuleError("actions", "a rule needs at least one action")
    return Rule(
        id=rule_id,
        name=name.strip(),
        enabled=enabled,
        triggers=tuple(triggers),  # type: ignore[arg-type]  # checked against TRIGGERS above
        match=match,
        conditions=tuple(_condition(c, f"conditions[{i}]") for i, c in enumerate(conditions)),
        actions=tuple(_action(a, f"actions[{i}]", vocabulary) for i, a in enumerate(actions)),
        after_hours=after_hours if isinstance(after_hours, int) else None,
    )


def _list(value: object, where: str) -> list[object]:
    if not isinstance(value, list):
        raise RuleError(where, "must be a list")
    if len(value) > MAX_ITEMS:
        raise RuleError(where, f"at most {MAX_ITEMS}")
    return value


def _strings(value: object, where: str) -> tuple[str, ...]:
    """A non-empty list of non-empty strings (a single string is a list of one)."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or len(items) > MAX_ITEMS:
        raise RuleError(where, f"must be a list of 1 to {MAX_ITEMS} values")
    if not all(isinstance(item, str) and item.strip() and len(item) <= MAX_NAME * 4 for item in items):
        raise RuleError(where, "every value must be a non-empty text")
    return tuple(dict.fromkeys(item.strip() for item in items))


def _condition(data: object, where: str) -> Condition:
    if not isinstance(data, Mapping) or set(data) - {"field", "op", "value"}:
        raise RuleError(where, "must be an object with field, op and value")
    name = data.get("field")
    if name not in FIELDS:
        raise RuleError(f"{where}.field", f"must be one of {', '.join(FIELDS)}")
    op = data.get("op")
    if op not in OPERATORS[name]:
        raise RuleError(f"{where}.op", f"{name} takes {' or '.join(OPERATORS[name])}")
    value = data.get("value")
    at = f"{where}.value"
    if name == "has_attachments":
        if not isinstance(value, bool):
            raise RuleError(at, "must be true or false")
        return Condition(name, op, value)
    if name == "business_hours":
        if value not in ("inside", "outside"):
            raise RuleError(at, "must be inside or outside")
        return Condition(name, op, value)
    if name == "earlier_tickets":
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 1_000_000:
            raise RuleError(at, "must be a whole number from 0")
        return Condition(name, op, value)
    values = _strings(value, at)
    if name in ("sender", "sender_domain", "tags", "importance"):
        values = tuple(v.lower() for v in values)
    if name == "importance" and any(v not in IMPORTANCES for v in values):
        raise RuleError(at, f"must be {', '.join(IMPORTANCES)}")
    return Condition(name, op, values)


def _action(data: object, where: str, vocabulary: Vocabulary) -> Action:
    if not isinstance(data, Mapping) or set(data) - {"type", "value"}:
        raise RuleError(where, "must be an object with type and value")
    kind = data.get("type")
    if kind not in ACTIONS:
        raise RuleError(f"{where}.type", f"must be one of {', '.join(ACTIONS)}")
    value = data.get("value", "")
    at = f"{where}.value"
    if kind == "stop":
        return Action(kind)
    if kind in ("add_tags", "remove_tags"):
        return Action(kind, tuple(_tag(tag, at) for tag in _strings(value, at)))
    if not isinstance(value, str) or not value.strip():
        raise RuleError(at, "is required")
    value = value.strip()
    allowed: dict[str, Collection[str]] = {
        "set_priority": vocabulary.priorities,
        "set_team": vocabulary.teams,
        "notify_team": vocabulary.teams,
        "set_status": vocabulary.statuses,
        "send_template": vocabulary.templates,
        "send_canned": vocabulary.canned,
    }
    if kind in allowed and value not in allowed[kind]:
        raise RuleError(at, f"{value!r} is not one of {', '.join(sorted(allowed[kind])) or 'none'}")
    if kind in ("set_assignee", "notify_agent"):
        if "@" not in value or len(value) > 254 or any(ch.isspace() for ch in value):
            raise RuleError(at, "must be an agent's email address")
        value = value.lower()
        if vocabulary.agents is not None and value not in vocabulary.agents:
            raise RuleError(at, f"{value} is not an active agent")
    if kind == "add_note" and len(value) > MAX_TEXT:
        raise RuleError(at, f"at most {MAX_TEXT} characters")
    return Action(kind, value)


def tag_slug(tag: str) -> str | None:
    """A ticket's tag as stored (lower-case, dash-separated), or None when `tag` cannot be one
    (`TAG_RULE`): the one rule for the tags agents set and the tags rules set."""
    slug = "-".join(tag.lower().split())
    if not slug or len(slug) > MAX_TAG_LENGTH or any(ch in slug for ch in ",#<>\"'"):
        return None
    return slug


def _tag(tag: str, where: str) -> str:
    slug = tag_slug(tag)
    if slug is None:
        raise RuleError(where, f"tag {tag!r} must be {TAG_RULE}")
    return slug
