"""One HTTP POST to a checked address: the name resolved once, the connection made to the address
that was checked, the certificate verified for the name (SNI and Host are the name), no redirect
followed (a 3xx is a failed attempt), a 10-second timeout for connecting and for the answer.

http.client rather than urllib/requests: it resolves nothing itself once its connection function
is given the address, and follows no redirects by design.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass

from chalicelib.desk.webhooks.addresses import IPAddress, Target

TIMEOUT_S = 10.0
MAX_READ = 4096  # of the answer: only its status matters, the rest is read to reuse nothing


@dataclass(frozen=True)
class Attempt:
    status_code: int | None  # None: no HTTP answer (refused address, connection error, timeout)
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def resolve(host: str, port: int) -> list[str]:
    """Every address the name has (A and AAAA), as the system resolver answers."""
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def _connection(target: Target, address: IPAddress, timeout_s: float) -> http.client.HTTPConnection:
    def connect(_: tuple[str, int], timeout: float, source: tuple[str, int] | None = None) -> socket.socket:
        return socket.create_connection((str(address), target.port), timeout, source)

    connection: http.client.HTTPConnection
    if target.scheme == "https":
        # server_hostname (SNI, certificate check) is taken from the connection's host: the name.
        connection = http.client.HTTPSConnection(
            target.host, target.port, timeout=timeout_s, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(target.host, target.port, timeout=timeout_s)
    connection._create_connection = connect  # type: ignore[attr-defined]  # the checked address only
    return connection


def post(
    target: Target, address: IPAddress, body: bytes, headers: Mapping[str, str], timeout_s: float = TIMEOUT_S
) -> Attempt:
    started = time.monotonic()
    connection = _connection(target, address, timeout_s)
    try:
        connection.request("POST", target.path, body=body, headers={**headers, "Host": target.host_header})
        response = connection.getresponse()
        response.read(MAX_READ)
        status: int | None = response.status
        error = None
    except (OSError, http.client.HTTPException) as failure:
        status, error = None, f"{type(failure).__name__}: {failure}"[:500]
    finally:
        connection.close()
    return Attempt(status, error, int((time.monotonic() - started) * 1000))
