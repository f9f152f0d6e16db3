"""The one structured logger every function shares (powertools: JSON lines with request keys), and
the Chalice middleware that starts each invocation's log keys afresh."""

from __future__ import annotations

from aws_lambda_powertools import Logger
from chalice import ConvertToMiddleware
from chalice.app import EventSourceHandler

logger = Logger(service="helpdesk")

# The Lambda context's keys (function, request id, cold start) on every line; `clear_state` drops
# what the previous invocation appended (`logger.append_keys`), so no key outlives its invocation.
lambda_context = ConvertToMiddleware(logger.inject_lambda_context(clear_state=True))


def with_lambda_context(handler: EventSourceHandler) -> EventSourceHandler:
    """Attach `lambda_context` to a blueprint's event handler in its own module.

    Lambda runs a blueprint's event function from that module (handler
    `chalicelib.handlers.sla.sla_events`) and never imports app.py, so middleware registered there
    would not reach it (aws/chalice#1566). Wherever app.py does run, `register_blueprint` replaces
    this list with the app's middleware, which holds the same `lambda_context`: applied once either way.
    """
    handler.middleware_handlers = [lambda_context]
    return handler
