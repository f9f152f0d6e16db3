"""The SLA timer definition and the names and inputs of its executions."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.sla.policy import METRICS
from chalicelib.sla.timer import DEFINITION_PATH, definition, execution_input, execution_name

SFN_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}")
STALE_ERROR = "DynamoDB.ConditionalCheckFailedException"


@pytest.fixture(scope="module")
def asl():
    return json.loads(definition())


def test_definition_is_the_file_byte_for_byte():
    assert definition().encode() == DEFINITION_PATH.read_bytes()


def test_states_warn_then_breach_and_every_transition_exists(asl):
    states = asl["States"]
    assert asl["StartAt"] == "WarningWanted"
    assert set(states) == {
        "WarningWanted",
        "WaitUntilWarning",
        "RecordWarning",
        "SendWarning",
        "WaitUntilDue",
        "RecordBreach",
        "SendBreach",
        "Stale",
    }
    targets = {s.get("Next") for s in states.values()} | {s.get("Default") for s in states.values()}
    targets |= {c["Next"] for s in states.values() for c in s.get("Choices", []) + s.get("Catch", [])}
    assert targets - {None} == set(states) - {"WarningWanted"}
    assert states["WaitUntilWarning"]["TimestampPath"] == "$.warn_at"
    assert states["WaitUntilDue"]["TimestampPath"] == "$.due_at"
    assert states["SendBreach"]["End"] is True


def test_only_direct_service_integrations(asl):
    resources = {s["Resource"] for s in asl["States"].values() if s["Type"] == "Task"}
    assert resources == {"arn:aws:states:::dynamodb:updateItem", "arn:aws:states:::sqs:sendMessage"}


@pytest.mark.parametrize(
    ("record", "alert", "kind"),
    [("RecordWarning", "warned", "warning"), ("RecordBreach", "breached", "breach")],
)
def test_records_are_conditional_on_the_version_and_stale_timers_end_quietly(asl, record, alert, kind):
    states = asl["States"]
    update = states[record]["Parameters"]
    assert "sla_version = :version" in update["ConditionExpression"]
    assert update["ExpressionAttributeNames"]["#alert.$"] == f"States.Format('sla_{alert}_{{}}', $.metric)"
    # The item's optimistic-locking version moves too, so a save from a stale read fails, not erases.
    assert "ADD #item_version :one" in update["UpdateExpression"]
    assert update["ExpressionAttributeNames"]["#item_version"] == "version"
    assert update["Key"] == {"number": {"N.$": "States.Format('{}', $.ticket_number)"}}
    assert states[record]["ResultPath"] is None
    assert states[record]["Catch"] == [{"ErrorEquals": [STALE_ERROR], "Next": "Stale"}]
    assert states["Stale"]["Type"] == "Succeed"
    message = states[states[record]["Next"]]["Parameters"]["MessageBody"]
    assert message["type"] == kind
    assert set(message) == {"type", "ticket_number.$", "metric.$", "sla_version.$", "due_at.$", "warn_at.$"}


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**15), st.sampled_from(METRICS), st.integers(0, 10**9))
def test_execution_names_are_deterministic_valid_and_distinct(number, metric, version):
    name = execution_name(number, metric, version)
    assert name == execution_name(number, metric, version)
    assert SFN_NAME.fullmatch(name)
    assert name != execution_name(number, metric, version + 1)
    assert name != execution_name(number + 1, metric, version)


@pytest.mark.parametrize(
    ("number", "metric", "version"), [(1, "reply", 1), (-1, "resolution", 1), (1, "resolution", True)]
)
def test_bad_execution_name_parts_are_refused(number, metric, version):
    with pytest.raises(ValueError):
        execution_name(number, metric, version)


def test_execution_input_carries_everything_the_definition_reads():
    data = execution_input(
        1042,
        "first_response",
        7,
        warn_at=datetime(2026, 5, 4, 9, 45, 0, tzinfo=UTC),
        due_at=datetime(2026, 5, 4, 10, 0, 1, tzinfo=UTC),
        table="helpdesk-local-tickets",
        queue_url="https://sqs.us-east-1.amazonaws.com/123456789012/sla-events",
    )
    assert data == {
        "ticket_number": 1042,
        "metric": "first_response",
        "sla_version": 7,
        "warn_at": "2026-05-04T09:45:00Z",
        "due_at": "2026-05-04T10:00:01Z",
        "table": "helpdesk-local-tickets",
        "queue_url": "https://sqs.us-east-1.amazonaws.com/123456789012/sla-events",
    }
    assert json.loads(json.dumps(data)) == data
    assert set(data) >= {path[2:] for path in re.findall(r"\$\.[a-z_]+", definition())}


def test_execution_input_without_warning_and_with_naive_times():
    due = datetime(2026, 5, 4, 10, tzinfo=UTC)
    assert (
        execution_input(1, "resolution", 1, warn_at=None, due_at=due, table="t", queue_url="q")["warn_at"]
        is None
    )
    with pytest.raises(ValueError, match="timezone-aware"):
        execution_input(
            1, "resolution", 1, warn_at=None, due_at=datetime(2026, 5, 4, 10), table="t", queue_url="q"
        )


def test_a_fraction_of_a_second_is_refused_not_cut():
    """The clock rounds due times where it computes them; the timer must not round them again."""
    due = datetime(2026, 5, 4, 10, 0, 0, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="whole seconds"):
        execution_input(1, "resolution", 1, warn_at=None, due_at=due, table="t", queue_url="q")


def test_transient_failures_are_retried_but_a_stale_condition_never_is(asl):
    for name, state in asl["States"].items():
        if state["Type"] != "Task":
            continue
        retried = {error for rule in state["Retry"] for error in rule["ErrorEquals"]}
        assert retried, name
        if state["Resource"].endswith("dynamodb:updateItem"):
            # Retry rules are tried before Catch: a catch-all here would retry a stale timer's
            # failed condition instead of ending it quietly.
            assert not retried & {STALE_ERROR, "States.ALL", "States.TaskFailed"}, name
            assert "DynamoDB.TransactionConflictException" in retried  # our writes are transactions
