"""The SLA timer and follow-up timer state machines, from the very files the local runtime executes.

The SLA timer's role allows only the two integrations in its definition: a conditional UpdateItem
on the tickets table and SendMessage to the SLA event queue. The follow-up timer (snooze wake-ups,
due-date reminders) only waits and sends to that queue: its role allows SendMessage there, nothing else.
"""

from __future__ import annotations

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from chalicelib.desk.follow_up import timer as follow_up_timer
from chalicelib.sla.timer import definition

_SUPPRESSIONS = (
    NagPackSuppression(
        id="AwsSolutions-SF1",
        reason="Standard workflows keep 90 days of execution history in Step Functions "
        "itself; CloudWatch log delivery would need logs:* on '*' and cost per event "
        "for no extra information.",
    ),
    NagPackSuppression(
        id="AwsSolutions-SF2",
        reason="X-Ray adds cost and an xray:* grant on '*' to a timer with no "
        "Lambda inside; its history shows every transition.",
    ),
)


class SlaTimer(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, prefix: str, tickets: dynamodb.Table, queue: sqs.Queue
    ) -> None:
        super().__init__(scope, construct_id)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("states.amazonaws.com"),
            description="SLA timer: UpdateItem on tickets, SendMessage to the SLA queue, nothing else",
        )
        self.role.add_to_policy(
            iam.PolicyStatement(actions=["dynamodb:UpdateItem"], resources=[tickets.table_arn])
        )
        self.role.add_to_policy(iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[queue.queue_arn]))
        # L1 on purpose: the DefinitionString is the file's text, byte for byte (no CDK rendering).
        self.state_machine = sfn.CfnStateMachine(
            self,
            "StateMachine",
            state_machine_name=f"{prefix}sla-timer",
            state_machine_type="STANDARD",
            role_arn=self.role.role_arn,
            definition_string=definition(),
        )
        self.state_machine.node.add_dependency(self.role.node.find_child("DefaultPolicy"))
        NagSuppressions.add_resource_suppressions(self.state_machine, list(_SUPPRESSIONS))

    @property
    def arn(self) -> str:
        return self.state_machine.attr_arn


class FollowUpTimer(Construct):
    """Waits until a snooze ends or a due date's morning, then sends to the SLA event queue."""

    def __init__(self, scope: Construct, construct_id: str, *, prefix: str, queue: sqs.Queue) -> None:
        super().__init__(scope, construct_id)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("states.amazonaws.com"),
            description="Follow-up timer: SendMessage to the SLA queue, nothing else",
        )
        self.role.add_to_policy(iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[queue.queue_arn]))
        self.state_machine = sfn.CfnStateMachine(
            self,
            "StateMachine",
            state_machine_name=f"{prefix}follow-up-timer",
            state_machine_type="STANDARD",
            role_arn=self.role.role_arn,
            definition_string=follow_up_timer.definition(),
        )
        self.state_machine.node.add_dependency(self.role.node.find_child("DefaultPolicy"))
        NagSuppressions.add_resource_suppressions(self.state_machine, list(_SUPPRESSIONS))

    @property
    def arn(self) -> str:
        return self.state_machine.attr_arn
