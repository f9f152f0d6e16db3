"""The Chalice app over HTTP, through chalice's own local API Gateway emulation (`chalice local`)."""

from __future__ import annotations

import functools
import json
import threading
from pathlib import Path

from chalice import Chalice
from chalice.config import Config
from chalice.local import create_local_server

STAGE = "local"


def chalice_config(project_dir: Path) -> Config:
    """The `local` stage of .chalice/config.json, as `chalice local --stage local` builds it."""
    return Config(
        chalice_stage=STAGE,
        config_from_disk=json.loads((project_dir / ".chalice" / "config.json").read_text()),
        default_params={"project_dir": str(project_dir), "api_gateway_stage": "api", "autogen_policy": True},
    )


class ApiServer:
    """chalice's threaded local server in a thread of its own; port 0 picks a free port."""

    def __init__(self, app: Chalice, config: Config, host: str, port: int) -> None:
        self._server = create_local_server(app, config, host, port)
        self.url = f"http://{host}:{self._server.server.server_address[1]}"
        serve = functools.partial(self._server.server.serve_forever, poll_interval=0.1)  # a quick Ctrl-C
        self._thread = threading.Thread(target=serve, name="http", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server.server_close()
        self._thread.join()
