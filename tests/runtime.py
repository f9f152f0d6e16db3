"""The local runtime (`python -m local`) as a subprocess, and helpers to talk to it like a user.

One runtime (the `runtime` fixture in tests/conftest.py) serves the e2e and browser tests: free
ports, a temporary state dir, and an environment with no HELPDESK_*/AWS_* value inherited from the
test process (the in-process tests set their own). A test needing other settings (e.g. an SLA
policy of seconds) starts its own with `started_runtime`.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import TypeVar

import boto3
import pytest

PROJECT_DIR = Path(__file__).resolve().parents[1]
READY = re.compile(r"^HELPDESK READY http=(\S+) smtp=(\S+):(\d+) aws=(\S+)$")
START_TIMEOUT_S = 60
STOP_TIMEOUT_S = 20
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Runtime:
    state_dir: Path
    ports: dict[str, int]
    admin_email: str = "admin@example.com"
    admin_password: str = "Helpdesk-E2e-1"
    http_url: str = ""
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 0
    aws_endpoint: str = ""
    env: Mapping[str, str] = field(default_factory=dict)  # settings beyond ports, state dir and login
    output: list[str] = field(default_factory=list)
    process: subprocess.Popen[str] | None = None

    @property
    def outbox_dir(self) -> Path:
        return self.state_dir / "outbox"

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HELPDESK_", "AWS_"))}
        env |= {
            "HELPDESK_STATE_DIR": str(self.state_dir),
            "HELPDESK_HTTP_PORT": str(self.ports["http"]),
            "HELPDESK_SMTP_PORT": str(self.ports["smtp"]),
            "HELPDESK_AWS_PORT": str(self.ports["aws"]),
            "HELPDESK_ADMIN_EMAIL": self.admin_email,
            "HELPDESK_ADMIN_PASSWORD": self.admin_password,
            "PYTHONUNBUFFERED": "1",
            "HELPDESK_SHIPPED_RULES": "0",  # mail that does not depend on the hour; a runtime may turn it on
            **self.env,
        }
        self.output.clear()
        self.http_url = ""
        ready = threading.Event()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "local"],
            cwd=PROJECT_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read_output, args=(self.process, ready), daemon=True).start()
        if not ready.wait(START_TIMEOUT_S) or not self.http_url:
            self.process.kill()
            pytest.fail(f"runtime not ready within {START_TIMEOUT_S} s:\n{self.log()}")

    def _read_output(self, process: subprocess.Popen[str], ready: threading.Event) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.output.append(line)
            if match := READY.match(line.strip()):
                self.http_url, self.smtp_host, port, self.aws_endpoint = match.groups()
                self.smtp_port = int(port)
                ready.set()
        ready.set()  # the process ended: start() need not wait for the timeout

    def stop(self) -> int:
        """SIGTERM, as a user's Ctrl-C or a supervisor would; the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            pytest.fail(f"runtime still running {STOP_TIMEOUT_S} s after SIGTERM:\n{self.log()}")

    def restart(self) -> None:
        assert self.stop() == 0, self.log()
        self.start()

    def log(self) -> str:
        return "".join(self.output)


@contextmanager
def started_runtime(state_dir: Path, env: Mapping[str, str] | None = None) -> Iterator[Runtime]:
    """A runtime on free ports, stopped (and checked to exit cleanly) at the end of the block."""
    ports = {name: free_port() for name in ("http", "smtp", "aws")}
    running = Runtime(state_dir=state_dir, ports=ports, env=env or {})
    running.start()
    yield running
    assert running.stop() == 0, running.log()


def send_mail(runtime: Runtime, raw: bytes, mail_from: str, rcpt_tos: list[str]) -> str:
    """Deliver a raw mail over SMTP as an MTA would (CRLF line endings); the SES message id."""
    wire = re.sub(rb"(?<!\r)\n", b"\r\n", raw)
    with smtplib.SMTP(runtime.smtp_host, runtime.smtp_port, timeout=60) as smtp:
        smtp.ehlo()
        code, reply = smtp.mail(mail_from)
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, reply, mail_from)
        refused = {}
        for rcpt in rcpt_tos:
            code, reply = smtp.rcpt(rcpt)
            if code != 250:
                refused[rcpt] = (code, reply)
        if len(refused) == len(rcpt_tos):
            raise smtplib.SMTPRecipientsRefused(refused)
        code, reply = smtp.data(wire)
        if code != 250:
            raise smtplib.SMTPDataError(code, reply)
    return reply.decode().split()[-1]


def wait_for(predicate: Callable[[], T], timeout: float = 20, interval: float = 0.1) -> T:
    """The predicate's first truthy result; fails the test when none comes within `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"nothing within {timeout} s: {getattr(predicate, '__name__', predicate)}")
        time.sleep(interval)


def outbox_messages(runtime: Runtime) -> list[EmailMessage]:
    """Every mail the runtime's SES sent so far, oldest first."""
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
        for path in sorted(runtime.outbox_dir.glob("*.eml"))
    ]


def call(
    runtime: Runtime,
    method: str,
    path: str,
    body: object = None,
    token: str | None = None,
    raw: bytes | None = None,
) -> tuple[int, object]:
    """One HTTP request to the runtime's API; returns (status, decoded JSON body)."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(f"{runtime.http_url}{path}", data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def aws(runtime: Runtime, service: str):
    """A boto3 client of the runtime's embedded AWS, for looking behind the scenes."""
    return boto3.client(
        service,
        endpoint_url=runtime.aws_endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
