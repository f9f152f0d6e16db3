"""infra/access.py against the code: each function gets exactly what its entry points can reach.

An event function's entry point is its handler; the API functions' are the views of the routes API
Gateway sends them (infra/routes.py: the public ones to public_handler, the rest to api_handler).
Reachability is per function, not per module (daily_digest and auto_close share one): from each
entry point's body, every chalicelib function, class or constant it names is followed, through
imports (lazy ones included), transitively. A model named anywhere on the way is a table used; a
`client("<service>")` call is an AWS service used. It over-approximates (a name counts even on a
branch never taken), so a grant it does not find is one no code path can use.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass
from pathlib import Path

from infra.access import EVERY_TABLE, FUNCTIONS
from infra.routes import routes

ROOT = Path(__file__).resolve().parents[2]
HANDLERS = {
    "inbound_email": ("chalicelib.handlers.inbound", "inbound_email"),
    "sla_events": ("chalicelib.handlers.sla", "sla_events"),
    "ticket_events": ("chalicelib.handlers.ticket_events", "ticket_events"),
    "daily_digest": ("chalicelib.handlers.schedules", "daily_digest"),
    "auto_close": ("chalicelib.handlers.schedules", "auto_close"),
    "webhook_deliveries": ("chalicelib.handlers.webhooks", "webhook_deliveries"),
    "notification_mail": ("chalicelib.handlers.notifications", "notification_mail"),
}
MODELS = "chalicelib.models"
CLIENT = ("chalicelib.aws", "client")
SIGNING = "chalicelib.desk.base.signing"  # the signing key's one reader


def entry_points(name: str) -> list[tuple[str, str]]:
    if name in HANDLERS:
        return [HANDLERS[name]]
    public = name == "public_handler"
    return sorted({(r.module, r.view) for r in routes() if r.public == public})


def _source(module: str) -> Path | None:
    base = ROOT / module.replace(".", "/")
    return next((p for p in (base.with_suffix(".py"), base / "__init__.py") if p.exists()), None)


@dataclass(frozen=True)
class Module:
    name: str
    definitions: dict[str, ast.AST]  # top-level functions, classes and assignments by name
    imports: dict[str, str]  # local name -> dotted chalicelib name it was imported as, anywhere in the file


@functools.cache
def _module(name: str) -> Module:
    tree = ast.parse(_source(name).read_text())
    definitions: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            definitions[node.name] = node
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            definitions.update((n.id, node) for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
    imports: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("chalicelib"):
            imports.update((a.asname or a.name, f"{node.module}.{a.name}") for a in node.names)
        elif isinstance(node, ast.Import):
            imports.update(
                (a.asname, a.name) for a in node.names if a.asname and a.name.startswith("chalicelib")
            )
    return Module(name, definitions, imports)


def _resolve(module: Module, name: str) -> tuple[str, str | None] | None:
    """(module, symbol) a name in `module` stands for; symbol None when it is a module itself."""
    if name in module.definitions:
        return module.name, name
    dotted = module.imports.get(name)
    if dotted is None:
        return None
    if _source(dotted):
        return dotted, None
    parent, _, symbol = dotted.rpartition(".")
    return parent, symbol


@dataclass(frozen=True)
class Reach:
    symbols: frozenset[tuple[str, str]]
    services: frozenset[str]  # first arguments of chalicelib.aws.client(...)

    @property
    def tables(self) -> set[str]:
        from chalicelib.config import settings
        from chalicelib.models import ALL_MODELS

        used = {symbol for module, symbol in self.symbols if module == MODELS}
        prefix = settings().table_prefix
        return {m.Meta.table_name.removeprefix(prefix) for m in ALL_MODELS if m.__name__ in used}


@functools.cache
def reach(module_name: str, entry: str) -> Reach:
    seen: set[tuple[str, str]] = set()
    services: set[str] = set()
    todo = [(module_name, entry)]
    while todo:
        key = todo.pop()
        if key in seen:
            continue
        seen.add(key)
        module = _module(key[0])
        node = module.definitions.get(key[1])
        if node is None or (key[0] == MODELS and isinstance(node, ast.ClassDef)):
            continue  # a model counts as its table; its own methods touch only it
        stack = [node]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                target = _resolve(module, node.value.id)
                if target and target[1] is None:  # module.attribute: just that attribute
                    todo.append((target[0], node.attr))
                    continue
            if isinstance(node, ast.Name) and (target := _resolve(module, node.id)):
                if target[1] is None:  # a module used as a value: all of it
                    todo += [(target[0], name) for name in _module(target[0]).definitions]
                else:
                    todo.append(target)
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and _resolve(module, node.func.id) == CLIENT
            ):
                services.add(node.args[0].value)
            stack.extend(ast.iter_child_nodes(node))
    return Reach(frozenset(seen), frozenset(services))


def _reach_all(name: str) -> Reach:
    found = [reach(*entry) for entry in entry_points(name)]
    assert found, name
    return Reach(
        frozenset().union(*(r.symbols for r in found)), frozenset().union(*(r.services for r in found))
    )


def test_each_function_gets_exactly_the_tables_and_services_its_entry_points_reach():
    for access in FUNCTIONS:
        found = _reach_all(access.name)
        assert set(access.tables) | set(access.read_tables) == found.tables, (
            f"{access.name}: infra/access.py grants {sorted(access.tables + access.read_tables)}, "
            f"its code reaches "
            f"{sorted(found.tables)}"
        )
        assert access.starts_timers == ("stepfunctions" in found.services), access.name
        assert access.sends_mail == ("sesv2" in found.services), access.name
        assert bool(access.reads or access.writes) == ("s3" in found.services), access.name
        assert access.manages_agents == ("cognito-idp" in found.services), access.name
        # SQS from the code: only the webhook and notification mail queues (the SLA queue and the
        # flushes are read by their event source mappings).
        sends_sqs = access.delivers_webhooks or access.queues_webhooks or access.queues_notification_mail
        assert sends_sqs == ("sqs" in found.services), access.name
        signs = any(module == SIGNING for module, _ in found.symbols)
        assert access.reads_signing_key == signs, access.name


def test_the_two_api_functions_together_reach_every_table():
    from chalicelib.config import settings
    from chalicelib.models import ALL_MODELS

    served = {t for a in FUNCTIONS if a.name in ("api_handler", "public_handler") for t in a.tables}
    assert served == {m.Meta.table_name.removeprefix(settings().table_prefix) for m in ALL_MODELS}
    assert set(EVERY_TABLE) == served


def test_every_route_belongs_to_one_of_the_two_api_functions():
    assert {r.public for r in routes()} == {True, False}
    prefixes = {r.path.split("/")[1] for r in routes() if r.public}
    # What chalicelib/web/public serves; a route elsewhere is the agents'.
    assert prefixes == {"brand.css", "support", "t", "s", "help"}
