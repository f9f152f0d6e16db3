"""infra/access.py against the code: each function may reach every table its handler's modules use."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from infra.access import FUNCTIONS

ROOT = Path(__file__).resolve().parents[2]
HANDLERS = {
    "inbound_email": "chalicelib.handlers.inbound",
    "sla_events": "chalicelib.handlers.sla",
    "daily_digest": "chalicelib.handlers.schedules",
    "auto_close": "chalicelib.handlers.schedules",
}


def _source(module: str) -> Path | None:
    base = ROOT / module.replace(".", "/")
    return next((p for p in (base.with_suffix(".py"), base / "__init__.py") if p.exists()), None)


def reachable(module: str) -> set[str]:
    """chalicelib modules imported from `module`, directly or not (lazy imports included)."""
    seen, todo = set(), [module]
    while todo:
        name = todo.pop()
        path = _source(name)
        if name in seen or path is None:
            continue
        seen.add(name)
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("chalicelib"):
                todo += [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            elif isinstance(node, ast.Import):
                todo += [alias.name for alias in node.names if alias.name.startswith("chalicelib")]
    return seen


def tables_used(module: str) -> set[str]:
    from chalicelib.config import settings
    from chalicelib.models import ALL_MODELS

    text = "\n".join(_source(m).read_text() for m in reachable(module) if m != "chalicelib.models")
    prefix = settings().table_prefix
    return {
        model.Meta.table_name.removeprefix(prefix)
        for model in ALL_MODELS
        if re.search(rf"\b{model.__name__}\b", text)
    }


def test_each_event_function_may_use_every_table_its_code_reaches():
    for access in FUNCTIONS:
        if access.name in HANDLERS:
            assert tables_used(HANDLERS[access.name]) <= set(access.tables), access.name


def test_the_api_reaches_every_table():
    from chalicelib.config import settings
    from chalicelib.models import ALL_MODELS

    api = next(a for a in FUNCTIONS if a.name == "api_handler")
    assert set(api.tables) == {m.Meta.table_name.removeprefix(settings().table_prefix) for m in ALL_MODELS}


def test_only_the_inbound_function_reads_raw_mail_and_writes_objects():
    for access in FUNCTIONS:
        uses_storage = "chalicelib.desk.storage" in reachable(HANDLERS.get(access.name, "app"))
        assert bool(access.reads or access.writes) == (uses_storage or access.name == "api_handler"), (
            access.name
        )
