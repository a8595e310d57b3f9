"""One Prefect API for a flow run and all of its worker processes.

With no `PREFECT_API_URL`, Prefect starts a temporary local server for the process that runs the flow.
Worker processes spawned by the process-pool task runner do not learn its address from the environment,
and each one starts a server of its own when it flushes events at exit: two more servers per batch, seconds
of CPU on a two-core machine. So the flow's process starts (or finds) the server first and hands its address
to the workers through the environment. A configured server (`prefect server start`, as for the nightly
schedule) is used as it is.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_starting: threading.Thread | None = None


def _configured_url() -> str | None:
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value() or None


def _local_server_url() -> str:
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()  # the same instance Prefect's own client falls back on
    server.start()
    return server.api_url


def start_early() -> None:
    """Start the local server in the background while the caller does other work (discovery, checks)."""
    global _starting
    if _starting is None and not _configured_url():
        _starting = threading.Thread(target=_local_server_url, name="prefect-server-start", daemon=True)
        _starting.start()


@contextmanager
def shared_api() -> Iterator[str]:
    """The API URL for this flow run, exported to the worker processes it spawns."""
    if _starting is not None:
        _starting.join()
    url = _configured_url() or _local_server_url()
    before = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = url
    try:
        yield url
    finally:
        if before is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = before
