"""The work on one file, as plain functions: extract, archive, store; or quarantine with the reason.

Prefect tasks in flows/ingest.py wrap these; keeping them free of Prefect lets them run in worker
processes and be tested directly.
"""

from __future__ import annotations

import errno
import json
import logging
import shutil
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from config.faults import fault_point
from config.settings import PIPELINE_VERSION, Settings
from extractors.errors import SohoaError
from extractors.load import display_path
from store.privacy import mask_id

log = logging.getLogger("sohoa.ingest")

# Transient failures (a locked database, a busy disk, a killed Tesseract) are retried by the task;
# these are the ones that will fail the same way every time.
PERMANENT = (SohoaError,)
_NO_SPACE = (errno.ENOSPC, errno.EDQUOT)


class DiskFullError(OSError):
    """No space left where the archival copy is written. Not the file's fault: it is not quarantined, its
    ledger row says `failed` / `disk_full`, and the same ingest run again once there is space finishes it."""

    code = "disk_full"

    @property
    def message(self) -> str:
        return self.strerror or str(self)


def is_disk_full(exc: BaseException | None) -> bool:
    """ENOSPC/EDQUOT anywhere in the exception's chain (OCRmyPDF and pikepdf wrap the OSError)."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OSError) and exc.errno in _NO_SPACE:
            return True
        if "No space left on device" in str(exc) or "Disk quota exceeded" in str(exc):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def describe_failure(exc: BaseException) -> tuple[str, str]:
    """(code, message) of a task that failed for good, for the ledger and the batch report."""
    if isinstance(exc, SohoaError):
        return exc.code, exc.message
    if isinstance(exc, DiskFullError):
        return exc.code, exc.message
    if is_disk_full(exc):
        return DiskFullError.code, f"disk full: {exc}; free some space and run the same ingest again"
    return "processing_failed", f"{type(exc).__name__}: {exc}"


@dataclass
class Outcome:
    path: str
    sha256: str
    status: str  # done | needs_review | failed | skipped_duplicate | skipped_known | skipped_not_followed
    pages: int = 0
    record_id: str | None = None
    doc_type: str | None = None
    archive_path: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    problems: int = 0
    seconds: float = 0.0

    def __post_init__(self) -> None:
        self.path = display_path(self.path)  # reports show NFC names; the file keeps its own
        if self.error_message is not None:
            self.error_message = display_path(self.error_message)  # messages quote paths too

    def to_dict(self) -> dict:
        return asdict(self)


@lru_cache(maxsize=2)
def _store(url: str, data_dir: str):
    """One store connection per worker process (migrations run once, on first use)."""
    from store.db import Store

    return Store.open(Settings(data_dir=Path(data_dir)), url=url)


def open_store(settings: Settings):
    return _store(settings.database_url, str(settings.data_dir))


def archive_path(settings: Settings, sha256: str, dossier_code: str | None) -> Path:
    """`<mã hồ sơ>.pdf` when the dossier code is known (archive naming rule), else by content hash."""
    root = settings.data_dir / "archive"
    if dossier_code:
        safe = "".join(c for c in dossier_code if c.isalnum() or c in ".-_")
        return root / "dossiers" / f"{safe}.pdf"
    return root / sha256[:2] / f"{sha256}.pdf"


def quarantine(settings: Settings, path: Path, sha256: str, code: str, message: str, batch_id: str | None) -> None:
    """Keep a copy of the original and the reason beside it; the original stays where it was.

    A full disk is not the file's fault: nothing is copied (there is no room), the ledger row says
    `failed`, which the next run retries."""
    if code == DiskFullError.code:
        if sha256:
            try:
                open_store(settings).mark_file(sha256, "failed", path=display_path(path), batch_id=batch_id,
                                               error_code=code, error_message=message)
            except Exception as exc:  # noqa: BLE001 - the store may sit on the same full disk
                log.error("could not record the failure", extra={"file": display_path(path), "reason": str(exc)[:200]})
        log.error("disk full: file left for the next run", extra={"file": display_path(path), "reason": message})
        return
    message = display_path(message)
    folder = settings.data_dir / "quarantine" / (sha256 or "unreadable")
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / display_path(path.name)
    # a file over the size limit is not copied: the quarantine must not fill the disk
    copied = path.is_file() and path.stat().st_size <= settings.max_file_bytes
    if copied and not copy.exists():
        shutil.copy2(path, copy)
    reason = {"path": display_path(path), "sha256": sha256, "code": code, "message": message,
              "batch_id": batch_id, "copied": copied, "pipeline_version": PIPELINE_VERSION,
              "at": datetime.now(UTC).isoformat()}
    (folder / "reason.json").write_text(json.dumps(reason, ensure_ascii=False, indent=1), encoding="utf-8")
    if sha256:
        open_store(settings).mark_file(sha256, "quarantined", path=display_path(path), batch_id=batch_id,
                                       error_code=code, error_message=message)


def process_file(path: Path, sha256: str, batch_id: str | None, settings: Settings) -> Outcome:
    """Load, preprocess, OCR, extract, validate, write the PDF/A copy, store the record.

    Raises for transient failures (the task retries); returns a failed Outcome, with the file
    quarantined, for permanent ones.
    """
    from archival.pdfa import ArchiveWriter
    from extractors.pipeline import extract

    fault_point("before_extract")
    t0 = time.perf_counter()
    store = open_store(settings)
    staging = settings.data_dir / "archive" / "staging" / f"{sha256}.pdf"
    writer = ArchiveWriter(staging)
    try:
        extraction = extract(path, settings, on_page=writer.add_page)
    except PERMANENT as exc:
        writer.abort()
        quarantine(settings, path, sha256, exc.code, exc.message, batch_id)
        log.warning("file set aside", extra={"file": display_path(path), "code": exc.code,
                                           "reason": display_path(exc.message)})
        return Outcome(str(path), sha256, "failed", error_code=exc.code, error_message=exc.message,
                       seconds=time.perf_counter() - t0)
    except BaseException:
        writer.abort()
        raise
    record = extraction.record
    target = archive_path(settings, sha256, record.archive.get("dossier_code"))
    streams = sys.stdout, sys.stderr
    try:
        pdfa_sha = writer.finish()  # temporary names in staging, cleaned up when it fails
        fault_point("after_archive_write")
        target.parent.mkdir(parents=True, exist_ok=True)
        staging.replace(target)  # atomic: the copy is either complete under its name or absent
    except Exception as exc:
        staging.unlink(missing_ok=True)
        if is_disk_full(exc):
            free = shutil.disk_usage(staging.parent).free // 1024
            raise DiskFullError(errno.ENOSPC, f"disk full while writing the archival copy under {staging.parent} "
                                f"({free} KiB free); nothing was stored for this file: free some space and run "
                                f"the same ingest again", str(path)) from exc
        raise
    finally:
        # pikepdf's check_linearization (called by OCRmyPDF's output check) leaves sys.stderr pointing at a
        # StringIO when the file is not linearized: the batch summary and warnings would vanish
        sys.stdout, sys.stderr = streams
    fault_point("after_archive_rename")
    record.archive.update({"pdfa_path": str(target), "pdfa_sha256": pdfa_sha})
    data = record.to_json_dict()
    data["source"]["batch_id"] = batch_id
    data["source"]["path"] = display_path(path)  # NFC like every string of the record (SCHEMA.md)
    store.save_record(data, {"sha256": sha256, "path": display_path(path), "batch_id": batch_id,
                             "size_bytes": record.source.size_bytes, "media_type": record.source.media_type})
    fault_point("after_store_save")
    status = "needs_review" if record.needs_review else "done"
    log.info("file stored", extra={"file": display_path(path), "status": status, "doc_type": record.doc_type,
                                    "number": mask_id(str(record.fields.get("doc_number", "")))})
    return Outcome(str(path), sha256, status, pages=record.source.pages or 0, record_id=record.id,
                   doc_type=record.doc_type, archive_path=str(target), problems=len(record.problems),
                   seconds=time.perf_counter() - t0)
