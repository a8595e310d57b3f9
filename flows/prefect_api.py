"""One Prefect API for a flow run and all of its worker processes.

With no `PREFECT_API_URL`, Prefect starts a temporary local server for the process that runs the flow.
Worker processes spawned by the process-pool task runner do not learn its address from the environment,
and each one starts a server of its own when it flushes events at exit: two more servers per batch, seconds
of CPU on a two-core machine. So the flow's process starts the temporary server itself, as early as it
can (the CLI does so before it has even imported Prefect), and hands its address to the workers through
the environment. A configured server (`prefect server start`, as for the nightly schedule) is used as it is.

The server is the one Prefect would start (`uvicorn prefect.server.api.server:create_app`, UI off, the
same environment); starting it here spares the flow's process the import of the whole server application.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_lock = threading.Lock()
_server: subprocess.Popen | None = None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _configured_url() -> str | None:
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value() or None


def _launch(port: int) -> subprocess.Popen:
    # where Prefect is installed, without importing it (half a second)
    app_dir = Path(importlib.util.find_spec("prefect").submodule_search_locations[0]).parent
    env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
    env.pop("PREFECT_API_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--app-dir", str(app_dir), "--factory",
         "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "error", "--lifespan", "on"],
        env=env, stdin=subprocess.DEVNULL,
    )


def _wait_healthy(proc: subprocess.Popen, url: str, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as resp:
                if resp.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    return False


def _stop() -> None:
    if _server is not None and _server.poll() is None:
        _server.terminate()
        try:
            _server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _server.kill()


def _launch_and_wait(port: int, timeout_s: float) -> bool:
    global _server
    proc = _launch(port)
    if _wait_healthy(proc, f"http://127.0.0.1:{port}/api", timeout_s):
        _server = proc
        atexit.register(_stop)
        return True
    proc.kill()
    return False


_starting: threading.Thread | None = None
_started_ok = threading.Event()


def start_early() -> None:
    """Start the temporary server before Prefect is imported, so that every part of this process
    (flow, event and log threads) and every worker it spawns reads the same PREFECT_API_URL."""
    global _starting
    if _starting is not None or os.environ.get("PREFECT_API_URL") or "prefect.settings" in sys.modules:
        return
    port = _free_port()
    os.environ["PREFECT_API_URL"] = f"http://127.0.0.1:{port}/api"

    def run() -> None:
        if _launch_and_wait(port, 60.0):
            _started_ok.set()

    _starting = threading.Thread(target=run, name="prefect-server-start", daemon=True)
    _starting.start()


def _prefect_temporary_server() -> str:
    """Prefect's own temporary server: the one its threads fall back on once Prefect is loaded."""
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    server.start()
    return server.api_url


@contextmanager
def shared_api() -> Iterator[str]:
    """The API URL for this flow run, in this process's environment and so in the workers it spawns."""
    if _starting is not None:
        _starting.join()
        if not _started_ok.is_set():
            raise RuntimeError("the temporary Prefect server did not start; run `prefect server start` and set "
                               "PREFECT_API_URL")
    with _lock:
        url = _configured_url() or _prefect_temporary_server()
    before = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = url
    try:
        yield url
    finally:
        if before is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = before
