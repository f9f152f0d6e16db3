"""The import layers of chalicelib, read from the code (AST, nothing imported).

chalicelib/desk is split by capability; each package (or top-level module) has a layer, and a
module may import only from its own package and the packages below it (LAYERS, lowest first).
Around desk: the pure packages (mail, sla, rules) import nothing of desk, web or handlers; desk imports
neither web nor handlers; web and handlers use desk but not each other. Every import counts,
lazy ones inside functions and type-only ones included: a dependency is a dependency.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DESK = "chalicelib.desk"
# The desk's capabilities, lowest first. fan_out (the ticket event stream's consumers, each once) is
# above every one. rules (stored rules, their facts and effects) sits below agent_work, whose changes
# it is evaluated in, and intake.
LAYERS = (
    "base",
    "setup",
    "events",
    "ticket",
    "help_center",
    "portal",
    "mail_out",
    "notifications",
    "webhooks",
    "rules",
    "agent_work",
    "assignment",
    "follow_up",
    "intake",
    "service_levels",
    "search",
    "reports",
    "fan_out",
)
# chalicelib packages besides desk, and the ones each must not import.
FORBIDDEN = {
    "chalicelib.mail": ("chalicelib.desk", "chalicelib.web", "chalicelib.handlers"),
    "chalicelib.sla": ("chalicelib.desk", "chalicelib.web", "chalicelib.handlers"),
    "chalicelib.rules": ("chalicelib.desk", "chalicelib.web", "chalicelib.handlers"),
    "chalicelib.desk": ("chalicelib.web", "chalicelib.handlers"),
    "chalicelib.web": ("chalicelib.handlers",),
    "chalicelib.handlers": ("chalicelib.web",),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every chalicelib module the file imports, anywhere in it (`from a import b` counts as `a.b`
    too, since b may be a module)."""
    found: set[str] = set()
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    [*package.split(".")[: len(package.split(".")) - node.level + 1], base]
                ).strip(".")
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name == "chalicelib" or name.startswith("chalicelib.")}


def code_graph() -> dict[str, set[str]]:
    """module -> the chalicelib modules (or names in them) it imports."""
    return {module_name(p): imports(p) for p in sorted((ROOT / "chalicelib").rglob("*.py"))}


def desk_unit(module: str) -> str | None:
    """The desk package (or top-level module) a dotted name belongs to; None outside the desk."""
    if not module.startswith(f"{DESK}."):
        return None
    return module.removeprefix(f"{DESK}.").split(".")[0]


def violations(
    graph: Mapping[str, Iterable[str]],
    layers: tuple[str, ...] = LAYERS,
    forbidden: Mapping[str, tuple[str, ...]] = FORBIDDEN,
) -> list[str]:
    """What the graph breaks: a desk unit outside the layer table, a lower unit importing a higher
    one, or a package importing one it must not."""
    rank = {unit: position for position, unit in enumerate(layers)}
    found = []
    for module, targets in sorted(graph.items()):
        unit = desk_unit(module)
        if unit is not None and unit not in rank:
            found.append(f"{module}: desk unit {unit!r} has no layer")
            continue
        for target in sorted(set(targets)):
            target_unit = desk_unit(target)
            if unit is not None and target_unit is not None and target_unit != unit:
                if target_unit not in rank:
                    found.append(f"{module} imports {target}: desk unit {target_unit!r} has no layer")
                elif rank[target_unit] > rank[unit]:
                    found.append(f"{module} ({unit}) imports {target} ({target_unit}, a higher layer)")
            for package, banned in forbidden.items():
                if module == package or module.startswith(f"{package}."):
                    for other in banned:
                        if target == other or target.startswith(f"{other}."):
                            found.append(f"{module} imports {target}: {package} must not import {other}")
    return found


def test_chalicelib_keeps_its_layers():
    assert violations(code_graph()) == []


def test_every_desk_module_is_in_a_layered_unit():
    desk = ROOT / "chalicelib" / "desk"
    units = {p.stem for p in desk.iterdir() if p.suffix == ".py" and p.name != "__init__.py"}
    units |= {p.name for p in desk.iterdir() if (p / "__init__.py").exists()}
    assert units <= set(LAYERS)
    assert {"base", "setup", "ticket", "mail_out", "intake", "search", "reports"} <= units


@pytest.mark.parametrize(
    ("module", "target", "broken"),
    [
        ("chalicelib.desk.base.storage", "chalicelib.desk.ticket.opening", True),  # base imports up
        ("chalicelib.desk.ticket.tickets", "chalicelib.desk.mail_out.notices", True),
        ("chalicelib.desk.mail_out.outbound", "chalicelib.desk.ticket.opening", False),
        ("chalicelib.desk.ticket.opening", "chalicelib.desk.ticket.sla", False),  # within a unit
        ("chalicelib.desk.reports", "chalicelib.desk.base.errors", False),  # a top-level module unit
        ("chalicelib.desk.search", "chalicelib.desk.reports", True),
        ("chalicelib.desk.attic.old", "chalicelib.desk.base.errors", True),  # a unit with no layer
        ("chalicelib.desk.base.errors", "chalicelib.desk.attic.old", True),
        ("chalicelib.mail.parse", "chalicelib.desk.base.storage", True),  # pure code imports desk
        ("chalicelib.sla.clock", "chalicelib.web.api", True),
        ("chalicelib.rules.engine", "chalicelib.desk.setup.directory", True),
        ("chalicelib.rules.engine", "chalicelib.handlers.inbound", True),
        ("chalicelib.desk.agent_work.ticket_changes", "chalicelib.desk.rules.store", False),
        ("chalicelib.desk.rules.store", "chalicelib.desk.intake.inbound", True),
        ("chalicelib.desk.base.errors", "chalicelib.web.api", True),
        ("chalicelib.web.api", "chalicelib.handlers.sla", True),
        ("chalicelib.handlers.sla", "chalicelib.web.session", True),
        ("chalicelib.handlers.sla", "chalicelib.desk.service_levels.escalation", False),
        ("chalicelib.web.api", "chalicelib.desk.agent_work.replies", False),
        ("chalicelib.mail.parse", "chalicelib.mail.wire", False),
    ],
)
def test_the_checker_finds_what_breaks_the_layers(module: str, target: str, broken: bool):
    assert bool(violations({module: {target}})) is broken


def test_imports_are_read_wherever_they_are(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A lazy import inside a function, a type-only import and a relative one count like any other."""
    package = tmp_path / "chalicelib" / "desk" / "base"
    package.mkdir(parents=True)
    source = package / "example.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from chalicelib.desk.setup.agents import AgentProfile\n"
        "def later():\n    from chalicelib.desk.ticket import opening\n"
        "from . import errors\n"
        "import json\n"
    )
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    found = imports(source)
    assert {
        "chalicelib.desk.setup.agents",
        "chalicelib.desk.ticket.opening",
        "chalicelib.desk.base.errors",
    } <= found
    assert "json" not in found
    broken = violations({"chalicelib.desk.base.example": found})
    assert any("setup.agents" in line for line in broken)
    assert any("ticket.opening" in line for line in broken)
    assert not any("errors" in line for line in broken)
