"""In-process AWS for tests and benchmarks: moto's mock, provisioned like the local runtime."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

IN_PROCESS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "HELPDESK_STAGE": "test",
    "HELPDESK_MAILBOXES": "support@example.com=Support,billing@example.com=Billing",
    "HELPDESK_SECRET_KEY": "in-process-test-secret",
}


def use_in_process_env() -> None:
    """Point settings at moto's in-process mock; call before any chalicelib module is imported."""
    os.environ.update(IN_PROCESS_ENV)
    os.environ.pop("AWS_ENDPOINT_URL", None)


@contextmanager
def in_process_aws(admin_email: str = "admin@example.com", admin_name: str = "Demo Admin") -> Iterator[None]:
    """moto's mock with every table and bucket created and the demo admin seeded."""
    from moto import mock_aws

    from local import provision

    with mock_aws():
        provision.create_storage()
        provision.seed_admin(admin_email, admin_name)
        yield
