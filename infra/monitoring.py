"""Alarms (to one e-mail address) on dead letters, function errors and throttles, and a dashboard.

A dead letter means a mail, an SLA event or a webhook delivery that was not handled: each needs a
human look, so the alarms fire on the first one rather than on a rate.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from infra.access import FUNCTIONS
from infra.functions import Functions
from infra.queues import Queues
from infra.settings import DeploySettings
from infra.webhooks import WebhookQueues

PERIOD = Duration.minutes(5)


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: DeploySettings,
        functions: Functions,
        queues: Queues,
        webhooks: WebhookQueues,
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(
            self, "Alarms", display_name=f"helpdesk {settings.stage} alarms", enforce_ssl=True
        )
        self.topic.add_subscription(subscriptions.EmailSubscription(settings.alarm_email))
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsOnly",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
            )
        )
        NagSuppressions.add_resource_suppressions(
            self.topic,
            [
                NagPackSuppression(
                    id="AwsSolutions-SNS2",
                    reason="CloudWatch alarms cannot publish to a topic under the AWS-managed SNS key, "
                    "and a customer-managed key costs $1/month while idle; alarm messages carry only "
                    "alarm names and metric values.",
                )
            ],
        )
        widgets: list[cloudwatch.IWidget] = []
        for label, queue in (
            ("SLA events", queues.sla_dead_letters),
            ("Inbound mail", queues.inbound_failures),
            ("Ticket events", queues.ticket_event_failures),
            ("Webhook deliveries", webhooks.dead_letters),
            ("Notification mail", queues.notification_dead_letters),
        ):
            alarm = self._alarm(
                queue.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum"),
                f"{label.title().replace(' ', '')}DeadLetters",
                f"{label}: a message reached the dead-letter queue; see docs/DEPLOY.md",
            )
            widgets.append(cloudwatch.AlarmWidget(title=f"{label} dead letters", alarm=alarm, width=12))
        for access in (a for a in FUNCTIONS if a.alarms_on_errors):
            self._alarm(
                functions.function(access.name).metric_errors(period=PERIOD, statistic="Sum"),
                f"{access.logical_id}Errors",
                f"{access.name}: errors in the last 5 minutes",
            )
        # One alarm on the account's Lambda throttles (all functions of this region), not one per
        # function: 5 dead-letter queues + 6 functions' errors (ticket_events', webhook_deliveries' and
        # notification_mail's end in their DLQs) + 1 = 12 alarm metrics, two past CloudWatch's
        # always-free 10 ($0.20 a month, docs/COST.md); the dashboard shows which function it was.
        self._alarm(
            cloudwatch.Metric(
                namespace="AWS/Lambda", metric_name="Throttles", statistic="Sum", period=PERIOD
            ),
            "LambdaThrottles",
            "Lambda throttled a function in this account and region in the last 5 minutes",
        )
        widgets.append(
            cloudwatch.GraphWidget(
                title="Invocations",
                left=[functions.function(a.name).metric_invocations(period=PERIOD) for a in FUNCTIONS],
                width=12,
            )
        )
        widgets.append(
            cloudwatch.GraphWidget(
                title="Errors and throttles",
                left=[functions.function(a.name).metric_errors(period=PERIOD) for a in FUNCTIONS],
                right=[functions.function(a.name).metric_throttles(period=PERIOD) for a in FUNCTIONS],
                width=12,
            )
        )
        cloudwatch.Dashboard(
            self, "Dashboard", dashboard_name=f"helpdesk-{settings.stage}", widgets=[widgets]
        )

    def _alarm(self, metric: cloudwatch.IMetric, alarm_id: str, description: str) -> cloudwatch.Alarm:
        """An alarm on the first occurrence (any value above 0 in a period), mailed to the topic."""
        alarm = metric.create_alarm(
            self,
            alarm_id,
            alarm_description=description,
            threshold=0,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(actions.SnsAction(self.topic))
        return alarm
