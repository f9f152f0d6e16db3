"""The local runtime itself: start-up, the SMTP receiver, the outbox, state across restarts, stopping."""

from __future__ import annotations

import json
import smtplib
import socket
import time
from pathlib import Path

import pytest
from chalice import Chalice

from local.invoke import AsyncInvoker
from tests.runtime import aws, send_mail, wait_for

pytestmark = pytest.mark.e2e
BUCKET = "helpdesk-local-mail"
COUNTERS = "helpdesk-local-counters"
# A table no background work writes (only agents do): the ticket events of earlier tests' mail keep
# writing their claims into counters for a second or two, which would rewrite its snapshot.
QUIET = "helpdesk-local-articles"


def test_banner_tells_a_user_where_everything_is(runtime):
    log = runtime.log()
    for expected in (
        runtime.http_url,
        f"127.0.0.1:{runtime.smtp_port}",
        "support@example.com",
        "team Support",
        "billing@example.com",
        f"{runtime.admin_email} / {runtime.admin_password}",
        str(runtime.outbox_dir),
    ):
        assert expected in log


def test_raw_mail_lands_in_s3_byte_for_byte(runtime):
    raw = (
        b"From: Zo\xc3\xab <zoe@customer.test>\r\n"
        b"To: support@example.com\r\n"
        b"Subject: =?utf-8?q?Caf=C3=A9?=\r\n"
        b"X-Folded: one\r\n two\r\n"
        b"\r\n"
        b".a line starting with a dot\r\n"
        b"trailing spaces   \r\n"
        b"\xff\xfe not even UTF-8\r\n"
    )
    message_id = send_mail(runtime, raw, "zoe@customer.test", ["support@example.com"])
    assert len(message_id) >= 20 and message_id.isalnum() and message_id.islower()
    stored = aws(runtime, "s3").get_object(Bucket=BUCKET, Key=f"inbound/{message_id}")["Body"].read()
    assert stored == raw


def test_mail_for_nobody_here_is_refused(runtime):
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send_mail(runtime, b"Subject: hi\r\n\r\nhello\r\n", "a@customer.test", ["someone@elsewhere.test"])
    assert refused.value.recipients["someone@elsewhere.test"][0] == 550


def test_mail_sent_through_ses_lands_in_the_outbox_unchanged(runtime):
    raw = (
        "From: Support <support@example.com>\r\nTo: ada@customer.test\r\nSubject: Grüße\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n"
        "\r\nHallo Ada, schöne Grüße.\r\n"
    ).encode()
    sent = aws(runtime, "ses").send_raw_email(RawMessage={"Data": raw})["MessageId"]
    [path] = wait_for(lambda: list(runtime.outbox_dir.glob(f"*-{sent}.eml")))
    assert path.read_bytes() == raw


def test_step_functions_executions_reach_the_embedded_dynamodb(runtime):
    """What SLA timers rely on: a state machine's direct DynamoDB integration runs."""
    definition = {
        "StartAt": "Put",
        "States": {
            "Put": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:putItem",
                "Parameters": {"TableName": COUNTERS, "Item": {"key": {"S": "e2e-sfn"}}},
                "End": True,
            }
        },
    }
    sfn = aws(runtime, "stepfunctions")
    machine = sfn.create_state_machine(
        name="e2e-put", definition=json.dumps(definition), roleArn="arn:aws:iam::123456789012:role/e2e"
    )["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=machine)["executionArn"]
    wait_for(lambda: sfn.describe_execution(executionArn=execution)["status"] != "RUNNING")
    assert sfn.describe_execution(executionArn=execution)["status"] == "SUCCEEDED"
    assert "Item" in aws(runtime, "dynamodb").get_item(TableName=COUNTERS, Key={"key": {"S": "e2e-sfn"}})


def test_a_write_is_saved_within_seconds_and_an_unchanged_state_is_not_rewritten(runtime):
    aws(runtime, "dynamodb").put_item(TableName=QUIET, Item={"slug": {"S": "e2e-snapshot"}})
    snapshot = runtime.state_dir / "dynamodb" / f"{QUIET}.json"
    wait_for(lambda: snapshot.exists() and "e2e-snapshot" in snapshot.read_text(), timeout=10)
    saved = snapshot.stat().st_mtime_ns
    aws(runtime, "dynamodb").get_item(TableName=QUIET, Key={"slug": {"S": "e2e-snapshot"}})
    time.sleep(2.5)
    assert snapshot.stat().st_mtime_ns == saved


def test_state_survives_a_restart(runtime):
    dynamodb, s3 = aws(runtime, "dynamodb"), aws(runtime, "s3")
    item = {"key": {"S": "e2e-restart"}, "value": {"N": "42"}, "blob": {"B": b"\x00\xffbinary"}}
    dynamodb.put_item(TableName=COUNTERS, Item=item)
    s3.put_object(
        Bucket=BUCKET,
        Key="e2e/kept.bin",
        Body=b"\x00kept",
        ContentType="x-test/kept",
        Metadata={"who": "e2e"},
    )
    outbox_before = sorted(p.name for p in runtime.outbox_dir.glob("*.eml"))

    runtime.restart()

    dynamodb, s3 = aws(runtime, "dynamodb"), aws(runtime, "s3")
    assert dynamodb.get_item(TableName=COUNTERS, Key={"key": {"S": "e2e-restart"}})["Item"] == item
    kept = s3.get_object(Bucket=BUCKET, Key="e2e/kept.bin")
    assert (kept["Body"].read(), kept["ContentType"], kept["Metadata"]) == (
        b"\x00kept",
        "x-test/kept",
        {"who": "e2e"},
    )
    assert sorted(p.name for p in runtime.outbox_dir.glob("*.eml")) == outbox_before


def test_sigterm_stops_everything_and_frees_the_ports(runtime):
    assert runtime.stop() == 0, runtime.log()
    for port in runtime.ports.values():
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
    runtime.start()


def test_a_failing_handler_is_retried_twice_then_dead_lettered(tmp_path: Path):
    """Lambda's async semantics, on a throwaway Chalice app (no runtime needed)."""
    app = Chalice(app_name="throwaway")
    calls = []

    @app.lambda_function(name="always_fails")
    def always_fails(event, context):
        calls.append((context.aws_request_id, context.get_remaining_time_in_millis()))
        raise RuntimeError("boom")

    invoker = AsyncInvoker(tmp_path, backoff_s=0.01)
    [handler] = app.pure_lambda_functions
    invoker.invoke(handler.name, handler, {"Records": []}, "mail-1").result(timeout=10)
    invoker.stop()
    assert len(calls) == 3 and len({request_id for request_id, _ in calls}) == 1
    assert all(remaining > 0 for _, remaining in calls)
    record = json.loads((tmp_path / "mail-1.json").read_text())
    assert (record["event"], record["attempts"], record["function"]) == ({"Records": []}, 3, "always_fails")
    assert "boom" in record["error"]
