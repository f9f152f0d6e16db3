"""`make run`: the whole help desk in one process tree, on localhost.

Start order matters: the embedded AWS first (its endpoint goes into the environment), then the
Cognito pool and the SLA timer and queue (their ids too), and only then chalicelib.models and app,
which read settings on import. Stop order is the reverse of intake: SMTP and HTTP stop accepting,
the SLA queue poller and the scheduler stop, running handlers finish, the outbox and the state
are flushed, and the embedded AWS goes last.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import time

import boto3
from chalice import Chalice

from infra.signing_key import new_key, parameter_name
from local import provision
from local.aws import EmbeddedAws, client_environment
from local.background import Periodic
from local.http import ApiServer, chalice_config
from local.invoke import AsyncInvoker
from local.options import DEFAULT_MAILBOXES, PROJECT_DIR, Options
from local.outbox import Outbox
from local.schedules import Scheduler, app_schedules
from local.smtp import SesReceiptRule, smtp_server
from local.sqs import SqsPoller
from local.state import StateStore, kept_signing_key
from local.streams import StreamPoller
from local.timers import rearm_sla_timers

log = logging.getLogger("local")
SNAPSHOT_INTERVAL_S = 2.0
OUTBOX_INTERVAL_S = 0.2
SQS_INTERVAL_S = 0.5
SCHEDULE_INTERVAL_S = 1.0
STREAM_INTERVAL_S = 0.5
WEBHOOK_RETRY_BASE_S = 1


def configure_environment(endpoint: str) -> None:
    """Everything chalicelib reads, set before the first `settings()` call caches it."""
    os.environ.update(client_environment(endpoint))
    os.environ["HELPDESK_STAGE"] = "local"
    os.environ["MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP"] = "true"  # moto checks TOTP codes as Cognito does
    os.environ.setdefault("HELPDESK_MAILBOXES", DEFAULT_MAILBOXES)
    os.environ.setdefault("HELPDESK_SIGNING_KEY_PARAMETER", parameter_name("local"))
    # Webhook receivers of local tests listen on 127.0.0.1 (never allowed in a deployment), and
    # retries wait seconds, not minutes (desk.webhooks.retry).
    os.environ["HELPDESK_WEBHOOK_ALLOW_LOOPBACK"] = "1"
    os.environ.setdefault("HELPDESK_WEBHOOK_RETRY_BASE_SECONDS", str(WEBHOOK_RETRY_BASE_S))


def create_queues(stage: str) -> None:
    """The SLA timer's queue, the webhook delivery queue and the notification mail flushes' queue
    (with their DLQs), named in the environment."""
    os.environ.update(provision.create_sla_resources(stage))
    retry_base_s = int(os.environ["HELPDESK_WEBHOOK_RETRY_BASE_SECONDS"])
    os.environ.update(provision.create_webhook_resources(stage, retry_base_s))
    os.environ.update(provision.create_notification_resources(stage))


def run(options: Options, stop: threading.Event) -> None:
    started = time.monotonic()
    with contextlib.ExitStack() as running:
        aws = EmbeddedAws(options.host, options.aws_port)
        aws.start()
        running.callback(aws.stop)
        configure_environment(aws.endpoint)
        # Links in mail (status pages, tickets) point at this runtime's own port.
        os.environ.setdefault("HELPDESK_PUBLIC_URL", f"http://{options.host}:{options.http_port}")

        ids = provision.create_identity(options.admin_email, options.admin_password, options.admin_name)
        os.environ["HELPDESK_USER_POOL_ID"] = ids["user_pool_id"]
        os.environ["HELPDESK_USER_POOL_CLIENT_ID"] = ids["client_id"]
        os.environ["HELPDESK_JWKS_URL"] = f"{aws.endpoint}/{ids['user_pool_id']}/.well-known/jwks.json"
        create_queues(os.environ["HELPDESK_STAGE"])
        config = chalice_config(PROJECT_DIR)
        for name, value in config.environment_variables.items():  # as `chalice local` does, env wins
            os.environ.setdefault(name, value)

        from chalicelib.config import settings

        provision.create_storage()
        key = kept_signing_key(options.state_dir, new_key)
        provision.create_signing_key(settings().signing_key_parameter, key)
        state = StateStore(options.state_dir, settings().mail_bucket, aws.writes)
        state.restore()
        provision.seed_admin(options.admin_email, options.admin_name, ids["admin_sub"])
        rearm_sla_timers()
        snapshots = Periodic("state", SNAPSHOT_INTERVAL_S, state.save_if_changed, final=state.save)
        snapshots.start()
        running.callback(snapshots.stop)

        outbox = Outbox(options.outbox_dir, settings().region)
        mailer = Periodic("outbox", OUTBOX_INTERVAL_S, outbox.poll)
        mailer.start()
        running.callback(mailer.stop)

        from app import app

        inbound = next(f for f in app.pure_lambda_functions if f.name == "inbound_email")
        invoker = AsyncInvoker(options.dead_letter_dir)
        running.callback(invoker.stop)

        scheduler = start_event_sources(app, invoker, running)
        start_ticket_events(options, running)

        api = ApiServer(app, config, options.host, options.http_port)
        api.start()
        running.callback(api.stop)

        s3 = boto3.client("s3")
        rule = SesReceiptRule(
            settings().mail_domains,
            store=lambda key, raw: s3.put_object(Bucket=settings().mail_bucket, Key=key, Body=raw),
            deliver=lambda event, message_id: invoker.invoke(inbound.name, inbound, event, message_id),
        )
        smtp = smtp_server(rule, options.host, options.smtp_port)
        smtp.start()
        running.callback(smtp.stop)

        print_banner(options, api.url, f"{smtp.hostname}:{smtp.port}", aws.endpoint, ids, scheduler=scheduler)
        log.info("ready in %.1f s", time.monotonic() - started)
        print(
            f"HELPDESK READY http={api.url} smtp={smtp.hostname}:{smtp.port} aws={aws.endpoint}", flush=True
        )
        stop.wait()
        log.info("stopping")
    log.info("stopped; state saved in %s", options.state_dir)


def start_event_sources(app: Chalice, invoker: AsyncInvoker, running: contextlib.ExitStack) -> Scheduler:
    """The SLA and webhook queues' pollers and the schedules, each in a thread, stopped by `running`."""
    from chalicelib.config import settings

    functions = {f.name: f for f in app.pure_lambda_functions}
    poller = SqsPoller(settings().sla_queue_url, "sla_events", functions["sla_events"])
    webhooks = SqsPoller(settings().webhook_queue_url, "webhook_deliveries", functions["webhook_deliveries"])
    flushes = SqsPoller(
        settings().notification_queue_url, "notification_mail", functions["notification_mail"]
    )
    scheduler = Scheduler(app_schedules(app), invoker, settings().region)
    for job in (
        Periodic("sla-events", SQS_INTERVAL_S, poller.poll),
        Periodic("webhook-deliveries", SQS_INTERVAL_S, webhooks.poll),
        Periodic("notification-mail", SQS_INTERVAL_S, flushes.poll),
        Periodic("schedules", SCHEDULE_INTERVAL_S, scheduler.tick),
    ):
        job.start()
        running.callback(job.stop)
    return scheduler


def start_ticket_events(options: Options, running: contextlib.ExitStack) -> None:
    """The messages table's stream → `ticket_events`, as Lambda's event source mapping does.
    Started after the state restore: its re-put items are no news (local/streams.py)."""
    from chalicelib.handlers.ticket_events import ticket_events
    from chalicelib.models import Message

    poller = StreamPoller(Message.Meta.table_name, "ticket_events", ticket_events, options.dead_letter_dir)
    poller.start()
    job = Periodic("ticket-events", STREAM_INTERVAL_S, poller.poll)
    job.start()
    running.callback(job.stop)


def print_banner(
    options: Options, http_url: str, smtp: str, aws: str, ids: dict[str, str], *, scheduler: Scheduler
) -> None:
    from chalicelib.config import settings

    mailboxes = "\n".join(f"    {m.address:<28} → team {m.team}" for m in settings().mailboxes)
    schedules = "\n".join(
        f"    {s.name:<16} {s.expression:<28} next {at:%a %Y-%m-%d %H:%M} UTC"
        for s, at in sorted(scheduler.upcoming.items(), key=lambda item: item[1])
    )
    print(
        f"""
Help desk running locally
  Web / API      {http_url}
  SMTP           {smtp}   (mail to a support address becomes a ticket)
  Support addresses
{mailboxes}
  Demo login     {options.admin_email} / {options.admin_password}
  Outbox         {options.outbox_dir}   (every mail SES sent, as .eml)
  State          {options.state_dir}   (kept across restarts)
  Schedules
{schedules}
  SLA timers     Step Functions {settings().sla_state_machine_arn.rpartition(":")[2]} → SQS → sla_events
  Follow-ups     Step Functions {settings().follow_up_state_machine_arn.rpartition(":")[2]} → SQS → sla_events
  Ticket events  the messages table's DynamoDB stream → ticket_events → notifications, webhooks
  Webhooks       SQS FIFO → webhook_deliveries (http to 127.0.0.1 allowed locally)
  Notifications  in-app (the bell) and mail; batched mail flushes: SQS (delayed) → notification_mail
  Embedded AWS   {aws}   (user pool {ids["user_pool_id"]}, client {ids["client_id"]})
Press Ctrl-C to stop.
""",
        flush=True,
    )


def main() -> int:
    # moto's Step Functions Wait compares the UTC timestamp with naive local `datetime.now()`.
    os.environ["TZ"] = "UTC"
    time.tzset()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("werkzeug", "botocore", "mail.log", "pynamodb"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    options = Options.from_env()
    try:
        run(options, stop)
    except OSError as error:
        log.error("could not start: %s (the HELPDESK_*_PORT variables choose other ports)", error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
