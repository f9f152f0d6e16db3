"""AWS clients, created on first use and reused across invocations.

Creating a boto3 client costs tens of milliseconds; doing it lazily keeps imports (cold starts,
`chalice package`, `cdk synth`) free of AWS work, and caching keeps warm invocations fast.
`AWS_ENDPOINT_URL` (read by botocore itself) points every client at the local runtime's moto.
"""

from __future__ import annotations

import functools
from typing import Any

from chalicelib.config import settings


@functools.cache
def client(service: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        service,
        region_name=settings().region,
        config=Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=20),
    )
