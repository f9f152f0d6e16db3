"""Create the AWS resources the help desk expects, wherever `AWS_ENDPOINT_URL` points.

Used by the local runtime against its embedded moto server and by the service tests under
`moto.mock_aws()`. Split in two because PynamoDB models read settings on import: the Cognito part
(`create_identity`) runs first and imports nothing of chalicelib, so its ids can be put into the
environment before `chalicelib.models` is imported by `create_storage` and `seed_admin`.
The SLA timer and its queue (`create_sla_resources`) import only `chalicelib.sla.timer` and
`chalicelib.desk.follow_up.timer` (the follow-up timer shares the queue), which read no settings,
so their ARNs and URL can go into the environment before settings are first read too.
Every step is idempotent except the user pool, which is created anew on each start.
"""

from __future__ import annotations

import json
import os
from typing import Any

import boto3
from moto.core import DEFAULT_ACCOUNT_ID

from chalicelib.desk.setup.logins import create_login

# Short, so a failed SLA event is retried within seconds locally; five receives, then the DLQ.
SLA_VISIBILITY_TIMEOUT_S = 5
SLA_MAX_RECEIVES = 5
# A delivery whose handler crashed (no backoff set) comes back after this; failed attempts set
# their own wait (desk.webhooks.retry, base HELPDESK_WEBHOOK_RETRY_BASE_SECONDS).
WEBHOOK_VISIBILITY_TIMEOUT_S = 5
AUTH_FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
# What the app client may read and write, as infra/auth.py grants it (moto does not enforce writes).
CLIENT_READS = ("email", "email_verified", "name")
CLIENT_WRITES = ("name",)


def _client(service: str) -> Any:
    """A client for the configured region; reads no chalicelib settings (they are cached once read)."""
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    return boto3.client(service, region_name=region)


def create_identity(
    admin_email: str, admin_password: str, admin_name: str = "Demo Admin", pool_name: str = "helpdesk-local"
) -> dict[str, str]:
    """A user pool as infra/auth.py declares it, an app client without secret, and the admin user.

    Email is the username; users may turn on TOTP MFA; the client reads the address and whether it
    is verified but may write only the name. The admin's password is permanent (the README's demo
    login works at once); invited agents get temporary ones. Returns the ids and the admin's `sub`.
    """
    idp = _client("cognito-idp")
    pool_id = idp.create_user_pool(
        PoolName=pool_name,
        UsernameAttributes=["email"],
        AutoVerifiedAttributes=["email"],
        Schema=[{"Name": "name", "AttributeDataType": "String", "Mutable": True, "Required": False}],
        MfaConfiguration="OPTIONAL",
    )["UserPool"]["Id"]
    idp.set_user_pool_mfa_config(
        UserPoolId=pool_id, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="OPTIONAL"
    )
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="helpdesk-web",
        GenerateSecret=False,
        ExplicitAuthFlows=AUTH_FLOWS,
        ReadAttributes=list(CLIENT_READS),
        WriteAttributes=list(CLIENT_WRITES),
    )["UserPoolClient"]["ClientId"]
    sub = create_login(idp, pool_id, admin_email, admin_name, admin_password, permanent=True)
    return {"user_pool_id": pool_id, "client_id": client_id, "admin_sub": sub}


def sla_queue_name(stage: str) -> str:
    return f"helpdesk-{stage}-sla-events"


def sla_state_machine_name(stage: str) -> str:
    return f"helpdesk-{stage}-sla-timer"


def follow_up_state_machine_name(stage: str) -> str:
    return f"helpdesk-{stage}-follow-up-timer"


def _queue_with_dead_letters(name: str, visibility_timeout_s: int, max_receives: int) -> str:
    """A work queue and its DLQ (`<name>-dlq`, or `<name>-dlq.fifo` beside a FIFO queue, which its
    own must be), redriven after `max_receives`; its URL. Called again, it finds both."""
    sqs = _client("sqs")
    fifo = {"FifoQueue": "true"} if name.endswith(".fifo") else {}
    dead_letter_name = name.removesuffix(".fifo") + "-dlq" + (".fifo" if fifo else "")
    dead_letter_url = sqs.create_queue(QueueName=dead_letter_name, Attributes=fifo)["QueueUrl"]
    dead_letter = sqs.get_queue_attributes(QueueUrl=dead_letter_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]
    redrive = {"deadLetterTargetArn": dead_letter["QueueArn"], "maxReceiveCount": max_receives}
    attributes = {
        **fifo,
        "VisibilityTimeout": str(visibility_timeout_s),
        "RedrivePolicy": json.dumps(redrive),
    }
    return sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]


def create_sla_resources(stage: str) -> dict[str, str]:
    """The SLA event queue (with its DLQ), the SLA timer state machine and the follow-up timer
    (snooze wake-ups, due-date reminders: it sends to the same queue); the settings naming them.

    Both creates return the existing resource when called again with the same attributes.
    """
    from chalicelib.desk.follow_up import timer as follow_up_timer
    from chalicelib.sla import timer

    queue_url = _queue_with_dead_letters(sla_queue_name(stage), SLA_VISIBILITY_TIMEOUT_S, SLA_MAX_RECEIVES)
    name = sla_state_machine_name(stage)
    state_machine_arn = _client("stepfunctions").create_state_machine(
        name=name,
        definition=timer.definition(),
        roleArn=f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:role/{name}",  # moto checks only its shape
        type="STANDARD",
    )["stateMachineArn"]
    follow_up = follow_up_state_machine_name(stage)
    follow_up_arn = _client("stepfunctions").create_state_machine(
        name=follow_up,
        definition=follow_up_timer.definition(),
        roleArn=f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:role/{follow_up}",
        type="STANDARD",
    )["stateMachineArn"]
    return {
        "HELPDESK_SLA_STATE_MACHINE_ARN": state_machine_arn,
        "HELPDESK_SLA_QUEUE_URL": queue_url,
        "HELPDESK_FOLLOW_UP_STATE_MACHINE_ARN": follow_up_arn,
    }


def webhook_queue_name(stage: str) -> str:
    return f"helpdesk-{stage}-webhooks.fifo"  # FIFO queues' names end in .fifo


def create_webhook_resources(stage: str, retry_base_s: int) -> dict[str, str]:
    """The webhook delivery queue (FIFO) and its DLQ, as infra/webhooks.py declares them, with a
    maxReceiveCount covering the retry window at this base; the setting naming the queue.

    Imports only `chalicelib.desk.webhooks.retry`, which reads no settings.
    """
    from chalicelib.desk.webhooks.retry import RETRY_WINDOW_S, receives_for

    queue_url = _queue_with_dead_letters(
        webhook_queue_name(stage), WEBHOOK_VISIBILITY_TIMEOUT_S, receives_for(RETRY_WINDOW_S, retry_base_s)
    )
    return {"HELPDESK_WEBHOOK_QUEUE_URL": queue_url}


def notification_queue_name(stage: str) -> str:
    return f"helpdesk-{stage}-notification-mail"


def create_notification_resources(stage: str) -> dict[str, str]:
    """The queue of delayed notification mail flushes and its DLQ, as infra/notifications.py
    declares them; the setting naming the queue."""
    queue_url = _queue_with_dead_letters(
        notification_queue_name(stage), SLA_VISIBILITY_TIMEOUT_S, SLA_MAX_RECEIVES
    )
    return {"HELPDESK_NOTIFICATION_QUEUE_URL": queue_url}


def create_storage() -> None:
    """Every table (with TTL), the mail bucket, and a verified SES identity per mailbox domain."""
    from chalicelib.config import settings
    from chalicelib.desk.intake.request_form import UPLOAD_CORS_MAX_AGE_SECONDS, UPLOAD_CORS_METHODS
    from chalicelib.models import ALL_MODELS, TTL_ATTRIBUTES

    dynamodb = _client("dynamodb")
    for model in ALL_MODELS:
        if not model.exists():
            model.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
            if model in TTL_ATTRIBUTES:
                dynamodb.update_time_to_live(
                    TableName=model.Meta.table_name,
                    TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTES[model]},
                )
    config = settings()
    s3 = _client("s3")
    if config.mail_bucket not in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}:
        where = {} if config.region == "us-east-1" else {"LocationConstraint": config.region}
        s3.create_bucket(Bucket=config.mail_bucket, **({"CreateBucketConfiguration": where} if where else {}))
    # As infra/ declares it. Locally any origin: the web port varies, and the signed policy is what
    # authorises an upload (moto's server answers CORS for every origin anyway).
    s3.put_bucket_cors(
        Bucket=config.mail_bucket,
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedMethods": list(UPLOAD_CORS_METHODS),
                    "AllowedOrigins": ["*"],
                    "MaxAgeSeconds": UPLOAD_CORS_MAX_AGE_SECONDS,
                }
            ]
        },
    )
    ses = _client("ses")
    for domain in sorted(config.mail_domains):
        ses.verify_domain_identity(Domain=domain)


def create_signing_key(parameter: str, key: str) -> None:
    """The signing key's SecureString, as `make deploy` makes it (infra/signing_key.py), unless it exists."""
    from infra.signing_key import create_parameter

    create_parameter(_client("ssm"), parameter, key)


def seed_admin(admin_email: str, admin_name: str = "Demo Admin", sub: str | None = None) -> None:
    """The admin's agent row, in every mailbox team, bound to the admin's Cognito user `sub`.

    An existing row (restored state) is kept, but bound to `sub`: the pool, and so the admin's
    user, is created anew on each start.
    """
    from chalicelib.config import settings
    from chalicelib.models import Agent

    try:
        row = Agent.get(admin_email)
    except Agent.DoesNotExist:
        teams = list(dict.fromkeys(m.team for m in settings().mailboxes))
        Agent(email=admin_email, name=admin_name, role="admin", teams=teams, active=True, sub=sub).save()
        return
    if sub is not None and row.sub != sub:
        row.update(actions=[Agent.sub.set(sub)])
