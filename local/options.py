"""What `make run` can be told through the environment, with the defaults a demo needs."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_MAILBOXES = "support@example.com=Support,billing@example.com=Billing"


@dataclass(frozen=True)
class Options:
    host: str
    http_port: int
    smtp_port: int
    aws_port: int
    state_dir: Path
    admin_email: str
    admin_password: str
    admin_name: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Options:
        return cls(
            host="127.0.0.1",
            http_port=int(env.get("HELPDESK_HTTP_PORT", "8000")),
            smtp_port=int(env.get("HELPDESK_SMTP_PORT", "2525")),
            aws_port=int(env.get("HELPDESK_AWS_PORT", "4566")),
            state_dir=Path(env.get("HELPDESK_STATE_DIR", PROJECT_DIR / ".local")).resolve(),
            admin_email=env.get("HELPDESK_ADMIN_EMAIL", "admin@example.com").lower(),
            admin_password=env.get("HELPDESK_ADMIN_PASSWORD", "Helpdesk-Demo-1"),
            admin_name=env.get("HELPDESK_ADMIN_NAME", "Demo Admin"),
        )

    @property
    def outbox_dir(self) -> Path:
        return self.state_dir / "outbox"

    @property
    def dead_letter_dir(self) -> Path:
        return self.state_dir / "dead-letter"
