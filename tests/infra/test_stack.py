"""Assertions on the synthesized template: every resource of issue #5, scoped and encrypted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from infra.access import EVERY_TABLE, FUNCTIONS, READ_ACTIONS, TABLE_ACTIONS
from infra.tables import table_specs
from tests.infra.conftest import Synthesized

REQUIRED_ENV = (
    "HELPDESK_STAGE",
    "HELPDESK_TABLE_PREFIX",
    "HELPDESK_MAIL_BUCKET",
    "HELPDESK_MAILBOXES",
    "HELPDESK_USER_POOL_ID",
    "HELPDESK_USER_POOL_CLIENT_ID",
    "HELPDESK_SLA_STATE_MACHINE_ARN",
    "HELPDESK_SLA_QUEUE_URL",
    "HELPDESK_PUBLIC_URL",
    "HELPDESK_AUTO_CLOSE_DAYS",
    "HELPDESK_RAW_MAIL_RETENTION_DAYS",
)


def _only(resources: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    assert len(resources) == 1, list(resources)
    return next(iter(resources.items()))


def _policy_of(synth: Synthesized, role_id: str) -> list[dict[str, Any]]:
    policies = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in synth.resources("AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
    ]
    assert len(policies) == 1, role_id
    return policies[0]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _role_id(function: dict[str, Any]) -> str:
    return function["Properties"]["Role"]["Fn::GetAtt"][0]


def _text(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def test_cdk_nag_aws_solutions_has_no_unsuppressed_finding(synthesized: Synthesized):
    assert synthesized.nag_errors == []


def test_cfn_lint_is_clean(synthesized: Synthesized):
    result = subprocess.run(
        [str(Path(sys.executable).with_name("cfn-lint")), str(synthesized.template_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _machine(synthesized: Synthesized, name: str) -> dict[str, Any]:
    machines = synthesized.resources("AWS::StepFunctions::StateMachine").values()
    (machine,) = [m for m in machines if m["Properties"]["StateMachineName"] == f"helpdesk-test-{name}"]
    return machine


def test_state_machine_definition_is_the_file_byte_for_byte(synthesized: Synthesized):
    from chalicelib.sla.timer import DEFINITION_PATH

    assert len(synthesized.resources("AWS::StepFunctions::StateMachine")) == 2
    machine = _machine(synthesized, "sla-timer")
    assert machine["Properties"]["StateMachineType"] == "STANDARD"
    definition = machine["Properties"]["DefinitionString"]
    assert isinstance(definition, str)
    assert definition.encode("utf-8") == DEFINITION_PATH.read_bytes()


def test_state_machine_role_allows_only_its_two_integrations(synthesized: Synthesized):
    machine = _machine(synthesized, "sla-timer")
    statements = _policy_of(synthesized, machine["Properties"]["RoleArn"]["Fn::GetAtt"][0])
    tickets = next(k for k, r in synthesized.resources("AWS::DynamoDB::Table").items() if "Tickets" in k)
    sla_queue = next(k for k in synthesized.resources("AWS::SQS::Queue") if k.startswith("QueuesSlaEvents3"))
    assert [(s["Action"], s["Resource"]) for s in statements] == [
        ("dynamodb:UpdateItem", {"Fn::GetAtt": [tickets, "Arn"]}),
        ("sqs:SendMessage", {"Fn::GetAtt": [sla_queue, "Arn"]}),
    ]


def test_the_follow_up_timer_is_its_file_and_may_only_send_to_the_sla_queue(synthesized: Synthesized):
    from chalicelib.desk.follow_up.timer import DEFINITION_PATH

    machine = _machine(synthesized, "follow-up-timer")
    assert machine["Properties"]["StateMachineType"] == "STANDARD"
    assert machine["Properties"]["DefinitionString"].encode("utf-8") == DEFINITION_PATH.read_bytes()
    statements = _policy_of(synthesized, machine["Properties"]["RoleArn"]["Fn::GetAtt"][0])
    sla_queue = next(k for k in synthesized.resources("AWS::SQS::Queue") if k.startswith("QueuesSlaEvents3"))
    assert [(s["Action"], s["Resource"]) for s in statements] == [
        ("sqs:SendMessage", {"Fn::GetAtt": [sla_queue, "Arn"]}),
    ]
    # Only the API starts follow-up timers (an agent snoozes or dates a ticket), on that machine only.
    functions = synthesized.resources("AWS::Serverless::Function")
    machine_id = next(
        k for k, m in synthesized.resources("AWS::StepFunctions::StateMachine").items() if m is machine
    )
    for access in FUNCTIONS:
        statements = {s["Sid"]: s for s in _policy_of(synthesized, _role_id(functions[access.logical_id]))}
        assert ("StartFollowUpTimers" in statements) == access.starts_follow_up_timers, access.name
        if access.starts_follow_up_timers:
            started = statements["StartFollowUpTimers"]
            assert started["Action"] == "states:StartExecution"
            assert started["Resource"] == {"Fn::GetAtt": [machine_id, "Arn"]}
        env = functions[access.logical_id]["Properties"]["Environment"]["Variables"]
        assert env["HELPDESK_FOLLOW_UP_STATE_MACHINE_ARN"] == {"Fn::GetAtt": [machine_id, "Arn"]}
    assert [a.name for a in FUNCTIONS if a.starts_follow_up_timers] == ["api_handler"]


def test_every_model_has_its_table_keys_indexes_and_ttl(synthesized: Synthesized):
    tables = {
        t["Properties"]["TableName"]: t["Properties"]
        for t in synthesized.resources("AWS::DynamoDB::Table").values()
    }
    specs = table_specs()
    assert sorted(tables) == sorted(f"helpdesk-test-{spec.short_name}" for spec in specs)
    for spec in specs:
        table = tables[f"helpdesk-test-{spec.short_name}"]
        assert table["BillingMode"] == "PAY_PER_REQUEST"
        assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        keys = [{"AttributeName": spec.hash_key[0], "KeyType": "HASH"}]
        if spec.range_key:
            keys.append({"AttributeName": spec.range_key[0], "KeyType": "RANGE"})
        assert table["KeySchema"] == keys
        built = {index["IndexName"]: index for index in table.get("GlobalSecondaryIndexes", [])}
        assert sorted(built) == sorted(index.name for index in spec.indexes)
        for index in spec.indexes:
            assert built[index.name]["KeySchema"][0]["AttributeName"] == index.hash_key[0]
            assert (built[index.name]["KeySchema"][1]["AttributeName"] if index.range_key else None) == (
                index.range_key[0] if index.range_key else None
            )
            assert built[index.name]["Projection"] == index.projection
        types = {d["AttributeName"]: d["AttributeType"] for d in table["AttributeDefinitions"]}
        for attribute, kind in [spec.hash_key, *filter(None, [spec.range_key])]:
            assert types[attribute] == kind
        ttl = table.get("TimeToLiveSpecification")
        assert ttl == ({"AttributeName": spec.ttl_attribute, "Enabled": True} if spec.ttl_attribute else None)


def test_every_index_the_code_queries_exists(synthesized: Synthesized):
    from chalicelib.models import ALL_MODELS

    built = {
        t["Properties"]["TableName"]: {
            i["IndexName"] for i in t["Properties"].get("GlobalSecondaryIndexes", [])
        }
        for t in synthesized.resources("AWS::DynamoDB::Table").values()
    }
    for model in ALL_MODELS:
        short = next(s.short_name for s in table_specs() if model.Meta.table_name.endswith(s.short_name))
        assert set(model._indexes) == built[f"helpdesk-test-{short}"]


def test_each_function_has_its_own_role_and_the_settings_it_reads(synthesized: Synthesized):
    functions = synthesized.resources("AWS::Serverless::Function")
    assert sorted(functions) == sorted(a.logical_id for a in FUNCTIONS)
    roles = {_role_id(f) for f in functions.values()}
    assert len(roles) == len(FUNCTIONS)
    for access in FUNCTIONS:
        props = functions[access.logical_id]["Properties"]
        assert props["FunctionName"] == f"helpdesk-test-{access.name}"
        env = props["Environment"]["Variables"]
        assert set(REQUIRED_ENV) <= set(env)
        assert env["HELPDESK_TABLE_PREFIX"] == "helpdesk-test-"
        assert env["HELPDESK_MAILBOXES"] == synthesized.settings.mailboxes_env
        # Every function, the API's own included, links to the root of the web domain.
        assert env["HELPDESK_PUBLIC_URL"] == "https://help.example.com"
        assert env["HELPDESK_AUTO_CLOSE_DAYS"] == "7"
        assert env["HELPDESK_RAW_MAIL_RETENTION_DAYS"] == "30"  # what the lifecycle rule deletes after


def test_only_signing_functions_read_the_signing_key(synthesized: Synthesized):
    # An SSM SecureString made before the first deployment (CloudFormation cannot make one):
    # standard tier, free; a Secrets Manager secret would be $0.40 a month while idle.
    assert synthesized.resources("AWS::SecretsManager::Secret") == {}
    assert synthesized.resources("AWS::SSM::Parameter") == {}
    functions = synthesized.resources("AWS::Serverless::Function")
    signers = {a.logical_id for a in FUNCTIONS if a.reads_signing_key}
    # The agents' and the public pages (CSRF, links), the acknowledgement, the closing notice and
    # the time rules' mails (the hourly run): each carries the status link.
    assert signers == {"APIHandler", "PublicHandler", "InboundEmail", "AutoClose", "DailyDigest"}
    for access in FUNCTIONS:
        env = functions[access.logical_id]["Properties"]["Environment"]["Variables"]
        assert "HELPDESK_SECRET_KEY" not in env
        statements = _policy_of(synthesized, _role_id(functions[access.logical_id]))
        reads = [s for s in statements if "ssm:GetParameter" in _as_list(s["Action"])]
        if access.logical_id not in signers:
            assert "HELPDESK_SIGNING_KEY_PARAMETER" not in env, access.name
            assert not reads and "ssm:" not in _text(statements), access.name
            continue
        assert env["HELPDESK_SIGNING_KEY_PARAMETER"] == "/helpdesk-test/signing-key"
        assert reads == [
            {
                "Sid": "ReadSigningKey",
                "Action": "ssm:GetParameter",
                "Effect": "Allow",
                "Resource": {
                    "Fn::Join": [
                        "",
                        [
                            "arn:",
                            {"Ref": "AWS::Partition"},
                            ":ssm:",
                            {"Ref": "AWS::Region"},
                            ":",
                            {"Ref": "AWS::AccountId"},
                            ":parameter/helpdesk-test/signing-key",
                        ],
                    ]
                },
            }
        ], access.name
        # The key no longer lives in the counters table: signing alone is no reason to grant it.
    assert "TablesCounters" not in _text(
        next(s for s in _policy_of(synthesized, _role_id(functions["AutoClose"])) if s["Sid"] == "Tables")
    )


def test_function_policies_match_the_access_map_with_no_wildcard_action(synthesized: Synthesized):
    functions = synthesized.resources("AWS::Serverless::Function")
    for access in FUNCTIONS:
        statements = {s["Sid"]: s for s in _policy_of(synthesized, _role_id(functions[access.logical_id]))}
        for statement in statements.values():
            assert statement["Effect"] == "Allow"
            assert all("*" not in action for action in _as_list(statement["Action"]))
            if statement["Sid"] not in ("VerifyMailDomains", "Tracing"):
                assert "*" not in _as_list(statement["Resource"]), statement
        assert sorted(statements["Tables"]["Action"]) == sorted(TABLE_ACTIONS)
        granted = _text(statements["Tables"]["Resource"])
        for name in EVERY_TABLE:
            logical = f"Tables{name.title()}".replace("_", "")  # CDK drops the underscore from ids
            assert (logical in granted) == (name in access.tables), (access.name, name)
        if access.read_tables:
            assert sorted(statements["ReadTables"]["Action"]) == sorted(READ_ACTIONS)
            read = _text(statements["ReadTables"]["Resource"])
            for name in EVERY_TABLE:
                logical = f"Tables{name.title()}".replace("_", "")
                assert (logical in read) == (name in access.read_tables), (access.name, name)
        else:
            assert "ReadTables" not in statements
        assert "/index/*" not in granted
        prefixes = {
            "ReadMail": access.reads,
            "WriteMail": access.writes,
        }
        for sid, wanted in prefixes.items():
            got = (
                [r["Fn::Join"][1][1] for r in _as_list(statements[sid]["Resource"])]
                if sid in statements
                else []
            )
            assert sorted(got) == sorted(f"/{prefix}*" for prefix in wanted), (access.name, sid)
        assert ("ManageAgents" in statements) == access.manages_agents
        assert ("ConsumeSlaEvents" in statements) == access.consumes_sla_events
        assert ("OnFailureDestination" in statements) == access.fails_to_queue
        assert ("StartTimers" in statements) == access.starts_timers
        assert ("ReadSigningKey" in statements) == access.reads_signing_key
        assert ("DeliverWebhooks" in statements) == access.delivers_webhooks
        assert ("QueueWebhooks" in statements) == access.queues_webhooks
        if access.starts_timers:
            assert statements["StartTimers"]["Action"] == "states:StartExecution"
        assert statements["Tracing"] == {
            "Sid": "Tracing",
            "Action": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"],
            "Effect": "Allow",
            "Resource": "*",
        }
        assert ("SendMail" in statements) == access.sends_mail, access.name
        if access.sends_mail:
            assert statements["SendMail"]["Action"] == "ses:SendEmail"
            assert "*" not in _text(statements["SendMail"]["Resource"]).replace("${AWS::", "")
        assert ("ReadTicketEvents" in statements) == access.consumes_ticket_events
        assert ("TicketEventFailures" in statements) == access.consumes_ticket_events
    api = {s["Sid"]: s for s in _policy_of(synthesized, _role_id(functions["APIHandler"]))}
    assert api["VerifyMailDomains"] == {
        "Sid": "VerifyMailDomains",
        "Action": "ses:VerifyDomainIdentity",
        "Effect": "Allow",
        "Resource": "*",
    }


def test_no_policy_anywhere_grants_a_wildcard_action(synthesized: Synthesized):
    for kind in (
        "AWS::IAM::Policy",
        "AWS::S3::BucketPolicy",
        "AWS::SQS::QueuePolicy",
        "AWS::SNS::TopicPolicy",
    ):
        for policy in synthesized.resources(kind).values():
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                actions = _as_list(statement["Action"])
                # The TLS-only guards deny every action over plain HTTP: that wildcard is the point.
                if statement["Effect"] == "Deny":
                    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
                    continue
                assert all(not a.endswith("*") for a in actions), statement


def test_mail_bucket_is_private_encrypted_tls_only_and_ses_writes_inbound_only(synthesized: Synthesized):
    buckets = synthesized.resources("AWS::S3::Bucket")
    mail_id, mail = next((k, b) for k, b in buckets.items() if k.startswith("MailBucket"))
    props = mail["Properties"]
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0][
        "ServerSideEncryptionByDefault"
    ] == {"SSEAlgorithm": "AES256"}
    rules = {rule.get("Id"): rule for rule in props["LifecycleConfiguration"]["Rules"]}
    assert rules["raw-mail-retention"]["Prefix"] == "inbound/"
    assert rules["raw-mail-retention"]["ExpirationInDays"] == 30
    assert "LoggingConfiguration" in props
    policy = next(
        p
        for p in synthesized.resources("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": mail_id}
    )
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for s in statements
    )
    ses = next(s for s in statements if s.get("Sid") == "AllowSesInboundOnly")
    assert ses["Principal"] == {"Service": "ses.amazonaws.com"}
    assert ses["Action"] == "s3:PutObject"
    assert ses["Resource"]["Fn::Join"][1][1] == "/inbound/*"
    assert ses["Condition"]["StringEquals"] == {"AWS:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert "receipt-rule-set/helpdesk-test-inbound:receipt-rule/*" in _text(ses["Condition"]["ArnLike"])


def test_one_receipt_rule_per_mail_domain_storing_then_invoking(synthesized: Synthesized):
    _, rule_set = _only(synthesized.resources("AWS::SES::ReceiptRuleSet"))
    assert rule_set["Properties"]["RuleSetName"] == "helpdesk-test-inbound"
    rules = sorted(
        synthesized.resources("AWS::SES::ReceiptRule").values(), key=lambda r: "After" in r["Properties"]
    )
    assert [r["Properties"]["Rule"]["Recipients"] for r in rules] == [["example.com"], ["eu.example.com"]]
    for rule in rules:
        body = rule["Properties"]["Rule"]
        assert body["Enabled"] is True
        assert body["ScanEnabled"] is True
        assert body["TlsPolicy"] == "Require"
        s3_action, lambda_action = body["Actions"]
        assert s3_action["S3Action"]["ObjectKeyPrefix"] == "inbound/"
        assert lambda_action["LambdaAction"]["InvocationType"] == "Event"
        assert lambda_action["LambdaAction"]["FunctionArn"] == {"Fn::GetAtt": ["InboundEmail", "Arn"]}
    permission = next(
        p
        for p in synthesized.resources("AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == "ses.amazonaws.com"
    )["Properties"]
    assert permission["FunctionName"] == {"Fn::GetAtt": ["InboundEmail", "Arn"]}
    assert permission["SourceAccount"] == {"Ref": "AWS::AccountId"}


def test_sending_identities_with_dkim_and_a_configuration_set(synthesized: Synthesized):
    identities = synthesized.resources("AWS::SES::EmailIdentity").values()
    assert sorted(i["Properties"]["EmailIdentity"] for i in identities) == ["eu.example.com", "example.com"]
    for identity in identities:
        assert identity["Properties"]["DkimAttributes"] == {"SigningEnabled": True}
        assert identity["Properties"]["DkimSigningAttributes"] == {"NextSigningKeyLength": "RSA_2048_BIT"}
        assert "ConfigurationSetAttributes" in identity["Properties"]
    _, config_set = _only(synthesized.resources("AWS::SES::ConfigurationSet"))
    # Opportunistic TLS by default: a reply to a server without TLS is delivered, not bounced.
    assert config_set["Properties"]["DeliveryOptions"] == {"TlsPolicy": "OPTIONAL"}


def test_outbound_tls_can_be_required():
    from aws_cdk import App, Stack
    from aws_cdk.assertions import Template

    from infra.mail import SendingIdentities

    stack = Stack(App(), "Mail")
    SendingIdentities(stack, "Sending", prefix="p-", domains=("example.com",), outbound_tls="require")
    Template.from_stack(stack).has_resource_properties(
        "AWS::SES::ConfigurationSet", {"DeliveryOptions": {"TlsPolicy": "REQUIRE"}}
    )


def test_queues_have_dead_letters_and_the_handlers_are_wired(synthesized: Synthesized):
    queues = synthesized.resources("AWS::SQS::Queue")
    for queue in queues.values():
        assert queue["Properties"]["SqsManagedSseEnabled"] is True
    sla = next(q for k, q in queues.items() if k.startswith("QueuesSlaEvents3"))
    assert sla["Properties"]["RedrivePolicy"]["maxReceiveCount"] == 5
    mappings = synthesized.resources("AWS::Lambda::EventSourceMapping").values()
    [mapping] = [m for m in mappings if m["Properties"]["FunctionName"] == {"Ref": "SlaEvents"}]
    assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert sla["Properties"]["VisibilityTimeout"] >= 6 * 60
    _, invoke = _only(synthesized.resources("AWS::Lambda::EventInvokeConfig"))
    assert invoke["Properties"]["FunctionName"] == {"Ref": "InboundEmail"}
    assert invoke["Properties"]["MaximumRetryAttempts"] == 2
    assert "QueuesInboundFailures" in _text(invoke["Properties"]["DestinationConfig"]["OnFailure"])


def test_schedules_digest_hourly_for_every_team_zone_and_close_on_weekday_mornings(
    synthesized: Synthesized,
):
    functions = synthesized.resources("AWS::Serverless::Function")
    # Hourly: each team's digest goes at 08:xx in its own calendar zone (desk.service_levels.digest).
    assert functions["DailyDigest"]["Properties"]["Events"]["DailyDigestEvent"]["Properties"] == {
        "Schedule": "cron(0 * * * ? *)"
    }
    assert functions["AutoClose"]["Properties"]["Events"]["AutoCloseEvent"]["Properties"] == {
        "Schedule": "cron(30 6 ? * MON-FRI *)"
    }


def test_cognito_pool_client_and_groups(synthesized: Synthesized):
    _, pool = _only(synthesized.resources("AWS::Cognito::UserPool"))
    assert pool["Properties"]["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["Properties"]["UsernameAttributes"] == ["email"]
    _, client = _only(synthesized.resources("AWS::Cognito::UserPoolClient"))
    assert client["Properties"]["GenerateSecret"] is False
    assert "ALLOW_USER_PASSWORD_AUTH" in client["Properties"]["ExplicitAuthFlows"]
    groups = synthesized.resources("AWS::Cognito::UserPoolGroup").values()
    assert sorted(g["Properties"]["GroupName"] for g in groups) == ["admins", "agents", "leads"]


def test_alarms_on_dead_letters_errors_and_throttles_and_a_dashboard(synthesized: Synthesized):
    alarms = synthesized.resources("AWS::CloudWatch::Alarm").values()
    by_metric: dict[str, int] = {}
    for alarm in alarms:
        by_metric[alarm["Properties"]["MetricName"]] = by_metric.get(alarm["Properties"]["MetricName"], 0) + 1
        assert alarm["Properties"]["AlarmActions"]
    errors = len([a for a in FUNCTIONS if a.alarms_on_errors])
    assert by_metric == {"ApproximateNumberOfMessagesVisible": 5, "Errors": errors, "Throttles": 1}
    assert sum(by_metric.values()) == 12  # CloudWatch's always-free 10, and two paid (docs/COST.md)
    _only(synthesized.resources("AWS::CloudWatch::Dashboard"))
    _, subscription = _only(synthesized.resources("AWS::SNS::Subscription"))
    assert subscription["Properties"] == {
        **subscription["Properties"],
        "Protocol": "email",
        "Endpoint": "ops@example.com",
    }


def test_the_ticket_event_stream_feeds_its_consumer_with_partial_failures_and_a_failure_queue(
    synthesized: Synthesized,
):
    tables = synthesized.resources("AWS::DynamoDB::Table")
    messages_id, messages = next(
        (k, t) for k, t in tables.items() if t["Properties"]["TableName"] == "helpdesk-test-messages"
    )
    assert messages["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}
    assert [
        t["Properties"]["TableName"] for t in tables.values() if "StreamSpecification" in t["Properties"]
    ] == ["helpdesk-test-messages"]
    function = synthesized.resources("AWS::Serverless::Function")["TicketEvents"]["Properties"]
    [(_, event)] = function["Events"].items()
    assert event["Type"] == "DynamoDB"
    props = event["Properties"]
    stream = {"Fn::GetAtt": [messages_id, "StreamArn"]}
    assert props["Stream"] == stream  # not the placeholder the handler module gave Chalice
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["StartingPosition"] == "LATEST" and props["BisectBatchOnFunctionError"] is True
    assert props["MaximumRetryAttempts"] == 10 and props["MaximumRecordAgeInSeconds"] == 86400
    failures = props["DestinationConfig"]["OnFailure"]["Destination"]
    assert "QueuesTicketEventFailures" in _text(failures)
    statements = {s["Sid"]: s for s in _policy_of(synthesized, _role_id({"Properties": function}))}
    assert statements["ReadTicketEvents"]["Resource"] == stream  # that stream only
    assert sorted(statements["ReadTicketEvents"]["Action"]) == [
        "dynamodb:DescribeStream",
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:ListStreams",
    ]
    assert statements["TicketEventFailures"]["Action"] == "sqs:SendMessage"
    assert "QueuesTicketEventFailures" in _text(statements["TicketEventFailures"]["Resource"])
    # Only the consumer reads the stream.
    for other in (a for a in FUNCTIONS if a.name != "ticket_events"):
        role = _role_id(synthesized.resources("AWS::Serverless::Function")[other.logical_id])
        assert "StreamArn" not in _text(_policy_of(synthesized, role)), other.name
    alarms = synthesized.resources("AWS::CloudWatch::Alarm").values()
    assert any("QueuesTicketEventFailures" in _text(a["Properties"].get("Dimensions")) for a in alarms)
