"""Notification mail flushes: the grants on their queue (infra/queues.py makes it, with its DLQ
and the alarm in infra/monitoring.py) and the event source mapping of the flush function.

The ticket event consumer may only send to the queue (delayed flushes); the flush function
receives and deletes its messages, and may send one again (a flush that came before its window's
end). Standard queue: one agent's flushes need no order (each reads the window as it is).
"""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.access import FunctionAccess
from infra.queues import Queues, consuming, feed, sending

BATCH_SIZE = 10


def statements(access: FunctionAccess, queues: Queues) -> list[iam.PolicyStatement]:
    """The notification queue grants of one function, as infra/access.py says."""
    found = []
    if access.flushes_notification_mail:
        found.append(consuming("FlushNotificationMail", queues.notification_mail))
    if access.queues_notification_mail:
        found.append(sending("QueueNotificationMail", queues.notification_mail))
    return found


def wire(scope: Construct, function_name: str, queues: Queues) -> lambda_.CfnEventSourceMapping:
    """The flush function on its queue, with partial batch responses."""
    return feed(scope, "NotificationMailMapping", function_name, queues.notification_mail, BATCH_SIZE)
