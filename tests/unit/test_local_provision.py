"""The SLA resources the local runtime and the in-process tests create (local/provision.py, sandbox.py)."""

from __future__ import annotations

import boto3
from moto import mock_aws

from chalicelib.desk.follow_up import timer as follow_up_timer
from chalicelib.sla import timer
from local.provision import create_sla_resources
from local.sandbox import IN_PROCESS_ENV, STAGE


def test_in_process_settings_name_what_moto_creates_and_creating_again_reuses_it():
    with mock_aws():
        created = create_sla_resources(STAGE)
        assert created == {
            "HELPDESK_SLA_STATE_MACHINE_ARN": IN_PROCESS_ENV["HELPDESK_SLA_STATE_MACHINE_ARN"],
            "HELPDESK_SLA_QUEUE_URL": IN_PROCESS_ENV["HELPDESK_SLA_QUEUE_URL"],
            "HELPDESK_FOLLOW_UP_STATE_MACHINE_ARN": IN_PROCESS_ENV["HELPDESK_FOLLOW_UP_STATE_MACHINE_ARN"],
        }
        assert IN_PROCESS_ENV["HELPDESK_SLA_QUEUE_URL"].endswith("/123456789012/helpdesk-test-sla-events")
        assert create_sla_resources(STAGE) == created


def test_the_state_machine_is_the_timer_definition_byte_for_byte():
    with mock_aws():
        arn = create_sla_resources("unit")["HELPDESK_SLA_STATE_MACHINE_ARN"]
        described = boto3.client("stepfunctions").describe_state_machine(stateMachineArn=arn)
        assert arn.endswith(":stateMachine:helpdesk-unit-sla-timer")
        assert (described["definition"], described["type"]) == (timer.definition(), "STANDARD")


def test_the_follow_up_timer_is_its_definition_byte_for_byte():
    with mock_aws():
        arn = create_sla_resources("unit")["HELPDESK_FOLLOW_UP_STATE_MACHINE_ARN"]
        described = boto3.client("stepfunctions").describe_state_machine(stateMachineArn=arn)
        assert arn.endswith(":stateMachine:helpdesk-unit-follow-up-timer")
        assert (described["definition"], described["type"]) == (follow_up_timer.definition(), "STANDARD")
