"""Helpers for the fault tests (tests/test_faults.py, tests/test_kill_loop.py): one Prefect server for a
module, tiny scans that OCR in a second, the `sohoa` CLI as a subprocess, and a fault-injecting HTTP proxy
in front of an Elasticsearch-compatible server."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A `prefect server start` (SQLite, loopback) shared by the module's CLI runs: a run killed with
    SIGKILL takes no server down with it, and no run pays the temporary server's start-up."""
    home = tmp_path_factory.mktemp("prefect-home")
    port = free_port()
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_UI_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING"}
    env.pop("PREFECT_API_URL", None)
    log = (home / "server.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                             "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("prefect server did not start: " + (home / "server.log").read_text()[-2000:])
            time.sleep(0.3)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def cli_env(data_dir: Path, prefect_api: str, **extra: str) -> dict[str, str]:
    env = {**os.environ, "SOHOA_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT), "PREFECT_API_URL": prefect_api,
           "PREFECT_HOME": str(data_dir.parent / "prefect-client"), "OMP_THREAD_LIMIT": "1"}
    env.pop("SOHOA_FAULT_KILL_AT", None)
    env.update(extra)
    return env


def sohoa(args: list[str], env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sohoa", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


# ---- tiny scans -------------------------------------------------------------------------------------

_BASES: dict[int, Image.Image] = {}


def base_image(seed: int) -> tuple[Image.Image, int]:
    """The top third of a generated clean page (agency, number, title): one OCR pass in about a second."""
    from tests.fixtures.generator import generate_document

    if seed not in _BASES:
        doc = generate_document(seed, level="clean")
        img = doc.image.convert("L")
        _BASES[seed] = img.crop((0, 0, img.width, img.height // 3))
    return _BASES[seed], 300


def tiny_scans(folder: Path, n: int, tag: int, seeds: tuple[int, ...] = (40, 41, 42, 43)) -> list[Path]:
    """`n` distinct small scans (different bytes, so different records); `tag` makes them unique."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        img, dpi = base_image(seeds[(tag + i) % len(seeds)])
        img = img.copy()
        code = tag * 97 + i  # a tiny dot pattern in the bottom-right margin: new bytes, same text
        for bit in range(24):
            if code >> bit & 1:
                img.putpixel((img.width - 30 + bit, img.height - 8), 120)
        path = folder / f"scan-{tag:03d}-{i}.png"
        img.save(path, dpi=(dpi, dpi))
        out.append(path)
    return out


# ---- a fault-injecting proxy for the Elasticsearch API -------------------------------------------------


class FaultProxy:
    """Forwards to an Elasticsearch-compatible server. The first `whole` `_bulk` requests get the statuses
    of `statuses` in turn (429, 503...) with nothing forwarded; the next `items` `_bulk` requests have
    their first action refused with a per-item 429 (it is not forwarded, the others are)."""

    def __init__(self, upstream: str, *, whole: int = 0, statuses: tuple[int, ...] = (429,), items: int = 0) -> None:
        self.upstream = upstream.rstrip("/")
        self.whole, self.statuses, self.items = whole, statuses, items
        self.log: list[tuple[str, str, int, float]] = []  # (method, path, status answered, monotonic time)
        self.refused_items = 0
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                status, headers, payload = proxy.answer(self.command, self.path, dict(self.headers), body)
                self.send_response(status)
                for k, v in headers.items():
                    if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(k, v)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _forward(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict, bytes]:
        host = self.upstream.split("://", 1)[1]
        conn = HTTPConnection(host, timeout=30)
        keep = {k: v for k, v in headers.items() if k.lower() not in ("host", "content-length", "connection",
                                                                         "accept-encoding")}
        conn.request(method, path, body=body or None, headers=keep)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp.status, dict(resp.getheaders()), data

    def answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict, bytes]:
        bulk = method in ("POST", "PUT") and path.split("?")[0].rstrip("/").endswith("_bulk")
        with self._lock:
            n_bulk = len(self.bulk_log())
        if bulk and n_bulk < self.whole:
            status = self.statuses[n_bulk % len(self.statuses)]
            kind = "es_rejected_execution_exception" if status == 429 else "unavailable_shards_exception"
            payload = json.dumps({"error": {"type": kind, "reason": "injected by the test proxy"},
                                  "status": status}).encode()
            with self._lock:
                self.log.append((method, path, status, time.monotonic()))
            return status, {"content-type": "application/json", "x-elastic-product": "Elasticsearch"}, payload
        if bulk and n_bulk < self.whole + self.items:
            status, resp_headers, payload = self._refuse_first_item(method, path, headers, body)
        else:
            status, resp_headers, payload = self._forward(method, path, headers, body)
        with self._lock:
            self.log.append((method, path, status, time.monotonic()))
        return status, resp_headers, payload

    def _refuse_first_item(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict, bytes]:
        lines = [ln for ln in body.split(b"\n") if ln.strip()]
        actions: list[list[bytes]] = []
        i = 0
        while i < len(lines):
            op = next(iter(json.loads(lines[i])))
            n = 1 if op == "delete" else 2
            actions.append(lines[i:i + n])
            i += n
        refused, rest = actions[0], actions[1:]
        op, meta = next(iter(json.loads(refused[0]).items()))
        rejected = {op: {"_index": meta.get("_index"), "_id": meta.get("_id"), "status": 429,
                         "error": {"type": "es_rejected_execution_exception", "reason": "injected by the test proxy"}}}
        items: list[dict] = []
        status, resp_headers = 200, {"content-type": "application/json", "x-elastic-product": "Elasticsearch"}
        if rest:
            status, resp_headers, data = self._forward(method, path, headers,
                                                       b"\n".join(ln for a in rest for ln in a) + b"\n")
            if status != 200:
                return status, resp_headers, data
            items = json.loads(data)["items"]
        self.refused_items += 1
        return status, resp_headers, json.dumps({"took": 1, "errors": True, "items": [rejected, *items]}).encode()

    def bulk_log(self) -> list[tuple[int, float]]:
        """(status, time) of every `_bulk` request, in order."""
        return [(s, t) for m, p, s, t in self.log if p.split("?")[0].rstrip("/").endswith("_bulk")]


def rmtree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
