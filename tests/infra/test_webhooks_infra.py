"""The webhook delivery queue in the template: FIFO with a FIFO DLQ sized for 24 hours of retries,
an alarm on the DLQ, the delivery function on it with partial batch responses and a role that
touches only this queue; the functions that queue deliveries may only send to it."""

from __future__ import annotations

from chalicelib.desk.webhooks.retry import RETRY_WINDOW_S, backoff_s
from infra.access import FUNCTIONS
from infra.webhooks import MAX_RECEIVES, RETRY_BASE_S
from tests.infra.conftest import Synthesized


def _queues(synthesized: Synthesized) -> tuple[str, dict, str, dict]:
    queues = synthesized.resources("AWS::SQS::Queue")
    [(dlq_id, dlq)] = [(k, q) for k, q in queues.items() if k.startswith("WebhooksDeliveriesDlq")]
    [(queue_id, queue)] = [
        (k, q) for k, q in queues.items() if k.startswith("WebhooksDeliveries") and k != dlq_id
    ]
    return queue_id, queue["Properties"], dlq_id, dlq["Properties"]


def test_the_queue_is_fifo_with_a_fifo_dlq_after_a_days_retries(synthesized: Synthesized):
    _, queue, dlq_id, dlq = _queues(synthesized)
    assert queue["FifoQueue"] is True and dlq["FifoQueue"] is True
    assert queue["SqsManagedSseEnabled"] is True and dlq["SqsManagedSseEnabled"] is True
    assert queue["MessageRetentionPeriod"] == dlq["MessageRetentionPeriod"] == 14 * 86400
    redrive = queue["RedrivePolicy"]
    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": [dlq_id, "Arn"]}
    assert redrive["maxReceiveCount"] == MAX_RECEIVES == 12
    waits = [backoff_s(n, RETRY_BASE_S) for n in range(1, MAX_RECEIVES)]
    assert sum(waits) >= RETRY_WINDOW_S  # the last attempt is at least a day after the first
    function = synthesized.resources("AWS::Serverless::Function")["WebhookDeliveries"]["Properties"]
    assert queue["VisibilityTimeout"] >= function["Timeout"] == 120


def test_the_delivery_function_is_wired_with_partial_batch_responses(synthesized: Synthesized):
    queue_id, *_ = _queues(synthesized)
    mappings = synthesized.resources("AWS::Lambda::EventSourceMapping").values()
    [mapping] = [m for m in mappings if m["Properties"]["FunctionName"] == {"Ref": "WebhookDeliveries"}]
    assert mapping["Properties"]["EventSourceArn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["Properties"]["BatchSize"] == 5


def test_only_the_delivery_function_reads_the_queue_and_only_the_queuers_send(synthesized: Synthesized):
    queue_id, *_ = _queues(synthesized)
    functions = synthesized.resources("AWS::Serverless::Function")
    policies = synthesized.resources("AWS::IAM::Policy").values()
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
        expected = []
        if access.delivers_webhooks:
            expected += [
                "sqs:ChangeMessageVisibility",
                "sqs:DeleteMessage",
                "sqs:GetQueueAttributes",
                "sqs:ReceiveMessage",
            ]
        if access.queues_webhooks:
            expected += ["sqs:SendMessage"]
        assert actions == sorted(expected), access.name
    assert {a.name for a in FUNCTIONS if a.delivers_webhooks} == {"webhook_deliveries"}


def test_the_dlq_has_an_alarm_and_every_function_knows_the_queue_but_not_loopback(synthesized: Synthesized):
    _, _, dlq_id, _ = _queues(synthesized)
    alarms = synthesized.resources("AWS::CloudWatch::Alarm").values()
    [alarm] = [a for a in alarms if dlq_id in str(a["Properties"].get("Dimensions"))]
    assert alarm["Properties"]["Threshold"] == 0 and alarm["Properties"]["AlarmActions"]
    for logical_id, function in synthesized.resources("AWS::Serverless::Function").items():
        variables = function["Properties"]["Environment"]["Variables"]
        assert "HELPDESK_WEBHOOK_QUEUE_URL" in variables, logical_id
        # Loopback (http) webhooks are the local runtime's and in-process tests' only.
        assert "HELPDESK_WEBHOOK_ALLOW_LOOPBACK" not in variables, logical_id
        assert "HELPDESK_WEBHOOK_RETRY_BASE_SECONDS" not in variables, logical_id
