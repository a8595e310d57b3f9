"""`sohoa import SOURCE`: an export folder back into a data directory (new, empty or in use).

1. Verify first: the manifest, every file's size and sha256, and that each record's files are listed.
   Any problem stops the import before anything is written, naming the file.
2. Records, in batches: their archival copies (and originals) are copied into the data directory
   first, under a temporary name then renamed, so a record never points at a missing file; then the
   records, with `archive.pdfa_path` rewritten to the new data directory.
3. The ledger, corrections, audit log, accounts and API tokens, with their original times.
4. The search index is rebuilt from the store, then `sohoa check` (quick) runs.

Everything is keyed (record id, sha256 + pipeline version, the corrections' and audit entries' own
content, usernames, token hashes): importing twice adds nothing, and an import killed at any point,
run again, finishes. A record the data directory already holds is replaced only by a newer one.
"""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from backup.manifest import (
    MANIFEST,
    Manifest,
    Steps,
    UsageError,
    VerificationError,
    copy_file,
    migration_heads,
    read_jsonl,
    safe_relative,
    sha256_file,
    table_path,
    verify_files,
)
from config.settings import Settings

BATCH = 500


@dataclass
class ImportReport:
    source: Path
    data_dir: Path
    manifest: Manifest
    records: Counter = field(default_factory=Counter)  # add | update | same | keep | conflict
    ledger: Counter = field(default_factory=Counter)
    corrections: Counter = field(default_factory=Counter)
    audit: Counter = field(default_factory=Counter)
    users: Counter = field(default_factory=Counter)
    copied: int = 0
    kept: int = 0
    bytes_copied: int = 0
    conflicts: list[str] = field(default_factory=list)
    index: str = ""
    check_ok: bool | None = None
    check_findings: list[tuple[str, str, str, str]] = field(default_factory=list)  # severity, kind, subject, message

    @property
    def written(self) -> int:
        return (self.records["add"] + self.records["update"] + self.ledger["add"] + self.ledger["update"]
                + self.corrections["add"] + self.audit["add"] + self.users["users_added"]
                + self.users["tokens_added"])

    @property
    def ok(self) -> bool:
        return not self.conflicts and self.check_ok is not False


def verify_backup(source: Path | str, steps: Steps | None = None) -> Manifest:
    """The export folder is complete and undamaged, and this Sohoa can read it; else VerificationError
    (UsageError when `source` is not a folder)."""
    root = Path(source).expanduser().absolute()
    if not root.is_dir():
        raise UsageError(f"{source} is not a folder")
    manifest = Manifest.load(root)
    problems = verify_files(root, manifest, steps)
    _, known = migration_heads()
    if manifest.schema_revision and manifest.schema_revision not in known:
        problems.append(f"{MANIFEST}: made by a newer Sohoa (store schema {manifest.schema_revision}, unknown "
                        f"here): upgrade Sohoa before importing")
    if not problems:  # the files are sound: do the records name only files the manifest vouches for?
        listed = manifest.file_map()
        for line in read_jsonl(root / table_path("records")):
            for key in ("archive_file", "original_file"):
                rel = line.get(key)
                if not rel:
                    continue
                if rel not in listed or not rel.startswith(("archive/", "originals/")):
                    problems.append(f"{table_path('records')}: record {line.get('id')} names {rel}, "
                                    f"which {MANIFEST} does not list")
                else:
                    try:
                        safe_relative(root, rel)
                    except VerificationError as exc:
                        problems.extend(exc.problems)
    if problems:
        raise VerificationError(problems)
    return manifest


def _rewrite(line: dict[str, Any], data_dir: Path) -> dict[str, Any]:
    """The record as it must read in this data directory: its archival copy under <data_dir>/archive;
    its original at the restored copy when it is not at its recorded path any more."""
    data = copy.deepcopy(line["data"])
    if line.get("archive_file"):
        data.setdefault("archive", {})["pdfa_path"] = str(data_dir / line["archive_file"])
    if line.get("original_file"):
        source = data.setdefault("source", {})
        old = source.get("path")
        if not (old and Path(old).is_file()):
            source["path"] = str(data_dir / line["original_file"])
    return data


class _Importer:
    def __init__(self, settings: Settings, root: Path, manifest: Manifest, store: Any, steps: Steps,
                 report: ImportReport) -> None:
        self.settings = settings
        self.root = root
        self.data_dir = report.data_dir
        self.listed = manifest.file_map()
        self.store = store
        self.steps = steps
        self.report = report
        self.local_refs: dict[Path, str] | None = None  # archival copy -> record id, built on first need
        self.moved_originals: dict[str, str] = {}  # sha256 -> restored original path (ledger rewrite)

    def _owner(self, path: Path) -> str | None:
        """The record of this data directory that refers to `path`, if any."""
        if self.local_refs is None:
            self.local_refs = {}
            for rec in self.store.iter_records():
                pdfa = (rec.get("archive") or {}).get("pdfa_path")
                if pdfa:
                    self.local_refs[Path(pdfa).resolve()] = rec["id"]
        return self.local_refs.get(path.resolve())

    def _place(self, rel: str, record_id: str) -> bool:
        """Copy one file of the export into the data directory. False when another record of this data
        directory already has different bytes there (a conflict: the record is not imported)."""
        item = self.listed[rel]
        dst = self.data_dir / rel
        if dst.is_file() and not (dst.stat().st_size == item.size and sha256_file(dst) == item.sha256):
            owner = self._owner(dst)
            if owner is not None and owner != record_id:
                self.report.conflicts.append(f"record {record_id}: {dst} already holds the archival copy of "
                                             f"record {owner}: not imported")
                return False
        sha, size, copied = copy_file(self.root / rel, dst, item.sha256)
        if sha != item.sha256:  # changed since verification
            dst.unlink(missing_ok=True)
            raise VerificationError([f"{rel}: checksum mismatch while copying (the export changed during the import)"])
        if copied:
            self.report.copied += 1
            self.report.bytes_copied += size
        else:
            self.report.kept += 1
        return True

    def records(self, total: int) -> None:
        self.steps.start("records", total)
        batch: list[dict[str, Any]] = []
        for line in read_jsonl(self.root / table_path("records")):
            batch.append(line)
            if len(batch) >= BATCH:
                self._records_batch(batch)
                batch = []
        if batch:
            self._records_batch(batch)
        self.steps.finish()

    def _records_batch(self, lines: list[dict[str, Any]]) -> None:
        from store.db import restore_action

        existing = self.store.record_rows(line["id"] for line in lines)
        rows = []
        for line in lines:
            data = _rewrite(line, self.data_dir)
            action = restore_action(existing.get(line["id"]), data, line.get("updated_at"))
            if action != "keep":
                placed = all(self._place(line[key], line["id"]) for key in ("archive_file", "original_file")
                             if line.get(key))
                if not placed:
                    self.report.records["conflict"] += 1
                    self.steps.advance(1)
                    continue
            if line.get("original_file") and data["source"].get("path") == str(self.data_dir / line["original_file"]):
                sha = (data.get("source") or {}).get("sha256") or line["id"]
                self.moved_originals[sha] = data["source"]["path"]
            rows.append({"id": line["id"], "data": data, "created_at": line.get("created_at"),
                         "updated_at": line.get("updated_at")})
            self.steps.advance(1, Path(line.get("archive_file") or line["id"]).name)
        self.report.records.update(self.store.restore_records(rows))

    def table(self, name: str, total: int, restore) -> Counter:
        self.steps.start(name, total)
        counts: Counter = Counter()
        batch: list[dict[str, Any]] = []
        for row in read_jsonl(self.root / table_path(name)):
            if name == "files" and row.get("sha256") in self.moved_originals:
                row["path"] = self.moved_originals[row["sha256"]]
            batch.append(row)
            if len(batch) >= 5000:
                counts.update(restore(batch))
                self.steps.advance(len(batch))
                batch = []
        if batch:
            counts.update(restore(batch))
            self.steps.advance(len(batch))
        self.steps.finish()
        return counts


def import_backup(settings: Settings, source: Path | str, *, who: str = "unknown", steps: Steps | None = None,
                  check: bool = True) -> ImportReport:
    """Verify `source`, then restore it into `settings`' data directory and rebuild the index.
    Raises VerificationError (nothing imported) or UsageError."""
    from search.base import open_backend
    from store.db import Store

    steps = steps or Steps()
    root = Path(source).expanduser().absolute()
    data_dir = settings.data_dir.expanduser().absolute()
    if root.is_dir():
        real, data = root.resolve(), data_dir.resolve()
        if real == data or data.is_relative_to(real) or real.is_relative_to(data / "archive"):
            raise UsageError(f"{source} overlaps the data directory {data_dir}: import from another folder")
    manifest = verify_backup(root, steps)
    report = ImportReport(source=root, data_dir=data_dir, manifest=manifest)
    counts = manifest.counts
    with Store.open(settings) as store:
        imp = _Importer(settings, root, manifest, store, steps, report)
        imp.records(counts.get("records", manifest.record_count))
        report.ledger = imp.table("files", counts.get("files", 0), store.restore_files)
        report.corrections = imp.table("corrections", counts.get("corrections", 0), store.restore_corrections)
        report.audit = imp.table("audit", counts.get("audit", 0), store.restore_audit)
        users = list(read_jsonl(root / table_path("users")))
        tokens = list(read_jsonl(root / table_path("api_tokens")))
        report.users = store.restore_users(users, tokens)
        if report.written:
            store.audit(who, "backup_import", detail={
                "source": str(root), "exported_at": manifest.created_at,
                "from": manifest.source.get("data_dir"), "records_added": report.records["add"],
                "records_updated": report.records["update"]})
        steps.start("index", store.count_records())
        with open_backend(settings) as backend:
            if report.records["add"] or report.records["update"] or report.corrections["reapplied"]:
                seen = [0]

                def progress(done: int, _total: int) -> None:
                    steps.advance(done - seen[0])
                    seen[0] = done

                built = backend.rebuild_from(store, progress=progress)
                report.index = f"rebuilt: {built.index_count} records in {built.seconds:.1f} s"
            else:
                touched = backend.sync_from(store)
                report.index = f"up to date ({touched} change(s) applied)"
        steps.finish()
    if check:
        from archival.check import run_check

        result = run_check(settings, verify_checksums=False)
        report.check_ok = result.ok
        report.check_findings = [(f.severity, f.kind, f.subject, f.message) for f in result.findings]
    return report
