"""Batches launched from the web: files uploaded into the data directory or a server folder under an
allowed root, ingested by `web.batch_runner` in a child process; progress and report read from its files.

One batch runs at a time: OCR already uses every core, a second batch would only slow both down.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import secrets
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import SecretStr
from sqlalchemy import select

from config.settings import Settings
from extractors.load import SCAN_SUFFIXES
from store.db import Store
from store.users import WebBatch

log = logging.getLogger("sohoa.web")
_SAFE_NAME = re.compile(r"[^\w.\- ]+", re.UNICODE)


class BatchError(ValueError):
    """A batch that cannot be launched; the message is shown to the archivist."""


def settings_env(settings: Settings) -> dict[str, str]:
    """The settings in force as SOHOA_* variables, so the child process works on the same store,
    index and data directory as this server, however this server got its settings."""
    env: dict[str, str] = {}
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if value is None:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if isinstance(value, list | dict):
            text = json.dumps(value, default=str)
        elif isinstance(value, bool):
            text = "true" if value else "false"
        else:
            text = str(value)
        env[f"SOHOA_{name.upper()}"] = text
    return env


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


class BatchManager:
    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self.root = Path(settings.data_dir) / "web" / "batches"
        self.uploads = Path(settings.data_dir) / "web" / "uploads"
        self._procs: dict[str, subprocess.Popen[bytes]] = {}
        self._lock = threading.Lock()

    # ---- what may be ingested -----------------------------------------------------------------------

    def allowed_roots(self) -> list[Path]:
        roots = list(self.settings.web_ingest_roots) or [Path(self.settings.inbox_dir or self.settings.data_dir / "inbox")]
        return [Path(r).resolve() for r in roots]

    def check_folder(self, text: str) -> Path:
        """A server folder an archivist typed: it must exist under one of the allowed roots (a relative
        path is taken under the first root)."""
        text = (text or "").strip()
        if not text:
            raise BatchError("Hãy nhập đường dẫn thư mục trên máy chủ")
        roots = self.allowed_roots()
        path = Path(text)
        if not path.is_absolute():
            path = roots[0] / path
        try:
            resolved = path.resolve(strict=True)
        except (OSError, RuntimeError, ValueError):  # ValueError: a NUL byte in the path
            raise BatchError(f"Không tìm thấy thư mục {text}") from None
        if not any(resolved.is_relative_to(root) for root in roots):
            allowed = ", ".join(str(r) for r in roots)
            raise BatchError(f"Chỉ được chọn thư mục nằm trong: {allowed}")
        if not resolved.is_dir():
            raise BatchError(f"{text} không phải là thư mục")
        return resolved

    def new_batch_id(self) -> str:
        return f"web-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"

    def save_uploads(self, batch_id: str, files: list[tuple[str, BinaryIO]]) -> Path:
        """Copy uploaded scans into <data_dir>/web/uploads/<batch>/, names cleaned, size capped."""
        folder = self.uploads / batch_id
        folder.mkdir(parents=True, exist_ok=True)
        limit = self.settings.web_upload_max_mb * 1_000_000
        total = 0
        saved = 0
        for raw_name, stream in files:
            name = _SAFE_NAME.sub("_", Path(raw_name.replace("\\", "/")).name).strip(" .") or "scan"
            if Path(name).suffix.lower() not in SCAN_SUFFIXES:
                raise BatchError(f"{raw_name}: chỉ nhận tệp {', '.join(sorted(SCAN_SUFFIXES))}")
            target = folder / name
            n = 1
            while target.exists():
                target = folder / f"{Path(name).stem}-{n}{Path(name).suffix}"
                n += 1
            with target.open("wb") as out:
                while chunk := stream.read(1 << 20):
                    total += len(chunk)
                    if total > limit:
                        out.close()
                        target.unlink(missing_ok=True)
                        raise BatchError(f"Lô tải lên vượt quá {self.settings.web_upload_max_mb} MB")
                    out.write(chunk)
            saved += 1
        if not saved:
            raise BatchError("Hãy chọn ít nhất một tệp")
        return folder

    # ---- running ------------------------------------------------------------------------------------

    def launch(self, batch_id: str, paths: list[Path], *, who: str, source: str) -> WebBatch:
        with self._lock:
            running = [b.id for b in self.list(limit=20) if b.status == "running"]
            if running:
                raise BatchError(f"Lô {running[0]} đang chạy; hãy chờ lô này xong")
            folder = self.root / batch_id
            folder.mkdir(parents=True, exist_ok=True)
            for stale in ("status.json", "report.json"):
                (folder / stale).unlink(missing_ok=True)
            request = {"batch_id": batch_id, "paths": [str(p) for p in paths], "workers": self.settings.workers}
            (folder / "request.json").write_text(json.dumps(request, ensure_ascii=False), encoding="utf-8")
            env = {**os.environ, **settings_env(self.settings), "PYTHONUNBUFFERED": "1"}
            with (folder / "log.txt").open("ab") as logfile:
                proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                    [sys.executable, "-m", "web.batch_runner", str(folder)],
                    stdin=subprocess.DEVNULL, stdout=logfile, stderr=subprocess.STDOUT, env=env,
                    start_new_session=True,  # a restart of the web server does not kill the batch
                )
            self._procs[batch_id] = proc
            with self.store.session() as s, s.begin():
                row = s.get(WebBatch, batch_id)
                if row is None:
                    row = WebBatch(id=batch_id, created_by=who, source=source, paths=[str(p) for p in paths],
                                   status="running")
                    s.add(row)
                row.status, row.pid, row.error, row.finished_at, row.report = "running", proc.pid, None, None, None
            log.info("batch %s launched by %s (pid %s)", batch_id, who, proc.pid)
            return row

    def _alive(self, batch_id: str, pid: int | None) -> bool:
        proc = self._procs.get(batch_id)
        if proc is not None:
            return proc.poll() is None
        if not pid:
            return False
        try:  # launched before a restart of this server: is that process still our runner?
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            return False
        return b"web.batch_runner" in cmdline and batch_id.encode() in cmdline

    def _read(self, batch_id: str, name: str) -> dict[str, Any] | None:
        try:
            return json.loads((self.root / batch_id / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def log_tail(self, batch_id: str, lines: int = 15) -> str:
        try:
            text = (self.root / batch_id / "log.txt").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        from store.privacy import mask_id

        return mask_id("\n".join(text.splitlines()[-lines:]))

    def _refresh(self, row: WebBatch) -> WebBatch:
        """Settle a running row from its files: report written → done/failed; process gone → interrupted."""
        if row.status != "running":
            return row
        report = self._read(row.id, "report.json")
        if report is not None:
            status = "failed" if report.get("counts", {}).get("failed") else "done"
        elif not self._alive(row.id, row.pid):
            status = "interrupted"
        else:
            return row
        with self.store.session() as s, s.begin():
            db_row = s.get(WebBatch, row.id)
            if db_row is not None and db_row.status == "running":
                db_row.status = status
                db_row.report = report
                db_row.finished_at = datetime.now(UTC)
                db_row.error = None if report is not None else self.log_tail(row.id) or "tiến trình đã dừng"
                status_row = db_row
            else:
                status_row = db_row or row
        self._procs.pop(row.id, None)
        return status_row

    def list(self, limit: int = 50) -> list[WebBatch]:
        with self.store.session() as s:
            rows = list(s.scalars(select(WebBatch).order_by(WebBatch.created_at.desc()).limit(limit)))
        return [self._refresh(r) for r in rows]

    def get(self, batch_id: str) -> WebBatch | None:
        with self.store.session() as s:
            row = s.get(WebBatch, batch_id)
        return self._refresh(row) if row is not None else None

    def progress(self, batch_id: str) -> dict[str, Any]:
        row = self.get(batch_id)
        if row is None:
            return {}
        status = self._read(batch_id, "status.json") or {}
        return {"id": row.id, "status": row.status, "total": status.get("total"), "done": status.get("done", 0),
                "counts": status.get("counts", {}), "last": status.get("last"),
                "finished": row.status != "running"}

    def wait(self, batch_id: str, timeout: float) -> WebBatch | None:
        """For tests and the CLI: block until the batch finishes."""
        proc = self._procs.get(batch_id)
        if proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=timeout)
        return self.get(batch_id)
