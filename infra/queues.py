"""SQS queues: each work queue has a dead-letter queue; everything is encrypted and TLS only."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_sqs as sqs
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

RETENTION = Duration.days(14)  # the longest SQS keeps a message: time to notice and replay


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
