"""SQS queues: each work queue has a dead-letter queue; everything is encrypted and TLS only."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

RETENTION = Duration.days(14)  # the longest SQS keeps a message: time to notice and replay


# What a function fed by a queue's event source mapping needs of it (the mapping polls with its role).
CONSUME_ACTIONS = [
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:ReceiveMessage",
]


def consuming(sid: str, queue: sqs.IQueue) -> iam.PolicyStatement:
    """The grant of the function a queue feeds."""
    return iam.PolicyStatement(sid=sid, actions=CONSUME_ACTIONS, resources=[queue.queue_arn])


def sending(sid: str, queue: sqs.IQueue) -> iam.PolicyStatement:
    """The grant to send to a queue, and nothing else of it."""
    return iam.PolicyStatement(sid=sid, actions=["sqs:SendMessage"], resources=[queue.queue_arn])


def feed(
    scope: Construct, construct_id: str, function_name: str, queue: sqs.IQueue, batch_size: int
) -> lambda_.CfnEventSourceMapping:
    """The function on its queue, with partial batch responses (a failed message alone comes again)."""
    return lambda_.CfnEventSourceMapping(
        scope,
        construct_id,
        function_name=function_name,
        event_source_arn=queue.queue_arn,
        batch_size=batch_size,
        function_response_types=["ReportBatchItemFailures"],
    )


def _queue(scope: Construct, construct_id: str, **kwargs: object) -> sqs.Queue:
    """SQS-managed SSE (no KMS key to pay for or grant) and a policy refusing plain HTTP."""
    return sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=RETENTION,
        **kwargs,
    )


class Queues(Construct):
    """The SLA event queue (timer → sla_events) with its DLQ, the inbound function's and the ticket
    event stream's failure queues, and the notification mail flushes (infra/notifications.py) with
    their DLQ."""

    def __init__(self, scope: Construct, construct_id: str, *, handler_timeout: Duration) -> None:
        super().__init__(scope, construct_id)
        self.sla_dead_letters = _queue(self, "SlaEventsDlq")
        self.sla_events = _queue(
            self,
            "SlaEvents",
            # Lambda's guidance: at least six times the function timeout, so retries don't overlap.
            visibility_timeout=Duration.seconds(handler_timeout.to_seconds() * 6),
            dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=5, queue=self.sla_dead_letters),
        )
        self.inbound_failures = _queue(self, "InboundFailures")
        # The ticket event stream's on-failure destination: what Lambda gave up on (the batch's
        # shard and sequence numbers, not the records: replay them from the feed or the table).
        self.ticket_event_failures = _queue(self, "TicketEventFailures")
        self.notification_dead_letters = _queue(self, "NotificationMailDlq")
        self.notification_mail = _queue(
            self,
            "NotificationMail",
            visibility_timeout=Duration.seconds(handler_timeout.to_seconds() * 6),
            dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=5, queue=self.notification_dead_letters),
        )
        for dead_letters in (
            self.sla_dead_letters,
            self.inbound_failures,
            self.ticket_event_failures,
            self.notification_dead_letters,
        ):
            NagSuppressions.add_resource_suppressions(
                dead_letters,
                [
                    NagPackSuppression(
                        id="AwsSolutions-SQS3",
                        reason="This queue is itself a dead-letter queue (SQS redrive target or a function's "
                        "on-failure destination); a DLQ of a DLQ would only hide mail.",
                    )
                ],
            )
