"""The Chalice functions (chalice.cdk), one IAM role each, and their event wiring.

`chalice package` cannot give each function its own CDK-made role from the stage config (per
function settings are read only from .chalice/config.json), so the app is packaged with
`manage_iam_role: false` and each function's Role is then pointed at its own role here.

Chalice serves every route from one function; the customers' routes (infra/routes.py) are split
off to a second one, `public_handler`: the same package and handler under its own role, which
holds no Cognito admin grant and only the tables the public pages use. API Gateway's integration
of each public route is pointed at it, so an anonymous request never runs with the agents' role.

cdk-nag never sees these `AWS::Serverless::Function`s; tests/infra asserts what its rules would
ask instead: a log group with a retention per function (made here, named as Lambda names it) and
X-Ray tracing. Reserved concurrency only for the inbound function, and only as configured
(`inbound_reserved_concurrency`): Lambda refuses a reservation that leaves fewer than 100
unreserved executions, so on a new account (quota 10 to 50) any reservation fails the deployment.
Its L1 (latest runtime) stays unmet: chalice takes the runtime of the Python that packages the app
(the project's 3.11, still supported by Lambda), so the two move together.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import ArnFormat, CfnResource, Duration, Fn, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sam as sam
from cdk_nag import NagPackSuppression, NagSuppressions
from chalice.cdk import Chalice
from chalice.utils import to_cfn_resource_name
from constructs import Construct

from infra.access import FUNCTIONS, READ_ACTIONS, TABLE_ACTIONS, FunctionAccess
from infra.api import API_STAGE
from infra.auth import AgentDirectory
from infra.mail import MailBucket, SendingIdentities
from infra.notifications import statements as notification_statements
from infra.notifications import wire as wire_notification_mail
from infra.queues import Queues, consuming, feed, sending
from infra.routes import PROJECT_DIR, public_routes
from infra.settings import DeploySettings
from infra.tables import Tables
from infra.timer import FollowUpTimer, SlaTimer
from infra.webhooks import FUNCTION_TIMEOUT as WEBHOOK_FUNCTION_TIMEOUT
from infra.webhooks import WebhookQueues
from infra.webhooks import statements as webhook_statements
from infra.webhooks import wire as wire_webhooks

HANDLER_TIMEOUT = Duration.seconds(60)
LOG_RETENTION = logs.RetentionDays.ONE_MONTH
REST_API = "RestAPI"  # the logical id `chalice package` gives the API
SIGNING_KEY_ENV = "HELPDESK_SIGNING_KEY_PARAMETER"
INTEGRATION = "x-amazon-apigateway-integration"
# The ticket event stream's mapping: retries of a failing batch (halved each time, so the failing
# record is found) before it goes to the failure queue, and the age past which a record is given up
# (the stream keeps records 24 hours).
TICKET_EVENT_RETRIES = 10
TICKET_EVENT_MAX_AGE_S = 24 * 3600


@dataclass(frozen=True)
class Resources:
    """Everything the functions are given access to or told about."""

    tables: Tables
    mail: MailBucket
    identities: SendingIdentities
    queues: Queues
    timer: SlaTimer
    follow_up_timer: FollowUpTimer
    agents: AgentDirectory
    webhooks: WebhookQueues


@contextlib.contextmanager
def _packaging(path: Path) -> Iterator[None]:
    """chalice.cdk writes its package to ./chalice.out: keep it inside the (ignored) cdk.out.

    `chalice package` also wants a region to pick the partition; the template itself uses
    AWS::Region, so without one configured any commercial region will do.
    """
    path.mkdir(parents=True, exist_ok=True)
    before, region = Path.cwd(), os.environ.get("AWS_DEFAULT_REGION")
    os.environ["AWS_DEFAULT_REGION"] = region or os.environ.get("CDK_DEFAULT_REGION", "us-east-1")
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)
        if region is None:
            del os.environ["AWS_DEFAULT_REGION"]


def _access(name: str) -> FunctionAccess:
    return next(access for access in FUNCTIONS if access.name == name)


def _policy_of(role: iam.Role) -> Construct:
    """The role's inline policy: Lambda validates permissions (e.g. on SQS) when wired, not later."""
    return role.node.find_child("DefaultPolicy")


def _statements(
    access: FunctionAccess, res: Resources, log_group: logs.LogGroup, signing_key_arn: str
) -> list[iam.PolicyStatement]:
    tables = [res.tables.by_name[name] for name in access.tables]
    statements = [
        iam.PolicyStatement(
            sid="Logs",
            actions=["logs:CreateLogStream", "logs:PutLogEvents"],
            # Log streams are named by Lambda at run time: the group's streams, not the account's.
            resources=[log_group.log_group_arn],
        ),
        iam.PolicyStatement(
            sid="Tracing",
            actions=["xray:PutTelemetryRecords", "xray:PutTraceSegments"],
            # X-Ray has no resource type for these two: IAM accepts only "*".
            resources=["*"],
        ),
        iam.PolicyStatement(
            sid="Tables",
            actions=list(TABLE_ACTIONS),
            resources=[table.table_arn for table in tables]
            + [arn for name in access.tables for arn in res.tables.index_arns(name)],
        ),
    ]
    if access.read_tables:
        statements.append(
            iam.PolicyStatement(
                sid="ReadTables",
                actions=list(READ_ACTIONS),
                resources=[res.tables.by_name[name].table_arn for name in access.read_tables]
                + [arn for name in access.read_tables for arn in res.tables.index_arns(name)],
            )
        )
    for sid, action, prefixes in (
        ("ReadMail", "s3:GetObject", access.reads),
        ("WriteMail", "s3:PutObject", access.writes),
    ):
        if prefixes:
            statements.append(
                iam.PolicyStatement(
                    sid=sid,
                    actions=[action],
                    resources=[res.mail.bucket.arn_for_objects(f"{prefix}*") for prefix in prefixes],
                )
            )
    if access.sends_mail:
        statements.append(
            iam.PolicyStatement(
                sid="SendMail",
                actions=["ses:SendEmail"],
                resources=[*res.identities.identity_arns(), res.identities.configuration_set_arn],
            )
        )
    if access.starts_timers:
        statements.append(
            iam.PolicyStatement(
                sid="StartTimers", actions=["states:StartExecution"], resources=[res.timer.arn]
            )
        )
    if access.starts_follow_up_timers:
        statements.append(
            iam.PolicyStatement(
                sid="StartFollowUpTimers",
                actions=["states:StartExecution"],
                resources=[res.follow_up_timer.arn],
            )
        )
    if access.manages_agents:
        statements.append(
            iam.PolicyStatement(
                sid="ManageAgents",
                actions=[
                    "cognito-idp:AdminCreateUser",
                    "cognito-idp:AdminDisableUser",
                    "cognito-idp:AdminEnableUser",
                    "cognito-idp:AdminSetUserPassword",
                ],
                resources=[res.agents.user_pool.user_pool_arn],
            )
        )
        statements.append(
            iam.PolicyStatement(
                sid="VerifyMailDomains",
                actions=["ses:VerifyDomainIdentity"],
                # SES (v1) VerifyDomainIdentity has no resource type: IAM accepts only "*" for it.
                resources=["*"],
            )
        )
    if access.consumes_sla_events:
        statements.append(consuming("ConsumeSlaEvents", res.queues.sla_events))
    if access.consumes_ticket_events:
        statements.append(
            iam.PolicyStatement(
                # What Lambda's event source mapping reads with the function's role, on the
                # messages table's stream only (AWS's own example policy has these four).
                sid="ReadTicketEvents",
                actions=[
                    "dynamodb:DescribeStream",
                    "dynamodb:GetRecords",
                    "dynamodb:GetShardIterator",
                    "dynamodb:ListStreams",
                ],
                resources=[res.tables.by_name["messages"].table_stream_arn or ""],
            )
        )
        statements.append(sending("TicketEventFailures", res.queues.ticket_event_failures))
    if access.fails_to_queue:
        statements.append(sending("OnFailureDestination", res.queues.inbound_failures))
    if access.reads_signing_key:
        statements.append(
            iam.PolicyStatement(
                # A SecureString under the AWS managed key aws/ssm, whose key policy lets every
                # principal of the account decrypt through SSM: no kms:Decrypt grant is needed,
                # and this parameter-scoped GetParameter is what keeps the key from other roles.
                sid="ReadSigningKey",
                actions=["ssm:GetParameter"],
                resources=[signing_key_arn],
            )
        )
    statements += webhook_statements(access, res.webhooks)
    statements += notification_statements(access, res.queues)
    return statements


def _environment(settings: DeploySettings, res: Resources) -> dict[str, str]:
    """What chalicelib.config reads; the CDK tokens are resolved when the template is written."""
    env = {
        "HELPDESK_STAGE": settings.stage,
        "HELPDESK_TABLE_PREFIX": settings.prefix,
        "HELPDESK_MAIL_BUCKET": res.mail.bucket.bucket_name,
        "HELPDESK_MAILBOXES": settings.mailboxes_env,
        "HELPDESK_USER_POOL_ID": res.agents.user_pool.user_pool_id,
        "HELPDESK_USER_POOL_CLIENT_ID": res.agents.client.user_pool_client_id,
        "HELPDESK_SLA_STATE_MACHINE_ARN": res.timer.arn,
        "HELPDESK_SLA_QUEUE_URL": res.queues.sla_events.queue_url,
        "HELPDESK_FOLLOW_UP_STATE_MACHINE_ARN": res.follow_up_timer.arn,
        "HELPDESK_WEBHOOK_QUEUE_URL": res.webhooks.deliveries.queue_url,
        "HELPDESK_NOTIFICATION_QUEUE_URL": res.queues.notification_mail.queue_url,
        # A plain string (the web domain), not the API's URL: every function, the API's own
        # included, can be told it without a circular reference.
        "HELPDESK_PUBLIC_URL": settings.public_url,
        "HELPDESK_AUTO_CLOSE_DAYS": str(settings.auto_close_days),
        "HELPDESK_RAW_MAIL_RETENTION_DAYS": str(settings.raw_mail_retention_days),
    }
    if settings.sla_policies:
        env["HELPDESK_SLA_POLICIES"] = settings.sla_policies
    return env


class Functions(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: DeploySettings,
        res: Resources,
        package_dir: Path,
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_groups: dict[str, logs.LogGroup] = {}
        self.roles: dict[str, iam.Role] = {}
        self._functions: dict[str, lambda_.IFunction] = {}
        signing_key_arn = Stack.of(self).format_arn(
            service="ssm",
            resource="parameter",
            resource_name=settings.signing_key_parameter.lstrip("/"),
            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )
        for access in FUNCTIONS:
            log_group = logs.LogGroup(
                self,
                f"{access.logical_id}Logs",
                log_group_name=f"/aws/lambda/{settings.prefix}{access.name}",
                retention=LOG_RETENTION,
                removal_policy=RemovalPolicy.DESTROY,
            )
            role = iam.Role(
                self,
                f"{access.logical_id}Role",
                assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                description=f"helpdesk {access.name}: only what chalicelib needs for this function",
            )
            for statement in _statements(access, res, log_group, signing_key_arn):
                role.add_to_policy(statement)
            self.log_groups[access.name], self.roles[access.name] = log_group, role
        stage_config = {
            "api_gateway_stage": API_STAGE,
            "api_gateway_endpoint_type": "REGIONAL",  # as the web domain (infra/web.py) is
            "xray": True,
            "manage_iam_role": False,
            # Placeholder required by `chalice package`; every function's Role is overridden below.
            "iam_role_arn": self.roles["api_handler"].role_arn,
            "lambda_timeout": int(HANDLER_TIMEOUT.to_seconds()),
            "lambda_memory_size": 512,
            "environment_variables": _environment(settings, res),
        }
        with _packaging(package_dir):
            # chalice.cdk names the Chalice stage after its scope's path: under the stack it is the
            # stage itself, so .chalice/config.json's `stages.<stage>` settings (sizes, timeouts) apply.
            self.chalice = Chalice(
                Stack.of(self), "Chalice", source_dir=str(PROJECT_DIR), stage_config=stage_config
            )
        self.resources: dict[str, CfnResource] = {}
        for access in FUNCTIONS:
            function = self._copy(access) if access.copy_of else self.chalice.get_resource(access.logical_id)
            function.add_override("Properties.Role", self.roles[access.name].role_arn)
            function.add_override("Properties.FunctionName", f"{settings.prefix}{access.name}")
            if access.reads_signing_key:
                function.add_override(
                    f"Properties.Environment.Variables.{SIGNING_KEY_ENV}", settings.signing_key_parameter
                )
            function.node.add_dependency(_policy_of(self.roles[access.name]), self.log_groups[access.name])
            self.resources[access.name] = function
        if settings.inbound_reserved_concurrency:
            self.resources["inbound_email"].add_override(
                "Properties.ReservedConcurrentExecutions", settings.inbound_reserved_concurrency
            )
        self.resources["webhook_deliveries"].add_override(
            "Properties.Timeout", int(WEBHOOK_FUNCTION_TIMEOUT.to_seconds())
        )
        self._serve_public_routes()
        self._wire(res)
        self._suppress()

    def _copy(self, access: FunctionAccess) -> sam.CfnFunction:
        """A function running the package, handler and settings of `access.copy_of`."""
        original = self.chalice.get_resource(_access(access.copy_of).logical_id)
        assert isinstance(original, sam.CfnFunction)
        copy = sam.CfnFunction(
            self,
            access.logical_id,
            code_uri=original.code_uri,
            handler=original.handler,
            runtime=original.runtime,
            architectures=original.architectures,
            memory_size=original.memory_size,
            timeout=original.timeout,
            tracing=original.tracing,
            environment=original.environment,
        )
        copy.override_logical_id(access.logical_id)
        return copy

    def _serve_public_routes(self) -> None:
        """Point each public route's Lambda proxy integration at the public function."""
        public = self.resources["public_handler"]
        uri = Fn.sub(
            "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
            "${Function}/invocations",
            {"Function": public.get_att("Arn").to_string()},
        )
        api = self.rest_api
        assert isinstance(api, sam.CfnApi)
        body = api.definition_body
        for route in public_routes():
            body["paths"][route.path][route.method.lower()][INTEGRATION]["uri"] = uri
        api.definition_body = body
        lambda_.CfnPermission(
            self,
            "PublicHandlerInvokePermission",
            action="lambda:InvokeFunction",
            function_name=public.ref,
            principal="apigateway.amazonaws.com",
            # Only this API's stage; which routes reach it is the integrations' business.
            source_arn=Fn.sub(
                "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*",
                {"Api": api.ref},
            ),
        )

    def function(self, name: str) -> lambda_.IFunction:
        if name not in self._functions:
            arn = self.resources[name].get_att("Arn").to_string()
            self._functions[name] = lambda_.Function.from_function_arn(self, f"{name}Function", arn)
        return self._functions[name]

    @property
    def rest_api(self) -> CfnResource:
        return self.chalice.get_resource(REST_API)

    def function_name(self, name: str) -> str:
        """A plain Ref to the function (its physical name)."""
        return self.resources[name].ref

    def _wire(self, res: Resources) -> None:
        self._wire_ticket_events(res)
        feed(
            self, "SlaEventsMapping", self.function_name("sla_events"), res.queues.sla_events, 10
        ).node.add_dependency(_policy_of(self.roles["sla_events"]))
        wire_webhooks(self, self.function_name("webhook_deliveries"), res.webhooks).node.add_dependency(
            _policy_of(self.roles["webhook_deliveries"])
        )
        wire_notification_mail(self, self.function_name("notification_mail"), res.queues).node.add_dependency(
            _policy_of(self.roles["notification_mail"])
        )
        lambda_.CfnEventInvokeConfig(
            self,
            "InboundFailures",
            function_name=self.function_name("inbound_email"),
            qualifier="$LATEST",
            maximum_retry_attempts=2,
            destination_config=lambda_.CfnEventInvokeConfig.DestinationConfigProperty(
                on_failure=lambda_.CfnEventInvokeConfig.OnFailureProperty(
                    destination=res.queues.inbound_failures.queue_arn
                )
            ),
        ).node.add_dependency(_policy_of(self.roles["inbound_email"]))

    def _wire_ticket_events(self, res: Resources) -> None:
        """The stream mapping Chalice's `on_dynamodb_record` packaged, pointed at the real stream.

        Chalice writes the SAM event with the placeholder ARN the handler module had to give at
        import (chalicelib/handlers/ticket_events.py); here it gets the messages table's stream and
        what Chalice has no parameter for: partial batch responses, bounded retries (bisecting a
        failing batch to find the record), and the on-failure queue for what is given up on.
        """
        event = f"Properties.Events.{to_cfn_resource_name('ticket_events-dynamodb-event-source')}.Properties"
        function = self.resources["ticket_events"]
        stream = res.tables.by_name["messages"].table_stream_arn
        function.add_override(f"{event}.Stream", stream)
        function.add_override(f"{event}.FunctionResponseTypes", ["ReportBatchItemFailures"])
        function.add_override(f"{event}.BisectBatchOnFunctionError", True)
        function.add_override(f"{event}.MaximumRetryAttempts", TICKET_EVENT_RETRIES)
        function.add_override(f"{event}.MaximumRecordAgeInSeconds", TICKET_EVENT_MAX_AGE_S)
        function.add_override(
            f"{event}.DestinationConfig",
            {"OnFailure": {"Destination": res.queues.ticket_event_failures.queue_arn}},
        )

    def _suppress(self) -> None:
        for access in FUNCTIONS:
            anywhere = "X-Ray's PutTraceSegments and PutTelemetryRecords support no resource-level permission"
            if access.manages_agents:
                anywhere += ", nor does ses:VerifyDomainIdentity (admins adding a mail domain)"
            reasons = [
                NagPackSuppression(
                    id="AwsSolutions-IAM5",
                    reason="Object-level S3 grants are scoped to the exact key prefixes this function "
                    "uses (inbound/, attachments/, bodies/, uploads/, forms/); keys are chosen at run time.",
                    applies_to=[
                        {"regex": "/^Resource::.*\\/(inbound|attachments|bodies|uploads|forms)\\/\\*$/g"}
                    ],
                ),
                NagPackSuppression(
                    id="AwsSolutions-IAM5",
                    reason=f"{anywhere}; those statements grant only these actions.",
                    applies_to=["Resource::*"],
                ),
            ]
            NagSuppressions.add_resource_suppressions(
                self.roles[access.name], reasons, apply_to_children=True
            )
