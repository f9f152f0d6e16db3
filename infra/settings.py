"""The deployment's configuration, in one JSON file, checked before anything is synthesized.

Everything a team chooses lives here (stage, mail and web domains, mailboxes and their teams,
retention, alarm address, SLA policies); everything else is derived. A wrong or missing value stops
synthesis with a message naming the field, instead of surfacing as a failed CloudFormation
deployment (or a desk that breaks on its first ticket) later. SLA policies are read by the very
parser the functions use, so what passes here is what runs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chalicelib.config import Settings
from chalicelib.sla.policy import policy_from_config
from infra.signing_key import parameter_name

_STAGE = re.compile(r"^[a-z][a-z0-9-]{0,14}$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_LOCAL_PART = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_TEAM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _-]{0,39}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
FIELDS = frozenset(
    {
        "stage",
        "domain",
        "web_domain",
        "mailboxes",
        "alarm_email",
        "raw_mail_retention_days",
        "sla_policies",
        "auto_close_days",
        "outbound_tls",
        "inbound_reserved_concurrency",
    }
)
OUTBOUND_TLS = ("optional", "require")
# A flood of mail then waits in Lambda's async queue (retried for up to 6 hours, nothing lost)
# instead of taking the concurrency the API's functions need; ten ingest far more than a desk gets.
INBOUND_RESERVED_CONCURRENCY = 10


class InfraConfigError(ValueError):
    """The deployment configuration is missing a value or has a wrong one; the message says which."""


@dataclass(frozen=True)
class DeploySettings:
    stage: str
    domain: str
    web_domain: str  # the agent app and customer pages are served at the root of https://<web_domain>
    mailboxes: tuple[tuple[str, str], ...]  # (address, team), in the order given
    alarm_email: str
    raw_mail_retention_days: int
    sla_policies: str  # JSON list handed to HELPDESK_SLA_POLICIES unchanged ("" for the default policy)
    auto_close_days: int  # HELPDESK_AUTO_CLOSE_DAYS
    outbound_tls: str  # SES delivery to customers' mail servers: "optional" or "require"
    # Executions kept for (and at most used by) the inbound function; 0: no reservation. Lambda
    # refuses a reservation that leaves fewer than 100 unreserved, so this needs an account
    # concurrency quota of at least 100 + this (docs/DEPLOY.md, step 0).
    inbound_reserved_concurrency: int

    @property
    def prefix(self) -> str:
        """Names of tables, bucket, functions and the rule set start with this."""
        return f"helpdesk-{self.stage}-"

    @property
    def signing_key_parameter(self) -> str:
        """The SSM SecureString holding the signing keys, made before the first deployment."""
        return parameter_name(self.stage)

    @property
    def public_url(self) -> str:
        """The base of every link the desk makes (`HELPDESK_PUBLIC_URL`)."""
        return f"https://{self.web_domain}"

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


def _whole_number(raw: dict[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = raw.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InfraConfigError(f"deployment config: '{name}' must be a whole number {low}-{high}")
    return value


def _domain(raw: dict[str, Any], name: str) -> str:
    domain = _require(raw, name, str).lower()
    if not _DOMAIN.match(domain):
        raise InfraConfigError(f"deployment config: {name} {domain!r} is not a domain name")
    return domain


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


def _sla_policies(raw: Any, teams: set[str]) -> str:
    """Each policy through chalicelib.sla.policy's own parser; escalations only to configured teams.

    A team made later in the app can be removed again, and a breach escalated to a team that does
    not exist would park the ticket in a queue nobody reads, so only mailbox teams qualify.
    """
    if not isinstance(raw, list):
        raise InfraConfigError("deployment config: 'sla_policies' must be a list of policies")
    for index, item in enumerate(raw):
        field = f"sla_policies[{index}]"
        if not isinstance(item, dict):
            raise InfraConfigError(f"deployment config: {field} must be an object")
        try:
            policy = policy_from_config(item)
        except ValueError as error:
            raise InfraConfigError(f"deployment config: {field}: {error}") from None
        team = policy.escalation.escalation_team
        if team is not None and team not in teams:
            raise InfraConfigError(
                f"deployment config: {field}.escalation.escalation_team {team!r} is not the team of "
                f"any mailbox ({', '.join(sorted(teams))})"
            )
    return json.dumps(raw) if raw else ""


def parse(raw: Any) -> DeploySettings:
    """Validate a decoded config file; raises InfraConfigError naming the first wrong field."""
    if not isinstance(raw, dict):
        raise InfraConfigError("deployment config: expected a JSON object")
    unknown = sorted(set(raw) - FIELDS)
    if unknown:
        raise InfraConfigError(f"deployment config: unknown field(s) {', '.join(unknown)}")
    stage = _require(raw, "stage", str)
    if not _STAGE.match(stage):
        raise InfraConfigError(
            f"deployment config: stage {stage!r} must be 1-15 lowercase letters, digits or '-'"
        )
    domain = _domain(raw, "domain")
    mailboxes = _mailboxes(raw.get("mailboxes"), domain)
    alarm_email = _require(raw, "alarm_email", str)
    if not _EMAIL.match(alarm_email):
        raise InfraConfigError(f"deployment config: alarm_email {alarm_email!r} is not an address")
    outbound_tls = raw.get("outbound_tls", "optional")
    if outbound_tls not in OUTBOUND_TLS:
        raise InfraConfigError(f"deployment config: 'outbound_tls' must be one of {', '.join(OUTBOUND_TLS)}")
    return DeploySettings(
        stage=stage,
        domain=domain,
        web_domain=_domain(raw, "web_domain"),
        mailboxes=mailboxes,
        alarm_email=alarm_email,
        raw_mail_retention_days=_whole_number(raw, "raw_mail_retention_days", 90, 1, 3650),
        sla_policies=_sla_policies(raw.get("sla_policies", []), {team for _, team in mailboxes}),
        # chalicelib's own default: leaving the field out deploys what the code assumes
        auto_close_days=_whole_number(raw, "auto_close_days", Settings.auto_close_days, 1, 365),
        outbound_tls=outbound_tls,
        inbound_reserved_concurrency=_whole_number(
            raw, "inbound_reserved_concurrency", INBOUND_RESERVED_CONCURRENCY, 0, 100
        ),
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
