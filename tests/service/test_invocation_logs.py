"""Every invocation's log lines carry its Lambda context and nothing an earlier invocation appended
(chalicelib/observability.py's middleware), for event handlers and routes alike."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from urllib.parse import urlencode

import pytest
from chalice.test import Client

from chalicelib.observability import logger
from tests.mailbuilder import raw_mail
from tests.service.conftest import stored_ses_event


@pytest.fixture(scope="module")
def client():
    from app import app

    with Client(app) as test_client:
        yield test_client


@pytest.fixture
def log_lines() -> Iterator[Callable[[], list[dict]]]:
    """The JSON lines powertools writes, read back: a second handler with the logger's own formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


def test_a_key_one_invocation_appends_is_not_on_the_next_ones_lines(client, log_lines):
    event = stored_ses_event(raw_mail())
    ses_id = event["Records"][0]["ses"]["mail"]["messageId"]
    client.lambda_.invoke("inbound_email", event)  # appends ses_message_id
    client.lambda_.invoke("sla_events", client.events.generate_sqs_event(["not an SLA event"]))
    form = client.http.post(
        "/support",
        body=urlencode({"website": "http://spam.test"}),  # the honeypot: one INFO line, no ticket
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code == 200
    by_function: dict[str, list[dict]] = {}
    for line in log_lines():
        by_function.setdefault(line.get("function_name", "none"), []).append(line)
    assert set(by_function) == {"inbound_email", "sla_events", "api_handler"}
    assert [line["ses_message_id"] for line in by_function["inbound_email"]] == [ses_id]
    later = by_function["sla_events"] + by_function["api_handler"]
    assert [line["message"] for line in later] == ["SLA event failed", "request form honeypot filled"]
    assert not [line for line in later if "ses_message_id" in line]
    request_ids = {line["function_request_id"] for line in log_lines()}
    assert len(request_ids) == 3  # each invocation's own context, set by the middleware
