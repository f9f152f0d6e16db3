"""In-process AWS for tests and benchmarks: moto's mock, provisioned like the local runtime (the
signing key included: a fresh one per run, in moto's SSM).

moto's in-process ARNs and queue URLs depend only on account, region and name, so the SLA
settings are exported with the rest, before anything reads settings; `in_process_aws` then
creates the resources under those names and refuses to run if moto names them differently.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from moto.core import DEFAULT_ACCOUNT_ID

from infra.signing_key import new_key, parameter_name
from local.provision import (
    follow_up_state_machine_name,
    notification_queue_name,
    sla_queue_name,
    sla_state_machine_name,
    webhook_queue_name,
)

STAGE, REGION = "test", "us-east-1"
IN_PROCESS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "HELPDESK_STAGE": STAGE,
    "MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP": "true",  # moto checks TOTP codes as Cognito does
    "HELPDESK_MAILBOXES": "support@example.com=Support,billing@example.com=Billing",
    "HELPDESK_SIGNING_KEY_PARAMETER": parameter_name(STAGE),
    "HELPDESK_PUBLIC_URL": "https://desk.example.test",
    "HELPDESK_SLA_STATE_MACHINE_ARN": (
        f"arn:aws:states:{REGION}:{DEFAULT_ACCOUNT_ID}:stateMachine:{sla_state_machine_name(STAGE)}"
    ),
    "HELPDESK_FOLLOW_UP_STATE_MACHINE_ARN": (
        f"arn:aws:states:{REGION}:{DEFAULT_ACCOUNT_ID}:stateMachine:{follow_up_state_machine_name(STAGE)}"
    ),
    "HELPDESK_SLA_QUEUE_URL": f"https://sqs.{REGION}.amazonaws.com/{DEFAULT_ACCOUNT_ID}/{sla_queue_name(STAGE)}",
    "HELPDESK_WEBHOOK_QUEUE_URL": (
        f"https://sqs.{REGION}.amazonaws.com/{DEFAULT_ACCOUNT_ID}/{webhook_queue_name(STAGE)}"
    ),
    "HELPDESK_NOTIFICATION_QUEUE_URL": (
        f"https://sqs.{REGION}.amazonaws.com/{DEFAULT_ACCOUNT_ID}/{notification_queue_name(STAGE)}"
    ),
    # Webhook tests' receivers listen on 127.0.0.1, over http; retries wait 1 s, 2 s, 4 s …
    "HELPDESK_WEBHOOK_ALLOW_LOOPBACK": "1",
    "HELPDESK_WEBHOOK_RETRY_BASE_SECONDS": "1",
    "HELPDESK_SHIPPED_RULES": "0",  # no out-of-hours mail that depends on the hour (tests turn it on)
}


def use_in_process_env() -> None:
    """Point settings at moto's in-process mock; call before any chalicelib module is imported."""
    os.environ.update(IN_PROCESS_ENV)
    os.environ.pop("AWS_ENDPOINT_URL", None)


@contextmanager
def in_process_aws(admin_email: str = "admin@example.com", admin_name: str = "Demo Admin") -> Iterator[None]:
    """moto's mock with every table, bucket, queue and the SLA timer created, the demo admin seeded.

    Step Functions executions are recorded but not run (moto's default in-process): tests look at
    `list_executions` and call the SLA event handler themselves.
    """
    from moto import mock_aws

    from local import provision

    with mock_aws():
        created = provision.create_sla_resources(STAGE)
        created |= provision.create_webhook_resources(
            STAGE, int(IN_PROCESS_ENV["HELPDESK_WEBHOOK_RETRY_BASE_SECONDS"])
        )
        created |= provision.create_notification_resources(STAGE)
        exported = {name: IN_PROCESS_ENV[name] for name in created}
        if created != exported:
            raise RuntimeError(f"moto named the queues and timer {created}, settings say {exported}")
        provision.create_storage()
        provision.create_signing_key(IN_PROCESS_ENV["HELPDESK_SIGNING_KEY_PARAMETER"], new_key())
        provision.seed_admin(admin_email, admin_name)
        yield
