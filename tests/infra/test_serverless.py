"""What cdk-nag would ask of the chalice.cdk resources, which it never sees.

cdk-nag's rules match CloudFormation resource types (`AWS::Lambda::Function`, `AWS::ApiGateway::
Stage`); chalice.cdk declares `AWS::Serverless::Function` and `AWS::Serverless::Api`, which only the
SAM transform turns into those at deploy time. The first test proves they are out of its sight; the
others assert what its AwsSolutions and serverless rules would demand and suits this app.
"""

from __future__ import annotations

import json
from pathlib import Path

from infra.access import FUNCTIONS
from infra.settings import INBOUND_RESERVED_CONCURRENCY, parse
from tests.infra.conftest import CONFIG, Synthesized


def test_cdk_nag_sees_no_function_or_api_of_the_app(synthesized: Synthesized):
    kinds = {r["Type"] for r in synthesized.template["Resources"].values()}
    assert {"AWS::Serverless::Function", "AWS::Serverless::Api"} <= kinds
    assert not kinds & {"AWS::Lambda::Function", "AWS::ApiGateway::RestApi", "AWS::ApiGateway::Stage"}


def test_every_function_is_traced_and_logs_to_a_group_with_a_retention(synthesized: Synthesized):
    groups = {
        g["Properties"]["LogGroupName"]: g["Properties"]
        for g in synthesized.resources("AWS::Logs::LogGroup").values()
    }
    functions = synthesized.resources("AWS::Serverless::Function")
    assert len(functions) == len(FUNCTIONS)
    for logical_id, function in functions.items():
        props = function["Properties"]
        assert props["Tracing"] == "Active", logical_id
        # Lambda writes to /aws/lambda/<name>; made by the stack, it expires (else: kept forever).
        assert groups[f"/aws/lambda/{props['FunctionName']}"]["RetentionInDays"] == 30, logical_id


def test_inbound_mail_cannot_starve_the_api(synthesized: Synthesized):
    functions = synthesized.resources("AWS::Serverless::Function")
    reserved = {
        logical_id: f["Properties"]["ReservedConcurrentExecutions"]
        for logical_id, f in functions.items()
        if "ReservedConcurrentExecutions" in f["Properties"]
    }
    # A flood of mail runs at most 10 ingestions at once (the rest wait in Lambda's async queue);
    # only the inbound function reserves any, so the API's functions share all the rest.
    assert reserved == {"InboundEmail": INBOUND_RESERVED_CONCURRENCY}
    assert synthesized.settings.inbound_reserved_concurrency == INBOUND_RESERVED_CONCURRENCY == 10


def test_a_new_account_can_deploy_without_a_reservation(tmp_path: Path):
    """A concurrency quota below 110 (new accounts: 10-50) takes `inbound_reserved_concurrency: 0`."""
    from infra.synth import build

    app, stack = build(parse({**CONFIG, "inbound_reserved_concurrency": 0}), tmp_path)
    path = Path(app.synth().get_stack_artifact(stack.artifact_id).template_full_path)
    template = json.loads(path.read_text())
    for logical_id, resource in template["Resources"].items():
        assert "ReservedConcurrentExecutions" not in resource.get("Properties", {}), logical_id


def test_every_log_group_of_the_stack_expires(synthesized: Synthesized):
    for logical_id, group in synthesized.resources("AWS::Logs::LogGroup").items():
        assert group["Properties"].get("RetentionInDays"), logical_id


def test_the_api_stage_is_throttled_traced_and_access_logged(synthesized: Synthesized):
    api = synthesized.template["Resources"]["RestAPI"]
    props = api["Properties"]
    assert props["MethodSettings"][0] == {
        "ResourcePath": "/*",
        "HttpMethod": "*",
        "ThrottlingRateLimit": 25,
        "ThrottlingBurstLimit": 50,
    }
    assert props["TracingEnabled"] is True
    destination = props["AccessLogSetting"]["DestinationArn"]["Fn::GetAtt"][0]
    assert synthesized.template["Resources"][destination]["Properties"]["RetentionInDays"] == 30
    fields = json.loads(props["AccessLogSetting"]["Format"])
    assert fields["requestId"] == "$context.requestId"  # API Gateway requires it
    assert fields["resource"] == "$context.resourcePath"
    # The path itself would write customers' link tokens (/t/<token>) into the log.
    assert "$context.path" not in props["AccessLogSetting"]["Format"]


def test_api_gateway_may_write_logs_before_the_stage_is_made(synthesized: Synthesized):
    (account_id, account), *others = synthesized.resources("AWS::ApiGateway::Account").items()
    assert not others
    assert account_id in synthesized.template["Resources"]["RestAPI"]["DependsOn"]
    assert account["DeletionPolicy"] == "Retain"  # an account-wide setting other APIs may rely on
    role = synthesized.template["Resources"][account["Properties"]["CloudWatchRoleArn"]["Fn::GetAtt"][0]]
    assert role["DeletionPolicy"] == "Retain"
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "apigateway.amazonaws.com"
    }
    assert "AmazonAPIGatewayPushToCloudWatchLogs" in json.dumps(role["Properties"]["ManagedPolicyArns"])
