"""The ordered list of rules: one directory item (kind `rules`), read with the cached setup, so
running the rules costs no request of its own.

Two rules ship enabled (`DEFAULTS`) and are the list until an admin saves one. Every change writes
the whole list, conditional on the list it read (the item's text), so two admins editing at once
cannot lose each other's change: the second is told to reload. A stored rule that no longer fits
the setup (its team was removed) is kept, shown with its problem, and skipped when rules run.
"""

from __future__ import annotations

import functools
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from pynamodb.exceptions import PutError

from chalicelib.config import settings
from chalicelib.desk.base.errors import Conflict, InvalidRequest, NotFound
from chalicelib.desk.base.transactions import condition_failed
from chalicelib.desk.setup import directory
from chalicelib.desk.setup.admin import require_admin
from chalicelib.desk.setup.agents import AgentProfile
from chalicelib.desk.setup.mail_templates import RULE_TEMPLATES
from chalicelib.desk.ticket.records import STATUSES
from chalicelib.models import DirectoryEntry
from chalicelib.rules.model import MAX_RULES, Rule, RuleError, Vocabulary, parse_rule
from chalicelib.sla.policy import PRIORITIES

URGENT_MAIL: dict[str, object] = {
    "id": "urgent-mail",
    "name": "Urgent mail",
    "enabled": True,
    "triggers": ["created"],
    "match": "all",
    "conditions": [{"field": "importance", "op": "is", "value": ["high"]}],
    "actions": [{"type": "set_priority", "value": "urgent"}],
}
OUT_OF_HOURS: dict[str, object] = {
    "id": "out-of-hours",
    "name": "Out-of-hours acknowledgement",
    "enabled": True,
    "triggers": ["created"],
    "match": "all",
    "conditions": [{"field": "business_hours", "op": "is", "value": "outside"}],
    "actions": [{"type": "send_template", "value": "out_of_hours"}],
}
DEFAULTS = json.dumps([URGENT_MAIL, OUT_OF_HOURS])


@dataclass(frozen=True)
class StoredRule:
    """One rule as stored: its JSON, and the rule it makes with today's setup (None: `problem`)."""

    data: dict[str, object]
    rule: Rule | None
    problem: str = ""

    @property
    def id(self) -> str:
        return str(self.data.get("id", ""))


def vocabulary(*, with_agents: bool = False) -> Vocabulary:
    """What rules may name in today's setup; the agents (a read of their own, when the cache has
    none) are checked when a rule is saved, not each time the rules run."""
    setup = directory.directory()
    return Vocabulary(
        teams=frozenset(setup.teams),
        statuses=frozenset(s for s in STATUSES if s != "new"),
        priorities=PRIORITIES,
        templates=frozenset(RULE_TEMPLATES),
        canned=frozenset(c.title for c in setup.canned),
        agents=frozenset(a.email for a in directory.agents() if a.active) if with_agents else None,
    )


def stored() -> tuple[StoredRule, ...]:
    """Every rule in order, as the cached setup has them."""
    return _parsed(directory.directory().rules or _shipped(), vocabulary())


def _shipped() -> str:
    return DEFAULTS if settings().shipped_rules else "[]"


def active() -> tuple[Rule, ...]:
    """The rules that run: enabled and valid, in order."""
    return tuple(s.rule for s in stored() if s.rule is not None and s.rule.enabled)


@functools.lru_cache(maxsize=8)
def _parsed(text: str, words: Vocabulary) -> tuple[StoredRule, ...]:
    """Parsed once per container for each stored text (the setup is cached for a minute)."""
    items = json.loads(text)
    result = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        try:
            result.append(StoredRule(item, parse_rule(item, words, rule_id=str(item.get("id", "")))))
        except RuleError as error:
            result.append(StoredRule(item, None, str(error)))
    return tuple(result)


def checked(data: object, rule_id: str) -> Rule:
    """The rule an admin sent, or InvalidRequest naming the field at fault."""
    try:
        return parse_rule(data, vocabulary(with_agents=True), rule_id=rule_id)
    except RuleError as error:
        raise InvalidRequest(str(error), field=error.field) from None


def create(actor: AgentProfile, data: object) -> Rule:
    """Add a rule at the end of the list."""
    require_admin(actor)
    rule = checked(data, secrets.token_hex(6))
    current = _fresh()
    if len(current) >= MAX_RULES:
        raise InvalidRequest(f"at most {MAX_RULES} rules")
    _write(current, [*(s.data for s in current), rule.to_json()])
    return rule


def update(actor: AgentProfile, rule_id: str, data: object) -> Rule:
    require_admin(actor)
    rule = checked(data, rule_id)
    current = _fresh()
    _index(current, rule_id)
    _write(current, [rule.to_json() if s.id == rule_id else s.data for s in current])
    return rule


def set_enabled(actor: AgentProfile, rule_id: str, enabled: bool) -> None:
    require_admin(actor)
    current = _fresh()
    _index(current, rule_id)
    _write(current, [{**s.data, "enabled": enabled} if s.id == rule_id else s.data for s in current])


def delete(actor: AgentProfile, rule_id: str) -> None:
    require_admin(actor)
    current = _fresh()
    _index(current, rule_id)
    _write(current, [s.data for s in current if s.id != rule_id])


def reorder(actor: AgentProfile, order: Sequence[str]) -> None:
    """The rules in the order of the ids given: every rule, each once."""
    require_admin(actor)
    current = _fresh()
    by_id = {s.id: s for s in current}
    if sorted(order) != sorted(by_id):
        raise InvalidRequest("order must list every rule's id once", field="order")
    _write(current, [by_id[rule_id].data for rule_id in order])


def get(rule_id: str) -> StoredRule:
    current = stored()
    return current[_index(current, rule_id)]


def _index(rules: Sequence[StoredRule], rule_id: str) -> int:
    for position, stored_rule in enumerate(rules):
        if stored_rule.id == rule_id:
            return position
    raise NotFound(f"there is no rule {rule_id!r}")


def _fresh() -> tuple[StoredRule, ...]:
    """The list as stored now, not this container's minute-old copy."""
    directory.forget()
    return stored()


def _write(current: Sequence[StoredRule], rules: list[dict[str, object]]) -> None:
    """Store the new list if the stored one is still the list `current` was read from."""
    before = directory.directory().rules
    condition = DirectoryEntry.key.does_not_exist() if before is None else DirectoryEntry.body == before
    item = directory.entry("rules", "list", body=json.dumps(rules))
    try:
        item.save(condition=condition)
    except PutError as error:
        if not condition_failed(error):
            raise
        raise Conflict("the rules were changed by someone else; reload and try again") from None
    finally:
        directory.forget()
