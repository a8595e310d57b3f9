"""What a Sohoa export folder is: its layout, its manifest, and the careful file operations both
directions share (hash while copying, write under a temporary name then rename, refuse paths that
leave the folder).

An export folder holds:

    manifest.json          written last: every other file with its size and sha256, the versions
    README.txt             what this folder is and how to restore it
    store/files.jsonl      the file ledger
    store/records.jsonl    one record per line: its data (corrections applied) and where its copies are
    store/corrections.jsonl, store/audit.jsonl, store/users.jsonl, store/api_tokens.jsonl
    archive/...            the archival PDF/A copies, at the same place relative to <data_dir>/archive
    originals/...          (--include-originals) the original scans, originals/<sha[:2]>/<sha256>/<name>

Without manifest.json the folder is an unfinished export: `sohoa import` refuses it and `sohoa export`
to the same folder finishes it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

FORMAT = "sohoa-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MARKER = ".sohoa-export"  # written first: this folder is (becoming) a Sohoa export
PARTIAL = ".partial"  # suffix of files being written; never taken as complete
STORE_DIR = "store"
TABLES = ("files", "records", "corrections", "audit", "users", "api_tokens")
EXIT_OK, EXIT_VERIFY, EXIT_USAGE = 0, 1, 2


class BackupError(RuntimeError):
    """The export or the import cannot go on; the message says why and what to do."""

    exit_code = EXIT_VERIFY


class UsageError(BackupError):
    """Wrong target or source folder (not a directory, not an export, inside the data directory)."""

    exit_code = EXIT_USAGE


class VerificationError(BackupError):
    """The export folder is incomplete or damaged: the problems name each file. Nothing was imported."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = problems[:20] + ([f"... and {len(problems) - 20} more"] if len(problems) > 20 else [])
        super().__init__("the export does not verify, nothing was imported:\n  " + "\n  ".join(shown))


class Steps:
    """How long work reports progress: a step with a total, then advances. The CLI draws bars; this
    base class draws nothing (library use, tests)."""

    def start(self, name: str, total: int | None) -> None:
        pass

    def advance(self, n: int = 1, note: str = "") -> None:
        pass

    def finish(self) -> None:
        pass


def table_path(name: str) -> str:
    return f"{STORE_DIR}/{name}.jsonl"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def partial_name(path: Path) -> Path:
    return path.with_name(f".{path.name}{PARTIAL}")


def _sync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def copy_file(src: Path, dst: Path, expected_sha256: str | None = None) -> tuple[str, int, bool]:
    """Copy `src` to `dst` under a temporary name, fsync, rename. When `dst` already holds the expected
    bytes (same size and sha256) it is kept. Returns (sha256 of dst, size, whether it was copied)."""
    size = src.stat().st_size
    if dst.is_file() and dst.stat().st_size == size:
        want = expected_sha256 or sha256_file(src)
        if sha256_file(dst) == want:
            return want, size, False
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = partial_name(dst)
    h = hashlib.sha256()
    written = 0
    with src.open("rb") as fi, tmp.open("wb") as fo:
        for chunk in iter(lambda: fi.read(1 << 20), b""):
            h.update(chunk)
            fo.write(chunk)
            written += len(chunk)
        fo.flush()
        os.fsync(fo.fileno())
    shutil.copystat(src, tmp)
    os.replace(tmp, dst)
    _sync_dir(dst.parent)
    return h.hexdigest(), written, True


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_json_default, separators=(",", ":"))


def write_jsonl(path: Path, rows: Iterable[Mapping[str, Any]], on_row=None) -> tuple[str, int, int]:
    """Write rows, one JSON object per line, under a temporary name, then rename. Returns (sha256,
    size, rows)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = partial_name(path)
    h = hashlib.sha256()
    size = n = 0
    with tmp.open("wb") as fh:
        for row in rows:
            line = (dumps(row) + "\n").encode("utf-8")
            h.update(line)
            fh.write(line)
            size += len(line)
            n += 1
            if on_row:
                on_row()
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return h.hexdigest(), size, n


def write_text(path: Path, text: str) -> tuple[str, int]:
    data = text.encode("utf-8")
    tmp = partial_name(path)
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _sync_dir(path.parent)
    return hashlib.sha256(data).hexdigest(), len(data)


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open("r", encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise BackupError(f"{path}: line {n} is not JSON ({exc.msg})") from exc


def safe_relative(root: Path, rel: str) -> Path:
    """`root/rel` for a manifest path; refuses absolute paths and `..` (a hostile or broken manifest)."""
    pure = PurePosixPath(rel)
    if not rel or pure.is_absolute() or ".." in pure.parts or "\\" in rel or rel.startswith("~"):
        raise VerificationError([f"{rel!r}: not a path inside the export folder"])
    return root.joinpath(*pure.parts)


@dataclass
class FileItem:
    path: str  # relative to the export root, with "/"
    size: int
    sha256: str


@dataclass
class Manifest:
    created_at: str
    pipeline_version: str
    sohoa_version: str
    schema_revision: str | None
    record_count: int
    counts: dict[str, int]
    source: dict[str, Any]
    include_originals: bool
    problems: list[str] = field(default_factory=list)
    files: list[FileItem] = field(default_factory=list)
    format: str = FORMAT
    format_version: int = FORMAT_VERSION

    def to_json(self) -> str:
        body = {
            "format": self.format, "format_version": self.format_version, "created_at": self.created_at,
            "pipeline_version": self.pipeline_version, "sohoa_version": self.sohoa_version,
            "schema_revision": self.schema_revision, "record_count": self.record_count, "counts": self.counts,
            "source": self.source, "include_originals": self.include_originals, "problems": self.problems,
            "files": [{"path": f.path, "size": f.size, "sha256": f.sha256} for f in self.files],
        }
        return json.dumps(body, ensure_ascii=False, indent=1) + "\n"

    @classmethod
    def load(cls, root: Path) -> Manifest:
        path = root / MANIFEST
        if not path.is_file():
            raise VerificationError([f"{MANIFEST} is missing: this is not a Sohoa export, or its export did not "
                                     f"finish (run `sohoa export {root}` again to complete it)"])
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
            if body.get("format") != FORMAT:
                raise ValueError(f"format is {body.get('format')!r}, not {FORMAT!r}")
            if int(body.get("format_version", 0)) > FORMAT_VERSION:
                raise ValueError(f"format version {body['format_version']} is newer than this Sohoa reads "
                                 f"({FORMAT_VERSION}): upgrade Sohoa first")
            files = [FileItem(str(f["path"]), int(f["size"]), str(f["sha256"])) for f in body["files"]]
            return cls(
                created_at=str(body["created_at"]), pipeline_version=str(body.get("pipeline_version", "")),
                sohoa_version=str(body.get("sohoa_version", "")), schema_revision=body.get("schema_revision"),
                record_count=int(body.get("record_count", 0)), counts=dict(body.get("counts") or {}),
                source=dict(body.get("source") or {}), include_originals=bool(body.get("include_originals")),
                problems=list(body.get("problems") or []), files=files,
                format=body["format"], format_version=int(body["format_version"]),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise VerificationError([f"{MANIFEST}: unreadable ({exc})"]) from exc

    def file_map(self) -> dict[str, FileItem]:
        return {f.path: f for f in self.files}


def verify_files(root: Path, manifest: Manifest, steps: Steps | None = None) -> list[str]:
    """Every file the manifest lists is there with its size and sha256. Returns one line per problem,
    naming the file."""
    steps = steps or Steps()
    problems: list[str] = []
    listed = manifest.file_map()
    for table in TABLES:
        if table_path(table) not in listed:
            problems.append(f"{table_path(table)}: not listed in {MANIFEST}")
    steps.start("verify", sum(f.size for f in manifest.files))
    for item in manifest.files:
        try:
            path = safe_relative(root, item.path)
        except VerificationError as exc:
            problems.extend(exc.problems)
            continue
        if not path.is_file():
            problems.append(f"{item.path}: missing")
        elif path.stat().st_size != item.size:
            problems.append(f"{item.path}: size {path.stat().st_size} bytes, the manifest says {item.size}")
        elif sha256_file(path) != item.sha256:
            problems.append(f"{item.path}: checksum mismatch (sha256 differs from the manifest: damaged copy)")
        steps.advance(item.size, item.path)
    steps.finish()
    return problems


def migration_heads() -> tuple[str | None, set[str]]:
    """The newest schema revision this Sohoa knows, and every revision it knows."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from store.db import MIGRATIONS_DIR

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    script = ScriptDirectory.from_config(cfg)
    return script.get_current_head(), {rev.revision for rev in script.walk_revisions()}


def schema_revision(engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def sohoa_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sohoa")
    except PackageNotFoundError:
        return "unknown"
