"""Admin pages for rules: the ordered list (move up and down, enable, disable, delete, test) and a
form for one rule. Every change is a form with CSRF; the admin role is checked by the service.

The form has a few condition and action rows; blank rows are left out. Values are typed as text:
a comma separates the values of a list (words, tags, teams), `has_attachments` reads yes/no.
The service's check names the row at fault ("conditions[1].value: …").
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib.desk.base.errors import InvalidRequest
from chalicelib.desk.rules import store, trial
from chalicelib.desk.setup import directory
from chalicelib.desk.setup.admin import require_admin
from chalicelib.desk.setup.mail_templates import RULE_TEMPLATES
from chalicelib.rules.model import ACTIONS, FIELDS, OPERATORS, TRIGGERS
from chalicelib.web.pages.queues import sidebar
from chalicelib.web.pages.render import redirect
from chalicelib.web.pages.routing import Context, page

blueprint = Blueprint(__name__)
ROWS = 4  # condition rows and action rows on the form
LIST_VALUED = ("add_tags", "remove_tags")
OPS = tuple(dict.fromkeys(op for ops in OPERATORS.values() for op in ops))


@page(blueprint, "/admin/rules")
def overview(context: Context) -> Response:
    return _overview(context)


def _overview(
    context: Context,
    *,
    error: InvalidRequest | None = None,
    tested: tuple[str, trial.Trial] | None = None,
    status: int = 200,
) -> Response:
    require_admin(context.session.agent)
    return context.render(
        "rules.html",
        status,
        rules=store.stored(),
        editing=None,
        error=error,
        tested=tested,
        form=context.form if error else {},
        **_choices(),
        **sidebar(context.session.agent),
    )


def _choices() -> dict[str, Any]:
    setup = directory.directory()
    return {
        "rows": range(ROWS),
        "fields": FIELDS,
        "ops": OPS,
        "actions": ACTIONS,
        "triggers": TRIGGERS,
        "teams": setup.teams,
        "templates": RULE_TEMPLATES,
        "canned_titles": [c.title for c in setup.canned],
    }


@page(blueprint, "/admin/rules", methods=("POST",))
def create(context: Context) -> Response:
    try:
        store.create(context.session.agent, rule_from_form(context.form, context.form_lists))
    except InvalidRequest as error:
        return _overview(context, error=error, status=400)
    return redirect("/admin/rules")


@page(blueprint, "/admin/rules/{rule_id}")
def edit(context: Context, rule_id: str) -> Response:
    return _edit(context, rule_id)


def _edit(context: Context, rule_id: str, error: InvalidRequest | None = None, status: int = 200) -> Response:
    require_admin(context.session.agent)
    stored = store.get(rule_id)
    return context.render(
        "rules.html",
        status,
        editing=stored,
        rules=(),
        tested=None,
        form=context.form if error else form_from_rule(stored.data),
        error=error or (InvalidRequest(stored.problem) if stored.problem else None),
        **_choices(),
        **sidebar(context.session.agent),
    )


@page(blueprint, "/admin/rules/{rule_id}", methods=("POST",))
def update(context: Context, rule_id: str) -> Response:
    try:
        store.update(context.session.agent, rule_id, rule_from_form(context.form, context.form_lists))
    except InvalidRequest as error:
        return _edit(context, rule_id, error, 400)
    return redirect("/admin/rules")


@page(blueprint, "/admin/rules/{rule_id}/enabled", methods=("POST",))
def set_enabled(context: Context, rule_id: str) -> Response:
    store.set_enabled(context.session.agent, rule_id, context.form.get("enabled") == "1")
    return redirect("/admin/rules")


@page(blueprint, "/admin/rules/{rule_id}/move", methods=("POST",))
def move(context: Context, rule_id: str) -> Response:
    """One place up or down."""
    order = [s.id for s in store.stored()]
    if rule_id in order:
        at = order.index(rule_id)
        to = at - 1 if context.form.get("direction") == "up" else at + 1
        if 0 <= to < len(order):
            order[at], order[to] = order[to], order[at]
            store.reorder(context.session.agent, order)
    return redirect("/admin/rules")


@page(blueprint, "/admin/rules/{rule_id}/delete", methods=("POST",))
def delete(context: Context, rule_id: str) -> Response:
    store.delete(context.session.agent, rule_id)
    return redirect("/admin/rules")


@page(blueprint, "/admin/rules/{rule_id}/test", methods=("POST",))
def test(context: Context, rule_id: str) -> Response:
    """The list again, with the tickets the rule would have matched."""
    require_admin(context.session.agent)
    stored = store.get(rule_id)
    if stored.rule is None:
        return _overview(context, error=InvalidRequest(stored.problem), status=400)
    return _overview(context, tested=(stored.rule.name, trial.trial(context.session.agent, stored.rule)))


def rule_from_form(form: dict[str, str], lists: dict[str, list[str]]) -> dict[str, object]:
    """The rule's JSON from the form's fields; blank rows are left out (the service checks the rest)."""
    conditions: list[dict[str, object]] = []
    for row in range(ROWS):
        name = form.get(f"cond_field_{row}", "")
        if not name:
            continue
        conditions.append(
            {
                "field": name,
                "op": form.get(f"cond_op_{row}", ""),
                "value": _value(name, form.get(f"cond_value_{row}", "")),
            }
        )
    actions: list[dict[str, object]] = []
    for row in range(ROWS):
        kind = form.get(f"act_type_{row}", "")
        if not kind:
            continue
        text = form.get(f"act_value_{row}", "").strip()
        actions.append({"type": kind, "value": _split(text) if kind in LIST_VALUED else text})
    waits = form.get("after_hours", "").strip()
    return {
        **({"after_hours": int(waits) if waits.isdigit() else waits} if waits else {}),
        "name": form.get("name", ""),
        "enabled": form.get("enabled") == "1",
        "triggers": lists.get("triggers", []),
        "match": form.get("match", "all"),
        "conditions": conditions,
        "actions": actions,
    }


def form_from_rule(data: dict[str, object]) -> dict[str, str]:
    """The form's fields for a stored rule (its JSON)."""
    form = {"name": str(data.get("name", "")), "match": str(data.get("match", "all"))}
    form["enabled"] = "1" if data.get("enabled", True) else "0"
    form["triggers"] = ",".join(_texts(data.get("triggers")))
    form["after_hours"] = _shown(data.get("after_hours", ""))
    for row, condition in enumerate(_objects(data.get("conditions"))[:ROWS]):
        form[f"cond_field_{row}"] = str(condition.get("field", ""))
        form[f"cond_op_{row}"] = str(condition.get("op", ""))
        form[f"cond_value_{row}"] = _shown(condition.get("value"))
    for row, action in enumerate(_objects(data.get("actions"))[:ROWS]):
        form[f"act_type_{row}"] = str(action.get("type", ""))
        form[f"act_value_{row}"] = _shown(action.get("value"))
    return form


def _value(name: str, text: str) -> object:
    text = text.strip()
    if name == "has_attachments":
        return {"yes": True, "true": True, "no": False, "false": False}.get(text.lower(), text)
    if name == "earlier_tickets":
        return int(text) if text.isdigit() else text
    if name == "business_hours":
        return text.lower()
    return _split(text)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value if value is not None else "")


def _texts(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _objects(value: object) -> list[dict[str, object]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
