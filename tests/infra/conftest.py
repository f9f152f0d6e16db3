"""One synthesis per test session: `chalice package` builds the deployment zip, which takes a while."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from infra.settings import DeploySettings, parse

CONFIG = {
    "stage": "test",
    "domain": "example.com",
    "web_domain": "help.example.com",
    "mailboxes": {
        "support@example.com": "Support",
        "billing@example.com": "Billing",
        "help@eu.example.com": "Europe",
    },
    "alarm_email": "ops@example.com",
    "raw_mail_retention_days": 30,
    "auto_close_days": 7,
}


@dataclass(frozen=True)
class Synthesized:
    settings: DeploySettings
    template: dict[str, Any]
    template_path: Path
    nag_errors: list[str]

    def resources(self, kind: str) -> dict[str, dict[str, Any]]:
        return {key: r for key, r in self.template["Resources"].items() if r["Type"] == kind}


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    from infra.synth import build, nag_errors

    settings = parse(CONFIG)
    outdir = tmp_path_factory.mktemp("cdk.out")
    app, stack = build(settings, outdir)
    assembly = app.synth()
    path = Path(assembly.get_stack_artifact(stack.artifact_id).template_full_path)
    return Synthesized(settings, json.loads(path.read_text()), path, nag_errors(stack))
