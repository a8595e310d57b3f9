"""`sohoa check`: the sanity checker of store, archive and index (after paperless-ngx's).

It only reads. Each finding names the record or file, what is wrong and what to do about it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from config.settings import Settings
from extractors.load import find_original, sha256_file


@dataclass
class Finding:
    severity: str  # "error" (data at risk or inconsistent) | "warning" (worth a look)
    kind: str
    subject: str
    message: str


@dataclass
class CheckReport:
    records: int = 0
    archive_files: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    def add(self, severity: str, kind: str, subject: str, message: str) -> None:
        self.findings.append(Finding(severity, kind, subject, message))


def check_archive(store, settings: Settings, report: CheckReport, verify_checksums: bool) -> None:
    archive_root = settings.data_dir / "archive"
    referenced: set[Path] = set()
    for rec in store.iter_records():
        report.records += 1
        rid = rec["id"]
        arch = rec.get("archive") or {}
        pdfa = arch.get("pdfa_path")
        if not pdfa:
            report.add("warning", "no_archive_copy", rid, "record has no archival PDF/A copy (reprocess it)")
            continue
        path = Path(pdfa)
        referenced.add(path.resolve())
        if not path.is_file():
            report.add("error", "archive_missing", rid, f"archival copy {path} is missing")
        elif verify_checksums and arch.get("pdfa_sha256") and sha256_file(path) != arch["pdfa_sha256"]:
            report.add("error", "checksum_mismatch", rid, f"archival copy {path} does not match its recorded sha256")
        src = (rec.get("source") or {}).get("path")
        if src and find_original(src) is None:
            report.add("warning", "original_moved", rid, f"original {src} is no longer at its recorded path")
    if archive_root.is_dir():
        for path in archive_root.rglob("*"):
            if not path.is_file():
                continue
            if path.name.startswith(".sohoa-") or "staging" in path.relative_to(archive_root).parts:
                report.add("warning", "leftover_temporary", str(path),
                           "temporary file of an interrupted write (safe to delete when no batch runs)")
                continue
            report.archive_files += 1
            if path.resolve() not in referenced:
                report.add("error", "orphan_archive_file", str(path), "archival file that no record refers to")


def check_ledger(store, report: CheckReport) -> None:
    record_ids = set(store.iter_record_ids())
    for entry in store.files():
        if entry.status in ("done", "needs_review") and entry.record_id and entry.record_id not in record_ids:
            report.add("error", "ledger_without_record", entry.path,
                       f"ledger says {entry.status} but record {entry.record_id[:12]}… is absent")
        if entry.status == "pending":
            report.add("warning", "unfinished_file", entry.path,
                       "file of an interrupted batch: run the same ingest again to finish it")
        if entry.status == "failed":  # e.g. disk_full: not the file's fault, the next run retries it
            report.add("warning", "unfinished_file", entry.path,
                       f"failed ({entry.error_code}: {entry.error_message}): run the same ingest again to finish it")


def check_index(store, settings: Settings, report: CheckReport) -> None:
    from search.base import open_backend

    try:
        with open_backend(settings) as backend:
            agreement = backend.verify(store)
    except Exception as exc:  # noqa: BLE001 - an unreachable index is itself the finding
        report.add("error", "index_unavailable", settings.search_backend, f"{type(exc).__name__}: {exc}")
        return
    for rid in agreement.missing:
        report.add("error", "missing_from_index", rid, "record not in the search index (run `sohoa reindex`)")
    for rid in agreement.extra:
        report.add("error", "orphan_in_index", rid, "index entry without a record (run `sohoa reindex`)")


def run_check(settings: Settings, verify_checksums: bool = True) -> CheckReport:
    from store.db import Store

    report = CheckReport()
    with Store.open(settings) as store:
        check_archive(store, settings, report, verify_checksums)
        check_ledger(store, report)
        check_index(store, settings, report)
    return report
