"""Notifications in the template: the notifications table with its TTL, the flush queue with a DLQ
and its alarm, the flush function on it with partial batch responses; only the ticket event
consumer and the flush function touch the queue, and only as infra/access.py says."""

from __future__ import annotations

from infra.access import FUNCTIONS
from tests.infra.conftest import Synthesized


def _queues(synthesized: Synthesized) -> tuple[str, dict, str]:
    queues = synthesized.resources("AWS::SQS::Queue")
    [(dlq_id, _)] = [(k, q) for k, q in queues.items() if k.startswith("QueuesNotificationMailDlq")]
    [(queue_id, queue)] = [
        (k, q) for k, q in queues.items() if k.startswith("QueuesNotificationMail") and k != dlq_id
    ]
    return queue_id, queue["Properties"], dlq_id


def test_the_table_keeps_notifications_for_a_while(synthesized: Synthesized):
    tables = synthesized.resources("AWS::DynamoDB::Table").values()
    [table] = [
        t["Properties"] for t in tables if t["Properties"]["TableName"] == "helpdesk-test-notifications"
    ]
    assert [k["AttributeName"] for k in table["KeySchema"]] == ["agent", "key"]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert table["BillingMode"] == "PAY_PER_REQUEST"


def test_the_flush_queue_has_a_dlq_with_an_alarm_and_feeds_the_flush_function(synthesized: Synthesized):
    queue_id, queue, dlq_id = _queues(synthesized)
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]},
        "maxReceiveCount": 5,
    }
    assert queue["SqsManagedSseEnabled"] is True
    alarms = synthesized.resources("AWS::CloudWatch::Alarm").values()
    [alarm] = [a for a in alarms if dlq_id in str(a["Properties"].get("Dimensions"))]
    assert alarm["Properties"]["Threshold"] == 0 and alarm["Properties"]["AlarmActions"]
    mappings = synthesized.resources("AWS::Lambda::EventSourceMapping").values()
    [mapping] = [m for m in mappings if m["Properties"]["FunctionName"] == {"Ref": "NotificationMail"}]
    assert mapping["Properties"]["EventSourceArn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    for function in synthesized.resources("AWS::Serverless::Function").values():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["HELPDESK_NOTIFICATION_QUEUE_URL"] == {"Ref": queue_id}


def test_only_the_consumer_and_the_flush_function_touch_the_queue(synthesized: Synthesized):
    queue_id, *_ = _queues(synthesized)
    functions = synthesized.resources("AWS::Serverless::Function")
    policies = synthesized.resources("AWS::IAM::Policy").values()
    found = {}
    for access in FUNCTIONS:
        role = functions[access.logical_id]["Properties"]["Role"]["Fn::GetAtt"][0]
        [policy] = [p for p in policies if p["Properties"]["Roles"] == [{"Ref": role}]]
        on_queue = [
            s
            for s in policy["Properties"]["PolicyDocument"]["Statement"]
            if s.get("Resource") == {"Fn::GetAtt": [queue_id, "Arn"]}
        ]
        actions = sorted(
            a for s in on_queue for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
        )
        if actions:
            found[access.name] = actions
    assert found == {
        "ticket_events": ["sqs:SendMessage"],
        "notification_mail": [
            "sqs:ChangeMessageVisibility",
            "sqs:DeleteMessage",
            "sqs:GetQueueAttributes",
            "sqs:ReceiveMessage",
            "sqs:SendMessage",
        ],
    }
    consumer = next(a for a in FUNCTIONS if a.name == "ticket_events")
    assert consumer.sends_mail and "notifications" in consumer.tables
