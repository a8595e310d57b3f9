"""`sohoa export TARGET`: the store, the archival copies and (optionally) the originals into a folder.

Resumable: run again after a kill and files already copied (same size and sha256) are kept, the rest is
copied; every file is written under a temporary name and renamed when complete; `manifest.json` is
written last, so a folder without it is never taken for a finished export.

Tables are read one after the other, the ledger before the records (a file the ledger marks done
names a record that is in the copy). For an exact snapshot export while no batch runs.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from backup.manifest import (
    MANIFEST,
    MARKER,
    STORE_DIR,
    FileItem,
    Manifest,
    Steps,
    UsageError,
    copy_file,
    schema_revision,
    sohoa_version,
    table_path,
    write_jsonl,
    write_text,
)
from config.settings import PIPELINE_VERSION, Settings

README = """This folder is a backup of a Sohoa archive (store, corrections, audit log, accounts, archival
PDF/A copies{originals}), made {created_at} from {data_dir} on {host}.

Check it:    sohoa import {folder} --verify-only
Restore it:  SOHOA_DATA_DIR=/new/data/dir sohoa import {folder}

manifest.json lists every file with its size and sha256; it is written last, so a folder without it
is an unfinished export (run `sohoa export` to the same folder again to finish it).
"""


@dataclass
class ExportReport:
    target: Path
    manifest: Manifest
    copied: int = 0  # files copied by this run
    kept: int = 0  # files already in the folder with the right sha256 (a resumed or repeated export)
    removed: int = 0  # files of an earlier export no record refers to any more
    bytes_copied: int = 0
    problems: list[str] = field(default_factory=list)  # the copy is incomplete or holds damaged files
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _inside(path: Path, parent: Path) -> bool:
    try:
        path.relative_to(parent)
        return True
    except ValueError:
        return False


def prepare_target(target: Path, data_dir: Path) -> None:
    """An empty or missing folder, or an earlier (finished or not) export; never the data directory."""
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target} is not a folder")
    real, data = target.resolve(), data_dir.resolve()
    if _inside(real, data) or _inside(data, real):
        raise UsageError(f"{target} overlaps the data directory {data_dir}: keep the copy outside it, "
                         "preferably on another disk")
    if target.is_dir() and any(target.iterdir()) and not (target / MARKER).is_file():
        raise UsageError(f"{target} is not empty and is not a Sohoa export: choose an empty folder")
    target.mkdir(parents=True, exist_ok=True, mode=0o700)  # personal data: a new folder is the owner's only
    (target / MARKER).write_text("sohoa export folder\n", encoding="utf-8")
    # until the new manifest is written this folder is an unfinished export
    (target / MANIFEST).unlink(missing_ok=True)


def archive_rel(pdfa_path: Path, archive_root: Path, record_id: str) -> str:
    """Where an archival copy goes in the export: its place under <data_dir>/archive, or (a copy kept
    elsewhere) archive/_elsewhere/<record id>.pdf."""
    try:
        rel = pdfa_path.resolve().relative_to(archive_root)
    except ValueError:
        return f"archive/_elsewhere/{record_id}{pdfa_path.suffix or '.pdf'}"
    return "archive/" + rel.as_posix()


class _Exporter:
    def __init__(self, settings: Settings, target: Path, include_originals: bool, steps: Steps) -> None:
        self.settings = settings
        self.target = target
        self.include_originals = include_originals
        self.steps = steps
        self.archive_root = (settings.data_dir / "archive").resolve()
        self.files: dict[str, FileItem] = {}
        self.report_problems: list[str] = []
        self.warnings: list[str] = []
        self.copied = self.kept = self.bytes_copied = 0

    def _copy(self, src: Path, rel: str, expected: str | None) -> FileItem:
        if rel in self.files:  # two records, one file
            return self.files[rel]
        sha, size, copied = copy_file(src, self.target / rel, expected)
        if copied:
            self.copied += 1
            self.bytes_copied += size
        else:
            self.kept += 1
        item = self.files[rel] = FileItem(rel, size, sha)
        return item

    def record_line(self, row: dict[str, Any]) -> dict[str, Any]:
        rid, data = row["id"], row["data"]
        line = {"id": rid, "created_at": row["created_at"], "updated_at": row["updated_at"], "data": data,
                "archive_file": None, "original_file": None}
        archive = data.get("archive") or {}
        if archive.get("pdfa_path"):
            src = Path(archive["pdfa_path"])
            expected = archive.get("pdfa_sha256")
            if not src.is_file():
                self.report_problems.append(f"record {rid}: archival copy {src} is missing (not in the export)")
            else:
                item = self._copy(src, archive_rel(src, self.archive_root, rid), expected)
                line["archive_file"] = item.path
                if expected and item.sha256 != expected:
                    self.report_problems.append(f"record {rid}: archival copy {src} does not match its recorded "
                                                "sha256 (copied as it is)")
        if self.include_originals:
            source = data.get("source") or {}
            path, sha = source.get("path"), str(source.get("sha256") or rid)
            if path and Path(path).is_file():
                rel = f"originals/{sha[:2]}/{sha}/{Path(path).name}"
                item = self._copy(Path(path), rel, sha)
                if item.sha256 == sha:
                    line["original_file"] = rel
                else:
                    self.files.pop(rel, None)
                    (self.target / rel).unlink(missing_ok=True)
                    self.warnings.append(f"record {rid}: {path} has changed since it was ingested: not copied")
            else:
                self.warnings.append(f"record {rid}: original {path} is not there any more: not copied")
        self.steps.advance(1, Path(line["archive_file"] or rid).name)
        return line

    def dump(self, store, name: str, model: Any, transform=None) -> int:
        self.steps.start(name, store.count_rows(model))
        rows = store.iter_rows(model)
        if transform is not None:
            rows = (transform(r) for r in rows)
        advance = None if name == "records" else self.steps.advance
        rel = table_path(name)
        sha, size, n = write_jsonl(self.target / rel, rows, on_row=advance)
        self.files[rel] = FileItem(rel, size, sha)
        self.steps.finish()
        return n

    def prune(self) -> int:
        """Files of an earlier export that this one does not hold any more, and temporary leftovers."""
        removed = 0
        for top in (STORE_DIR, "archive", "originals"):
            root = self.target / top
            if not root.is_dir():
                continue
            for path in sorted(root.rglob("*"), reverse=True):
                if path.is_dir():
                    if not any(path.iterdir()):
                        path.rmdir()
                    continue
                if path.relative_to(self.target).as_posix() not in self.files:
                    path.unlink()
                    removed += 1
        return removed


def export_backup(settings: Settings, target: Path | str, *, include_originals: bool = False,
                  who: str = "unknown", steps: Steps | None = None) -> ExportReport:
    """Copy the store (records, ledger, corrections, audit, accounts) and every archival copy a record
    refers to into `target`, then write `manifest.json`. Raises UsageError for a wrong target."""
    from sqlalchemy.engine import make_url

    from store.db import Store
    from store.models import AuditEntry, Correction, FileEntry, RecordRow
    from store.users import ApiToken, User

    steps = steps or Steps()
    target = Path(target).expanduser().absolute()
    data_dir = settings.data_dir.expanduser().absolute()
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and not (url.database and Path(url.database).is_file()):
        raise UsageError(f"no store at {url.database or settings.database_url}: is SOHOA_DATA_DIR ({data_dir}) right?")
    prepare_target(target, data_dir)
    exporter = _Exporter(settings, target, include_originals, steps)
    counts: dict[str, int] = {}
    with Store.open(settings) as store:
        store.audit(who, "backup_export", detail={"target": str(target), "include_originals": include_originals})
        revision = schema_revision(store.engine)
        usernames = {u["id"]: u["username"] for u in store.iter_rows(User)}
        # the ledger before the records: a file marked done names a record that is in the copy
        counts["files"] = exporter.dump(store, "files", FileEntry)
        counts["records"] = exporter.dump(store, "records", RecordRow, exporter.record_line)
        counts["corrections"] = exporter.dump(store, "corrections", Correction)
        counts["audit"] = exporter.dump(store, "audit", AuditEntry)
        counts["users"] = exporter.dump(store, "users", User)
        counts["api_tokens"] = exporter.dump(store, "api_tokens", ApiToken,
                                             lambda t: {**t, "username": usernames.get(t["user_id"])})
    counts["archive_files"] = sum(1 for p in exporter.files if p.startswith("archive/"))
    counts["originals"] = sum(1 for p in exporter.files if p.startswith("originals/"))
    created_at = datetime.now(UTC).isoformat(timespec="seconds")
    host = socket.gethostname()
    database = url.render_as_string(hide_password=True)
    readme = README.format(originals=" and the original scans" if include_originals else "", created_at=created_at,
                           data_dir=data_dir, host=host, folder=target)
    sha, size = write_text(target / "README.txt", readme)
    exporter.files["README.txt"] = FileItem("README.txt", size, sha)
    removed = exporter.prune()
    manifest = Manifest(
        created_at=created_at, pipeline_version=PIPELINE_VERSION, sohoa_version=sohoa_version(),
        schema_revision=revision, record_count=counts["records"], counts=counts,
        source={"data_dir": str(data_dir), "database": database, "search_backend": settings.search_backend,
                "host": host, "by": who},
        include_originals=include_originals, problems=list(exporter.report_problems),
        files=sorted(exporter.files.values(), key=lambda f: f.path),
    )
    write_text(target / MANIFEST, manifest.to_json())  # last: from now on the folder is a finished export
    return ExportReport(target=target, manifest=manifest, copied=exporter.copied, kept=exporter.kept,
                        removed=removed, bytes_copied=exporter.bytes_copied, problems=exporter.report_problems,
                        warnings=exporter.warnings)
