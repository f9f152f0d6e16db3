"""The API stage's limits and records: throttling, JSON access logs and X-Ray tracing.

API Gateway applies a stage's throttle to each method on its own. The customers' routes
(infra/routes.py) get a lower one of their own, so anonymous traffic, however it is spread over
them, adds at most their sum to what the functions run, and the agents' methods keep theirs
(the public routes also run in their own function: infra/functions.py). X-Ray records every
traced request's full URL, and `/t/<token>` or `/s/<token>` is a customer's key to their ticket:
sampling rules scoped to this stage trace none of the requests under those prefixes; the rest of
the stage stays traced.

cdk-nag's AwsSolutions rules never look at the chalice.cdk API (an `AWS::Serverless::Api`, not a
resource type they know), so what they and the serverless checks would ask of a stage is set here
and asserted in tests/infra. Nothing here costs anything while nobody calls the API.

Run on the template after the SAM transform, AwsSolutions finds the stage's access logs (APIG1) in
place and asks three things more, left out on purpose:
- APIG6, execution logging: at INFO it would log request bodies (agents' passwords at sign-in,
  customers' messages); errors already reach the API function's own log, and its
  `API-Gateway-Execution-Logs_…` group would be made by API Gateway without a retention.
- APIG2, request validation: every route is one Lambda proxy with no model to validate against;
  the function checks each request itself (forms, CSRF tokens, sizes).
- APIG3, a WAF web ACL: billed every month whether anyone calls or not ($5 plus $1 a rule), against
  scale to zero; the throttles below and the app's per-IP limits on public routes stand in.
"""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import CfnResource, Fn, RemovalPolicy
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_xray as xray
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from infra.routes import public_routes, token_prefixes

API_STAGE = "api"
# Each method's default. A page view is a few requests, so this is ample for a team's browsers,
# and it caps what a flood can add to the bill (the account default is 10,000/s).
THROTTLE_RATE_PER_SECOND = 25
THROTTLE_BURST = 50
# Each public method's own: 18,000 requests an hour per page is far more than a desk's customers
# make, and the ~13 public methods together stay at a few dozen a second however a loop hits them.
PUBLIC_THROTTLE_RATE_PER_SECOND = 5
PUBLIC_THROTTLE_BURST = 10
# Sampling rules run lowest number first; X-Ray's own default rule is 10000.
UNTRACED_PRIORITY = 1
# `resourcePath`, not `path`: the route (`/t/{token}`), never the bearer token of a customer's link.
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "time": "$context.requestTime",
        "method": "$context.httpMethod",
        "resource": "$context.resourcePath",
        "status": "$context.status",
        "bytes": "$context.responseLength",
        "latencyMs": "$context.responseLatency",
        "errorType": "$context.error.responseType",  # THROTTLED, DEFAULT_5XX…: one word, JSON-safe
    },
    separators=(",", ":"),
)


class ApiStage(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        prefix: str,
        rest_api: CfnResource,
        retention: logs.RetentionDays,
    ) -> None:
        """`rest_api`: chalice's `AWS::Serverless::Api`; its stage gets the settings below."""
        super().__init__(scope, construct_id)
        self.access_logs = logs.LogGroup(
            self,
            "AccessLogs",
            log_group_name=f"/aws/apigateway/{prefix}api",
            retention=retention,
            removal_policy=RemovalPolicy.DESTROY,
        )
        rest_api.add_property_override(
            "AccessLogSetting",
            {"DestinationArn": self.access_logs.log_group_arn, "Format": ACCESS_LOG_FORMAT},
        )
        rest_api.add_property_override("MethodSettings", method_settings())
        rest_api.add_property_override("TracingEnabled", True)
        self._untraced(rest_api, prefix)
        # SAM hands the API's DependsOn to the RestApi it generates, and the stage follows that.
        rest_api.node.add_dependency(self._logging_account())

    def _untraced(self, rest_api: CfnResource, prefix: str) -> None:
        """One sampling rule per link-token prefix: its requests are never traced (rate 0, no reservoir)."""
        service = f"{_api_title(rest_api)}/{API_STAGE}"  # how API Gateway names a stage to X-Ray
        for path in token_prefixes():
            name = path.strip("/")
            xray.CfnSamplingRule(
                self,
                f"Untraced{name.upper()}",
                sampling_rule=xray.CfnSamplingRule.SamplingRuleProperty(
                    rule_name=f"{prefix}links-{name}",  # at most 32 characters: 25 + 7
                    priority=UNTRACED_PRIORITY,
                    fixed_rate=0,
                    reservoir_size=0,
                    service_name=service,
                    service_type="AWS::ApiGateway::Stage",
                    # This stage only, not every API of the account.
                    resource_arn=Fn.sub(
                        "arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/${Api}/stages/${Stage}",
                        {"Api": rest_api.ref, "Stage": API_STAGE},
                    ),
                    host="*",
                    http_method="*",
                    # `*` in front: whether X-Ray sees the custom domain's path or the stage's.
                    url_path=f"*{path}*",
                    version=1,
                ),
            )

    def _logging_account(self) -> apigateway.CfnAccount:
        """API Gateway writes any REST API's logs with one role per account and region.

        Stage creation fails without it. It is an account-wide setting, so the role is AWS's
        documented one (a role scoped to this stack's group would break other APIs' logging), and
        both are retained with the stack deleted for the same reason.
        """
        role = iam.Role(
            self,
            "LoggingRole",
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            description="API Gateway: write REST API logs in this account and region",
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name(
                    "service-role/AmazonAPIGatewayPushToCloudWatchLogs"
                )
            ],
        )
        role.apply_removal_policy(RemovalPolicy.RETAIN)
        NagSuppressions.add_resource_suppressions(
            role,
            [
                NagPackSuppression(
                    id="AwsSolutions-IAM4",
                    reason="API Gateway's account-wide logging role serves every REST API in the region, "
                    "not only this stack's; AWS's managed policy is the documented one for it.",
                    applies_to=[
                        "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                        "AmazonAPIGatewayPushToCloudWatchLogs"
                    ],
                )
            ],
        )
        account = apigateway.CfnAccount(self, "Account", cloud_watch_role_arn=role.role_arn)
        account.apply_removal_policy(RemovalPolicy.RETAIN)
        return account


def method_settings() -> list[dict[str, Any]]:
    """The stage default for every method, then each public method's own lower limit."""
    default = {
        "ResourcePath": "/*",
        "HttpMethod": "*",
        "ThrottlingRateLimit": THROTTLE_RATE_PER_SECOND,
        "ThrottlingBurstLimit": THROTTLE_BURST,
    }
    return [default] + [
        {
            "ResourcePath": route.resource_path,
            "HttpMethod": route.method,
            "ThrottlingRateLimit": PUBLIC_THROTTLE_RATE_PER_SECOND,
            "ThrottlingBurstLimit": PUBLIC_THROTTLE_BURST,
        }
        for route in public_routes()
    ]


def _api_title(rest_api: CfnResource) -> str:
    """The API's name: the title of the definition chalice wrote (its app name)."""
    return rest_api.definition_body["info"]["title"]
