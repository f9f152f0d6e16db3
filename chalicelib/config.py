"""Settings read once from the environment.

Nothing here runs at import time: Chalice imports app.py while packaging (and under `cdk synth`,
where values are unresolved tokens), so settings are built on first use and cached.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

from chalicelib.mail.addresses import split_address

LOCAL_PUBLIC_URL = "http://127.0.0.1:8000"


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names it."""


@dataclass(frozen=True)
class Mailbox:
    """A support address and the team whose queue its mail lands in."""

    address: str
    team: str

    @property
    def local_part(self) -> str:
        return split_address(self.address)[0]

    @property
    def domain(self) -> str:
        return split_address(self.address)[1]


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    table_prefix: str
    mail_bucket: str
    mailboxes: tuple[Mailbox, ...]
    cognito_user_pool_id: str
    cognito_client_id: str
    jwks_url: str
    public_url: str
    sla_state_machine_arn: str = ""
    sla_queue_url: str = ""
    follow_up_state_machine_arn: str = ""  # snooze wake-ups and due-date reminders (desk.follow_up)
    sla_policies: str = ""  # JSON list of policies (chalicelib.sla.policy); empty: the default policy
    secret_key: str = ""  # a fixed signing key (tests, local); empty: the SSM parameter below
    signing_key_parameter: str = ""  # the SSM SecureString holding the signing key (desk.base.signing)
    auto_replies_per_hour: int = 3
    auto_close_days: int = 4
    status_link_days: int = 90  # customer links (status page, survey) expire after this; 0: never
    raw_mail_retention_days: int = 0  # the bucket deletes raw mail (inbound/) after this; 0: kept (local)
    inline_body_limit: int = 64 * 1024
    webhook_queue_url: str = ""  # the FIFO queue of webhook deliveries (desk.webhooks)
    webhook_retry_base_s: int = 60  # the first retry's wait; each next one doubles (desk.webhooks.retry)
    # Loopback over http allowed for webhooks: set by the local runtime and in-process tests only.
    webhook_allow_loopback: bool = False
    max_reply_bytes: int = 256 * 1024
    notification_queue_url: str = ""  # the queue of delayed notification mail flushes (desk.notifications)
    notification_mail_window_s: int = 300  # at most one notification mail per agent and ticket this often
    # The two rules a desk starts with (desk.rules.store.DEFAULTS) until an admin saves the list;
    # off for tests whose mail must not depend on the hour (the out-of-hours rule).
    shipped_rules: bool = True

    def table_name(self, short_name: str) -> str:
        return f"{self.table_prefix}{short_name}"

    @property
    def cognito_issuer(self) -> str:
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.cognito_user_pool_id}"

    @property
    def default_mailbox(self) -> Mailbox:
        return self.mailboxes[0]

    @property
    def own_addresses(self) -> frozenset[str]:
        return frozenset(m.address for m in self.mailboxes)

    @property
    def mail_domains(self) -> frozenset[str]:
        return frozenset(m.domain for m in self.mailboxes)


def parse_mailboxes(value: str) -> tuple[Mailbox, ...]:
    """Parse `support@example.com=Support,billing@example.com=Billing`."""
    mailboxes = []
    for entry in filter(None, (part.strip() for part in value.split(","))):
        address, sep, team = entry.partition("=")
        address, team = address.strip().lower(), team.strip()
        if not sep or "@" not in address or not team:
            raise ConfigError(f"HELPDESK_MAILBOXES entry {entry!r} is not 'address=Team'")
        mailboxes.append(Mailbox(address=address, team=team))
    if not mailboxes:
        raise ConfigError("HELPDESK_MAILBOXES names no mailbox")
    return tuple(mailboxes)


def _env(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ConfigError(f"environment variable {name} is not set")
    return value


@functools.cache
def settings() -> Settings:
    stage = _env("HELPDESK_STAGE", "local")
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    pool_id = _env("HELPDESK_USER_POOL_ID", "")
    issuer = f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"
    return Settings(
        stage=stage,
        region=region,
        table_prefix=_env("HELPDESK_TABLE_PREFIX", f"helpdesk-{stage}-"),
        mail_bucket=_env("HELPDESK_MAIL_BUCKET", f"helpdesk-{stage}-mail"),
        mailboxes=parse_mailboxes(
            _env("HELPDESK_MAILBOXES", "support@example.com=Support,billing@example.com=Billing")
        ),
        cognito_user_pool_id=pool_id,
        cognito_client_id=_env("HELPDESK_USER_POOL_CLIENT_ID", ""),
        jwks_url=_env("HELPDESK_JWKS_URL", f"{issuer}/.well-known/jwks.json"),
        public_url=_env("HELPDESK_PUBLIC_URL", LOCAL_PUBLIC_URL if stage == "local" else "").rstrip("/"),
        sla_state_machine_arn=_env("HELPDESK_SLA_STATE_MACHINE_ARN", ""),
        sla_queue_url=_env("HELPDESK_SLA_QUEUE_URL", ""),
        follow_up_state_machine_arn=_env("HELPDESK_FOLLOW_UP_STATE_MACHINE_ARN", ""),
        sla_policies=_env("HELPDESK_SLA_POLICIES", ""),
        secret_key=_env("HELPDESK_SECRET_KEY", ""),
        signing_key_parameter=_env("HELPDESK_SIGNING_KEY_PARAMETER", ""),
        auto_replies_per_hour=int(_env("HELPDESK_AUTO_REPLIES_PER_HOUR", "3")),
        auto_close_days=int(_env("HELPDESK_AUTO_CLOSE_DAYS", "4")),
        status_link_days=int(_env("HELPDESK_STATUS_LINK_DAYS", str(Settings.status_link_days))),
        raw_mail_retention_days=int(_env("HELPDESK_RAW_MAIL_RETENTION_DAYS", "0")),
        webhook_queue_url=_env("HELPDESK_WEBHOOK_QUEUE_URL", ""),
        webhook_retry_base_s=int(_env("HELPDESK_WEBHOOK_RETRY_BASE_SECONDS", "60")),
        webhook_allow_loopback=_env("HELPDESK_WEBHOOK_ALLOW_LOOPBACK", "") == "1",
        notification_queue_url=_env("HELPDESK_NOTIFICATION_QUEUE_URL", ""),
        notification_mail_window_s=int(_env("HELPDESK_NOTIFICATION_MAIL_WINDOW_SECONDS", "300")),
        shipped_rules=_env("HELPDESK_SHIPPED_RULES", "1") == "1",
    )
