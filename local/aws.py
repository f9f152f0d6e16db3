"""The embedded AWS: moto's server in this process, with Step Functions execution switched on.

This is what moto's `ThreadedMotoServer` does (a threaded werkzeug server around moto's dispatcher),
built here so one WSGI layer can count requests that may change DynamoDB or S3: the state
snapshotter saves only after writes instead of rescanning everything every few seconds.
"""

from __future__ import annotations

import functools
import http.client
import json
import os
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

_DYNAMODB_READS = ("Get", "BatchGet", "TransactGet", "Query", "Scan", "Describe", "List")


class WriteCounter:
    """A number that grows whenever a request may have changed persisted state."""

    def __init__(self) -> None:
        self.value = 0

    def bump(self) -> None:
        self.value += 1


def may_write_state(environ: dict[str, Any]) -> bool:
    """True for DynamoDB writes and S3 mutations; errs towards True (an extra save is harmless)."""
    if environ.get("REQUEST_METHOD", "GET") in ("GET", "HEAD", "OPTIONS"):
        return False
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target.startswith("DynamoDB_"):
        return not target.partition(".")[2].startswith(_DYNAMODB_READS)
    # JSON and query protocol APIs (Cognito, SES, SQS, ...) post to "/"; S3 writes name a bucket.
    return environ.get("PATH_INFO", "/") != "/"


class _CountWrites:
    def __init__(self, app: Callable[..., Iterable[bytes]], counter: WriteCounter) -> None:
        self._app, self._counter = app, counter

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if may_write_state(environ):
            self._counter.bump()
        return self._app(environ, start_response)


class _OneAtATime:
    """moto's backends are not thread-safe (a DynamoDB transaction deep-copies tables other
    threads are writing), so the embedded AWS answers one request at a time, as a whole."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._app, self._lock = app, threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with self._lock:
            return list(self._app(environ, start_response))


class EmbeddedAws:
    """moto's server on host:port (0 picks a free port, known as soon as this is constructed)."""

    def __init__(self, host: str, port: int) -> None:
        self.writes = WriteCounter()
        app = _OneAtATime(_CountWrites(DomainDispatcherApplication(create_backend_app), self.writes))
        self._server = make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)
        self.endpoint = f"http://{host}:{self._server.server_port}"
        serve = functools.partial(self._server.serve_forever, poll_interval=0.1)  # a quick Ctrl-C
        self._thread = threading.Thread(target=serve, name="moto", daemon=True)

    def start(self) -> None:
        self._thread.start()
        host, port = self._server.server_address[:2]
        connection = http.client.HTTPConnection(str(host), port, timeout=10)
        try:
            body = json.dumps({"stepfunctions": {"execute_state_machine": True}})
            connection.request("POST", "/moto-api/config", body, {"Content-Type": "application/json"})
            if connection.getresponse().status >= 300:
                raise RuntimeError("moto refused to switch on Step Functions execution")
        finally:
            connection.close()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def client_environment(endpoint: str) -> dict[str, str]:
    """What every AWS client in this process (boto3, PynamoDB) needs to talk to the embedded AWS."""
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    return {
        "AWS_ENDPOINT_URL": endpoint,
        # moto's Step Functions calls its service integrations at localhost:$MOTO_PORT (default 5000).
        "MOTO_PORT": endpoint.rpartition(":")[2],
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
    }
