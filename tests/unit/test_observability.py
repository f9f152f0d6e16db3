"""The log middleware where Lambda runs a blueprint's event function: its module alone, no app.py."""

from __future__ import annotations

import json
import subprocess
import sys

# Lambda's handler string for a blueprint function is `<module>.<function>` (aws/chalice#1566).
AS_LAMBDA_LOADS_IT = """
import json, sys
import chalicelib.handlers.inbound, chalicelib.handlers.schedules
from chalicelib.handlers.sla import sla_events
from chalicelib.observability import lambda_context
from local.invoke import LambdaContext

assert "app" not in sys.modules
handlers = (
    chalicelib.handlers.inbound.inbound_email,
    chalicelib.handlers.schedules.daily_digest,
    chalicelib.handlers.schedules.auto_close,
)
assert all(list(h.middleware_handlers) == [lambda_context] for h in handlers)
context = LambdaContext(function_name="sla_events")
context.start_attempt()
event = {"Records": [{"messageId": "m-1", "body": "not an SLA event", "eventSource": "aws:sqs"}]}
print(json.dumps(sla_events(event, context)))
"""


def test_a_blueprint_function_loaded_without_app_py_gets_the_lambda_context_on_its_lines():
    run = subprocess.run(
        [sys.executable, "-c", AS_LAMBDA_LOADS_IT], capture_output=True, text=True, timeout=60, check=False
    )
    assert run.returncode == 0, run.stderr
    *logged, answer = run.stdout.splitlines()
    assert json.loads(answer) == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    [failure] = [json.loads(line) for line in logged]
    assert failure["message"] == "SLA event failed" and failure["message_id"] == "m-1"
    assert failure["function_name"] == "sla_events" and failure["cold_start"] is True
