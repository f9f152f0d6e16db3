"""Webhook deliveries: the FIFO queue and its DLQ, the grants on them, the event source mapping.

The queue is FIFO so one ticket's deliveries to one endpoint stay in order (message group =
endpoint + ticket). maxReceiveCount comes from desk.webhooks.retry with the deployed retry base
(60 s): attempts until 24 hours have passed, then the DLQ, whose first message raises an alarm
(infra/monitoring.py). The delivery function may receive, delete and postpone messages of this
queue only; the functions that queue deliveries (the API's resend, the event consumer) may only
send to it.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from chalicelib.desk.webhooks.retry import RETRY_WINDOW_S, receives_for
from infra.access import FunctionAccess
from infra.queues import RETENTION, consuming, feed, sending

RETRY_BASE_S = 60  # the code's default (HELPDESK_WEBHOOK_RETRY_BASE_SECONDS unset in a deployment)
MAX_RECEIVES = receives_for(RETRY_WINDOW_S, RETRY_BASE_S)
# Deliveries POST with a 10 s connect and a 10 s answer timeout: five per batch fit in 120 s.
BATCH_SIZE = 5
FUNCTION_TIMEOUT = Duration.seconds(120)


def _fifo(scope: Construct, construct_id: str, **kwargs: object) -> sqs.Queue:
    """As infra/queues.py's queues (SQS-managed SSE, TLS only, 14 days), but FIFO."""
    return sqs.Queue(
        scope,
        construct_id,
        fifo=True,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=RETENTION,
        **kwargs,
    )


class WebhookQueues(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.dead_letters = _fifo(self, "DeliveriesDlq")
        self.deliveries = _fifo(
            self,
            "Deliveries",
            # Only when the function fails outright (a timeout): a failed attempt sets its own wait.
            # Lambda asks for at least the function timeout; six times it, as for the SLA queue.
            visibility_timeout=Duration.seconds(FUNCTION_TIMEOUT.to_seconds() * 6),
            dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=MAX_RECEIVES, queue=self.dead_letters),
        )
        NagSuppressions.add_resource_suppressions(
            self.dead_letters,
            [
                NagPackSuppression(
                    id="AwsSolutions-SQS3",
                    reason="This queue is itself the webhook deliveries' dead-letter queue.",
                )
            ],
        )


def statements(access: FunctionAccess, queues: WebhookQueues) -> list[iam.PolicyStatement]:
    """The webhook queue grants of one function, as infra/access.py says."""
    found = []
    if access.delivers_webhooks:
        found.append(consuming("DeliverWebhooks", queues.deliveries))
    if access.queues_webhooks:
        found.append(sending("QueueWebhooks", queues.deliveries))
    return found


def wire(scope: Construct, function_name: str, queues: WebhookQueues) -> lambda_.CfnEventSourceMapping:
    """The delivery function on its queue, with partial batch responses (FIFO: no batching window)."""
    return feed(scope, "WebhookDeliveriesMapping", function_name, queues.deliveries, BATCH_SIZE)
