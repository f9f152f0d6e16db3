"""Cold-start proxy: how long `import app` takes in a fresh interpreter, next to `import boto3`."""

from __future__ import annotations

import statistics
import subprocess
import sys

RUNS = 5
_TIMER = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


def import_seconds(module: str, runs: int = RUNS) -> float:
    """Median wall time of importing `module` in a fresh interpreter (bytecode already cached)."""
    samples = [
        float(
            subprocess.run(
                [sys.executable, "-c", _TIMER.format(module=module)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        for _ in range(runs)
    ]
    return statistics.median(samples)


def report() -> None:
    app_s, boto3_s = import_seconds("app"), import_seconds("boto3")
    print("\n## Import time (median of 5 fresh interpreters)")
    print(f"import app    {app_s * 1000:7.1f} ms")
    print(f"import boto3  {boto3_s * 1000:7.1f} ms")
    print(f"ratio         {app_s / boto3_s:7.2f} x")
