"""The deployment's configuration, in one JSON file, checked before anything is synthesized.

Everything a team chooses lives here (stage, mail domain, mailboxes and their teams, retention,
alarm address); everything else is derived. A wrong or missing value stops synthesis with a
message naming the field, instead of surfacing as a failed CloudFormation deployment later.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_STAGE = re.compile(r"^[a-z][a-z0-9-]{0,14}$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_LOCAL_PART = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_TEAM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _-]{0,39}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_KNOWN = frozenset(
    {"stage", "domain", "mailboxes", "alarm_email", "raw_mail_retention_days", "public_url", "sla_policies"}
)


class InfraConfigError(ValueError):
    """The deployment configuration is missing a value or has a wrong one; the message says which."""


@dataclass(frozen=True)
class DeploySettings:
    stage: str
    domain: str
    mailboxes: tuple[tuple[str, str], ...]  # (address, team), in the order given
    alarm_email: str
    raw_mail_retention_days: int = 90
    public_url: str = ""
    sla_policies: str = ""  # JSON list handed to HELPDESK_SLA_POLICIES unchanged

    @property
    def prefix(self) -> str:
        """Names of tables, bucket, functions and the rule set start with this."""
        return f"helpdesk-{self.stage}-"

    @property
    def mail_domains(self) -> tuple[str, ...]:
        """Each distinct mailbox domain: one SES identity and one receipt rule each."""
        return tuple(dict.fromkeys(address.split("@", 1)[1] for address, _ in self.mailboxes))

    @property
    def mailboxes_env(self) -> str:
        """The `HELPDESK_MAILBOXES` value chalicelib.config parses."""
        return ",".join(f"{address}={team}" for address, team in self.mailboxes)


def _require(raw: dict[str, Any], name: str, kind: type) -> Any:
    if name not in raw:
        raise InfraConfigError(f"deployment config: '{name}' is missing")
    value = raw[name]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise InfraConfigError(f"deployment config: '{name}' must be a {kind.__name__}, got {value!r}")
    return value


def _mailboxes(raw: Any, domain: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, dict) or not raw:
        raise InfraConfigError("deployment config: 'mailboxes' must map at least one address to a team")
    mailboxes = []
    for address, team in raw.items():
        local, _, mail_domain = str(address).lower().partition("@")
        if not _LOCAL_PART.match(local) or "+" in local:
            raise InfraConfigError(f"deployment config: mailbox {address!r} is not a plain address")
        if mail_domain != domain and not mail_domain.endswith(f".{domain}"):
            raise InfraConfigError(
                f"deployment config: mailbox {address!r} is not at '{domain}' or one of its subdomains"
            )
        if not isinstance(team, str) or not _TEAM.match(team):
            raise InfraConfigError(f"deployment config: team {team!r} of {address!r} is not a team name")
        mailboxes.append((f"{local}@{mail_domain}", team))
    return tuple(mailboxes)


def parse(raw: Any) -> DeploySettings:
    """Validate a decoded config file; raises InfraConfigError naming the first wrong field."""
    if not isinstance(raw, dict):
        raise InfraConfigError("deployment config: expected a JSON object")
    unknown = sorted(set(raw) - _KNOWN)
    if unknown:
        raise InfraConfigError(f"deployment config: unknown field(s) {', '.join(unknown)}")
    stage = _require(raw, "stage", str)
    if not _STAGE.match(stage):
        raise InfraConfigError(
            f"deployment config: stage {stage!r} must be 1-15 lowercase letters, digits or '-'"
        )
    domain = _require(raw, "domain", str).lower()
    if not _DOMAIN.match(domain):
        raise InfraConfigError(f"deployment config: domain {domain!r} is not a domain name")
    alarm_email = _require(raw, "alarm_email", str)
    if not _EMAIL.match(alarm_email):
        raise InfraConfigError(f"deployment config: alarm_email {alarm_email!r} is not an address")
    retention = raw.get("raw_mail_retention_days", 90)
    if not isinstance(retention, int) or isinstance(retention, bool) or not 1 <= retention <= 3650:
        raise InfraConfigError("deployment config: 'raw_mail_retention_days' must be a whole number 1-3650")
    public_url = raw.get("public_url", "")
    if not isinstance(public_url, str) or (public_url and not public_url.startswith("https://")):
        raise InfraConfigError("deployment config: 'public_url' must start with https://")
    policies = raw.get("sla_policies", [])
    if not isinstance(policies, list):
        raise InfraConfigError("deployment config: 'sla_policies' must be a list of policies")
    return DeploySettings(
        stage=stage,
        domain=domain,
        mailboxes=_mailboxes(raw.get("mailboxes"), domain),
        alarm_email=alarm_email,
        raw_mail_retention_days=retention,
        public_url=public_url.rstrip("/"),
        sla_policies=json.dumps(policies) if policies else "",
    )


def load(path: Path) -> DeploySettings:
    """Read and validate the config file; a missing file or bad JSON is a config error too."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InfraConfigError(
            f"deployment config {path} not found: copy infra/helpdesk.example.json and edit it"
        ) from None
    except json.JSONDecodeError as error:
        raise InfraConfigError(f"deployment config {path} is not JSON: {error}") from None
    return parse(raw)
