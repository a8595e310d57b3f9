"""The store: every file seen, every record, every correction, every lookup. The system of record.

SQLite (WAL) in the data directory by default, any SQLAlchemy URL (PostgreSQL) for a shared
deployment. Migrations are applied when the store is opened. Only bound parameters reach SQL.
"""

from __future__ import annotations

import copy
import json
import logging
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, delete, event, func, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from config.settings import PIPELINE_VERSION, Settings
from search.keys import doc_number_key, id_digits, name_key
from store.models import (
    AuditEntry,
    Base,
    Correction,
    FileEntry,
    FileStatus,
    IndexState,
    RecordChange,
    RecordRow,
    utcnow,
)
from store.privacy import mask_log

log = logging.getLogger("sohoa.store")

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
TOP_LEVEL_FIELDS = {"doc_type", "needs_review"}  # correctable keys outside `fields`


class StoreError(RuntimeError):
    """The store cannot do what was asked (unknown record, bad correction)."""


@dataclass(frozen=True)
class FileInfo:
    """What the ledger needs to know about an original file."""

    sha256: str
    path: str
    size_bytes: int | None = None
    media_type: str | None = None
    batch_id: str | None = None
    pipeline_version: str = PIPELINE_VERSION

    @classmethod
    def from_any(cls, info: FileInfo | Mapping[str, Any] | None, record: Mapping[str, Any]) -> FileInfo:
        if isinstance(info, FileInfo):
            return info
        source = dict(record.get("source") or {})
        merged = {**source, **dict(info or {})}
        return cls(
            sha256=str(merged.get("sha256") or record.get("id")),
            path=str(merged.get("path") or ""),
            size_bytes=merged.get("size_bytes") or merged.get("size"),
            media_type=merged.get("media_type"),
            batch_id=merged.get("batch_id"),
            pipeline_version=str(merged.get("pipeline_version") or record.get("pipeline_version") or PIPELINE_VERSION),
        )


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL: readers (web, search) never block the writer (ingest); NORMAL is durable at checkpoints in WAL
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_store_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 10})
        event.listen(engine, "connect", _set_sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (no-op when it already is)."""
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if current == head:
        return
    log.info("store: migrating schema %s -> %s", current, head)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def searchable_columns(record: Mapping[str, Any]) -> dict[str, Any]:
    """The columns of `records` besides the JSON: what lookups, reports and the naive baseline use."""
    fields = record.get("fields") or {}
    return {
        "doc_type": str(record.get("doc_type") or "khac"),
        "doc_number": fields.get("doc_number"),
        "doc_number_key": doc_number_key(fields.get("doc_number")),
        "issue_date": fields.get("issue_date"),
        "issuer": fields.get("issuer"),
        "subject_name": fields.get("subject_name"),
        "subject_name_key": name_key(fields.get("subject_name")),
        "subject_id": id_digits(fields.get("subject_id")),
        "subject_dob": fields.get("subject_dob"),
        "place": fields.get("place"),
        "needs_review": bool(record.get("needs_review")),
        "pipeline_version": str(record.get("pipeline_version") or PIPELINE_VERSION),
    }


def _field_path(field: str) -> tuple[str, str]:
    """'doc_type' -> ('', 'doc_type'); 'fields.subject_name' or 'subject_name' -> ('fields', 'subject_name')."""
    if field.startswith("fields."):
        return "fields", field.removeprefix("fields.")
    if field in TOP_LEVEL_FIELDS:
        return "", field
    return "fields", field


def _get_field(record: Mapping[str, Any], field: str) -> Any:
    parent, key = _field_path(field)
    container = record.get("fields") or {} if parent else record
    return container.get(key)


def _put_field(record: dict[str, Any], field: str, value: Any) -> None:
    parent, key = _field_path(field)
    container = record.setdefault("fields", {}) if parent else record
    if value is None or value == "":
        container.pop(key, None)  # SCHEMA.md: an absent field is absent, never "" or null
    else:
        container[key] = value


def _apply_corrections(record: dict[str, Any], corrections: Iterable[Correction]) -> dict[str, Any]:
    corrected: dict[str, dict[str, Any]] = {}
    for c in corrections:
        _put_field(record, c.field, c.new_value)
        at = c.at.replace(tzinfo=UTC) if c.at and c.at.tzinfo is None else c.at  # SQLite drops the zone
        corrected[c.field] = {"by": c.who, "at": at.isoformat() if at else None}
    if corrected:
        record["corrected"] = corrected
    else:
        record.pop("corrected", None)
    return record


class Store:
    """The system of record. Open with `Store.open(settings)`; close when done (or use `with`)."""

    def __init__(self, engine: Engine, settings: Settings | None = None) -> None:
        self.engine = engine
        self.settings = settings
        self._session = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, settings: Settings | None = None, *, url: str | None = None, run_migrations: bool = True) -> Store:
        settings = settings or Settings()
        engine = create_store_engine(url or settings.database_url)
        if run_migrations:
            migrate(engine)
        return cls(engine, settings)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def session(self) -> Session:
        return self._session()

    # ---- ledger -------------------------------------------------------------------------------------

    def has_file(self, sha256: str, pipeline_version: str = PIPELINE_VERSION, *, statuses: Iterable[str] | None = None) -> bool:
        """True when this file was already handled by this pipeline version (by default: finished in
        any final state, so a re-run skips it; failed files are retried)."""
        wanted = list(statuses or (FileStatus.DONE, FileStatus.NEEDS_REVIEW, FileStatus.QUARANTINED))
        with self.session() as s:
            row = s.scalar(
                select(FileEntry.id).where(
                    FileEntry.sha256 == sha256,
                    FileEntry.pipeline_version == pipeline_version,
                    FileEntry.status.in_([str(x) for x in wanted]),
                )
            )
            return row is not None

    def get_file(self, sha256: str, pipeline_version: str = PIPELINE_VERSION) -> FileEntry | None:
        with self.session() as s:
            return s.scalar(
                select(FileEntry).where(FileEntry.sha256 == sha256, FileEntry.pipeline_version == pipeline_version)
            )

    def mark_file(
        self,
        sha256: str,
        status: FileStatus | str,
        *,
        path: str | None = None,
        pipeline_version: str = PIPELINE_VERSION,
        size_bytes: int | None = None,
        media_type: str | None = None,
        batch_id: str | None = None,
        record_id: str | None = None,
        error_code: str | None = None,
        error_message: str | None = None,
    ) -> FileEntry:
        """Insert or update the ledger row of (sha256, pipeline_version)."""
        status = FileStatus(status)
        with self.session() as s, s.begin():
            return self._mark_file(
                s, sha256, status, path=path, pipeline_version=pipeline_version, size_bytes=size_bytes,
                media_type=media_type, batch_id=batch_id, record_id=record_id, error_code=error_code,
                error_message=error_message,
            )

    def _mark_file(self, s: Session, sha256: str, status: FileStatus, *, path: str | None, pipeline_version: str,
                   size_bytes: int | None = None, media_type: str | None = None, batch_id: str | None = None,
                   record_id: str | None = None, error_code: str | None = None,
                   error_message: str | None = None, known: dict[tuple[str, str], FileEntry] | None = None,
                   flush: bool = True) -> FileEntry:
        if known is not None:
            row = known.get((sha256, pipeline_version))
        else:
            row = s.scalar(
                select(FileEntry).where(FileEntry.sha256 == sha256, FileEntry.pipeline_version == pipeline_version)
            )
        if row is None:
            row = FileEntry(sha256=sha256, pipeline_version=pipeline_version, path=path or "", attempts=0)
            s.add(row)
            if known is not None:
                known[(sha256, pipeline_version)] = row
        if path:
            row.path = path
        row.status = status.value
        row.attempts = (row.attempts or 0) + (1 if status != FileStatus.PENDING else 0)
        for name, value in (("size_bytes", size_bytes), ("media_type", media_type), ("batch_id", batch_id),
                            ("record_id", record_id)):
            if value is not None:
                setattr(row, name, value)
        # an error belongs to the failed attempt only
        failed = status in (FileStatus.FAILED, FileStatus.QUARANTINED)
        row.error_code = error_code if failed else None
        row.error_message = error_message if failed else None
        row.updated_at = utcnow()
        if flush:
            s.flush()
        return row

    def files(self, *, status: FileStatus | str | None = None, batch_id: str | None = None,
              limit: int | None = None) -> list[FileEntry]:
        stmt = select(FileEntry).order_by(FileEntry.id)
        if status is not None:
            stmt = stmt.where(FileEntry.status == FileStatus(status).value)
        if batch_id is not None:
            stmt = stmt.where(FileEntry.batch_id == batch_id)
        if limit:
            stmt = stmt.limit(limit)
        with self.session() as s:
            return list(s.scalars(stmt))

    def file_counts(self) -> dict[str, int]:
        with self.session() as s:
            return {status: n for status, n in s.execute(select(FileEntry.status, func.count()).group_by(FileEntry.status))}

    # ---- records ------------------------------------------------------------------------------------

    def save_record(self, record: Mapping[str, Any], file_info: FileInfo | Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Insert or replace a record (a re-extraction), re-apply its corrections on top, mark the file
        done in the ledger, and append to the change feed. Returns the record as stored."""
        return self.save_records([record], [file_info])[0]

    def save_records(self, records: Iterable[Mapping[str, Any]],
                     file_infos: Iterable[FileInfo | Mapping[str, Any] | None] | None = None) -> list[dict[str, Any]]:
        """`save_record` for many records in one transaction (bulk ingest, imports, benchmarks)."""
        records = list(records)
        infos = list(file_infos) if file_infos is not None else [None] * len(records)
        if len(infos) != len(records):
            raise ValueError("one file_info per record")
        saved: list[dict[str, Any]] = []
        with self.session() as s, s.begin():
            ids = [str(r["id"]) for r in records]
            existing: dict[str, RecordRow] = {}
            for start in range(0, len(ids), 500):  # stay below every backend's bound-parameter limit
                chunk = ids[start:start + 500]
                existing.update({row.id: row for row in s.scalars(select(RecordRow).where(RecordRow.id.in_(chunk)))})
            corrections: dict[str, list[Correction]] = {}
            if existing:
                for c in s.scalars(
                    select(Correction).where(Correction.record_id.in_(list(existing))).order_by(Correction.id)
                ):
                    corrections.setdefault(c.record_id, []).append(c)
            shas = list({FileInfo.from_any(i, r).sha256 for r, i in zip(records, infos, strict=True)
                         if i is not None or r.get("source")})
            known: dict[tuple[str, str], FileEntry] = {}
            for start in range(0, len(shas), 500):
                for f in s.scalars(select(FileEntry).where(FileEntry.sha256.in_(shas[start:start + 500]))):
                    known[(f.sha256, f.pipeline_version)] = f
            now = utcnow()
            # brand-new rows go in as executemany batches: the ORM's per-object bookkeeping would
            # dominate bulk imports; existing rows (re-extractions) are updated through the ORM
            new_records: dict[str, dict[str, Any]] = {}
            new_files: dict[tuple[str, str], dict[str, Any]] = {}
            changes: list[dict[str, Any]] = []
            for record, info in zip(records, infos, strict=True):
                if not record.get("id"):
                    raise StoreError("a record without id cannot be stored")
                record_id = str(record["id"])
                data = _apply_corrections(copy.deepcopy(dict(record)), corrections.get(record_id, []))
                columns = searchable_columns(data)
                row = existing.get(record_id)
                if row is None:
                    new_records[record_id] = {"id": record_id, "data": data, "created_at": now, "updated_at": now,
                                              **columns}
                else:
                    row.data = data
                    row.updated_at = now
                    for name, value in columns.items():
                        setattr(row, name, value)
                changes.append({"record_id": record_id, "op": "upsert", "at": now})
                if info is not None or record.get("source"):
                    fi = FileInfo.from_any(info, data)
                    status = FileStatus.NEEDS_REVIEW if data.get("needs_review") else FileStatus.DONE
                    key = (fi.sha256, fi.pipeline_version)
                    if key in known:
                        self._mark_file(s, fi.sha256, status, path=fi.path, pipeline_version=fi.pipeline_version,
                                        size_bytes=fi.size_bytes, media_type=fi.media_type, batch_id=fi.batch_id,
                                        record_id=record_id, known=known, flush=False)
                    else:
                        new_files[key] = {
                            "sha256": fi.sha256, "pipeline_version": fi.pipeline_version, "path": fi.path,
                            "size_bytes": fi.size_bytes, "media_type": fi.media_type, "status": status.value,
                            "error_code": None, "error_message": None, "batch_id": fi.batch_id,
                            "record_id": record_id, "attempts": 1, "created_at": now, "updated_at": now,
                        }
                saved.append(data)
            s.flush()
            if new_records:
                s.execute(insert(RecordRow.__table__), list(new_records.values()))
            if new_files:
                s.execute(insert(FileEntry.__table__), list(new_files.values()))
            if changes:
                s.execute(insert(RecordChange.__table__), changes)
        return saved

    def get_record(self, record_id: str) -> dict[str, Any] | None:
        with self.session() as s:
            row = s.get(RecordRow, record_id)
            return copy.deepcopy(row.data) if row is not None else None

    def get_records(self, record_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        ids = list(dict.fromkeys(record_ids))
        out: dict[str, dict[str, Any]] = {}
        with self.session() as s:
            for start in range(0, len(ids), 500):  # stay below every backend's bound-parameter limit
                chunk = ids[start:start + 500]
                for rid, data in s.execute(select(RecordRow.id, RecordRow.data).where(RecordRow.id.in_(chunk))):
                    out[rid] = data
        return out

    def iter_records(self, *, batch_size: int = 500, after_id: str | None = None) -> Iterator[dict[str, Any]]:
        """Every record in id order, fetched in pages (keyset pagination: stable and resumable)."""
        for batch in self.iter_record_batches(batch_size=batch_size, after_id=after_id):
            yield from batch

    def iter_record_batches(self, *, batch_size: int = 500, after_id: str | None = None) -> Iterator[list[dict[str, Any]]]:
        cursor = after_id
        while True:
            stmt = select(RecordRow.id, RecordRow.data).order_by(RecordRow.id).limit(batch_size)
            if cursor is not None:
                stmt = stmt.where(RecordRow.id > cursor)
            with self.session() as s:
                rows = s.execute(stmt).all()
            if not rows:
                return
            yield [data for _, data in rows]
            cursor = rows[-1][0]

    def iter_record_ids(self, *, batch_size: int = 5000) -> Iterator[str]:
        cursor: str | None = None
        while True:
            stmt = select(RecordRow.id).order_by(RecordRow.id).limit(batch_size)
            if cursor is not None:
                stmt = stmt.where(RecordRow.id > cursor)
            with self.session() as s:
                ids = list(s.scalars(stmt))
            if not ids:
                return
            yield from ids
            cursor = ids[-1]

    def count_records(self) -> int:
        with self.session() as s:
            return int(s.scalar(select(func.count()).select_from(RecordRow)) or 0)

    def delete_record(self, record_id: str, *, who: str, reason: str | None = None) -> bool:
        """Remove a record (e.g. a duplicate); the deletion is audited and reaches the index via the feed."""
        with self.session() as s, s.begin():
            row = s.get(RecordRow, record_id)
            if row is None:
                return False
            s.delete(row)
            s.add(RecordChange(record_id=record_id, op="delete"))
            s.add(AuditEntry(who=who, action="delete", record_id=record_id, detail={"reason": reason} if reason else None))
        return True

    # ---- corrections --------------------------------------------------------------------------------

    def apply_correction(self, record_id: str, field: str, new_value: Any, *, who: str,
                         reason: str | None = None) -> dict[str, Any]:
        """Correct one field (`subject_name`, `fields.issue_date`, `doc_type`...); `None` removes it.
        The correction is kept with the old value and survives every later re-extraction."""
        if not field or field in ("id", "source", "fields") or field.startswith("source."):
            raise StoreError(f"field {field!r} cannot be corrected")
        with self.session() as s, s.begin():
            row = s.get(RecordRow, record_id)
            if row is None:
                raise StoreError(f"no record {record_id}")
            data = copy.deepcopy(row.data)
            old = _get_field(data, field)
            s.add(Correction(record_id=record_id, field=field, old_value=old, new_value=new_value, who=who, reason=reason))
            s.flush()
            original = copy.deepcopy(row.data)
            original.pop("corrected", None)
            history = list(s.scalars(select(Correction).where(Correction.record_id == record_id).order_by(Correction.id)))
            data = _apply_corrections(original, history)
            row.data = data
            row.updated_at = utcnow()
            for name, value in searchable_columns(data).items():
                setattr(row, name, value)
            s.add(RecordChange(record_id=record_id, op="upsert"))
            s.add(AuditEntry(who=who, action="correct", record_id=record_id, detail={"field": field}))
        log.info("store: %s corrected %s of %s", who, field, record_id[:12])
        return data

    def corrections(self, record_id: str) -> list[Correction]:
        with self.session() as s:
            return list(s.scalars(select(Correction).where(Correction.record_id == record_id).order_by(Correction.id)))

    # ---- audit --------------------------------------------------------------------------------------

    def audit(self, who: str, action: str, *, query: str | None = None, record_id: str | None = None,
              result_count: int | None = None, detail: Mapping[str, Any] | None = None) -> None:
        with self.session() as s, s.begin():
            s.add(AuditEntry(who=who or "unknown", action=action, query=query, record_id=record_id,
                             result_count=result_count, detail=dict(detail) if detail else None))
        log.info("audit: %s %s %s", who, action, mask_log(query) if query else record_id or "")

    def audit_entries(self, *, who: str | None = None, action: str | None = None, limit: int = 100) -> list[AuditEntry]:
        stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
        if who:
            stmt = stmt.where(AuditEntry.who == who)
        if action:
            stmt = stmt.where(AuditEntry.action == action)
        with self.session() as s:
            return list(s.scalars(stmt))

    # ---- change feed and index state ----------------------------------------------------------------

    def last_change_seq(self) -> int:
        with self.session() as s:
            return int(s.scalar(select(func.max(RecordChange.seq))) or 0)

    def changes_since(self, seq: int, *, limit: int = 5000) -> list[tuple[int, str, str]]:
        """(seq, record_id, op) after `seq`, oldest first."""
        with self.session() as s:
            rows = s.execute(
                select(RecordChange.seq, RecordChange.record_id, RecordChange.op)
                .where(RecordChange.seq > seq).order_by(RecordChange.seq).limit(limit)
            ).all()
        return [(int(a), str(b), str(c)) for a, b, c in rows]

    def compact_changes(self, upto_seq: int) -> int:
        """Drop feed entries every index has consumed."""
        with self.session() as s, s.begin():
            return s.execute(delete(RecordChange).where(RecordChange.seq <= upto_seq)).rowcount or 0

    def get_index_state(self, name: str) -> IndexState | None:
        with self.session() as s:
            return s.get(IndexState, name)

    def put_index_state(self, state: IndexState) -> IndexState:
        state.updated_at = utcnow()
        with self.session() as s, s.begin():
            merged = s.merge(state)
        return merged

    # ---- backup and restore (backup/: `sohoa export`, `sohoa import`) ---------------------------------

    def count_rows(self, model: type[Base]) -> int:
        with self.session() as s:
            return int(s.scalar(select(func.count()).select_from(model)) or 0)

    def iter_rows(self, model: type[Base], *, batch_size: int = 1000) -> Iterator[dict[str, Any]]:
        """Every row of one table as a dict of its columns (times as aware UTC), in primary-key order,
        fetched in keyset pages."""
        mapper = model.__mapper__
        pk = mapper.primary_key[0]
        keys = [attr.key for attr in mapper.column_attrs]
        cursor: Any = None
        while True:
            stmt = select(model).order_by(pk).limit(batch_size)
            if cursor is not None:
                stmt = stmt.where(pk > cursor)
            with self.session() as s:
                rows = list(s.scalars(stmt))
            if not rows:
                return
            for row in rows:
                values = {k: getattr(row, k) for k in keys}
                yield {k: _utc(v) if isinstance(v, datetime) else v for k, v in values.items()}
            cursor = getattr(rows[-1], pk.key)

    def record_rows(self, record_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """id -> {"data", "created_at", "updated_at"} of the records the store holds among `record_ids`."""
        ids = list(dict.fromkeys(record_ids))
        out: dict[str, dict[str, Any]] = {}
        with self.session() as s:
            for start in range(0, len(ids), 500):
                stmt = select(RecordRow.id, RecordRow.data, RecordRow.created_at, RecordRow.updated_at).where(
                    RecordRow.id.in_(ids[start:start + 500]))
                for rid, data, created, updated in s.execute(stmt):
                    out[rid] = {"data": data, "created_at": _utc(created), "updated_at": _utc(updated)}
        return out

    def restore_records(self, rows: Iterable[Mapping[str, Any]]) -> Counter[str]:
        """Put records of a backup back: `{"id", "data", "created_at", "updated_at"}` each, `data` exactly
        as exported (corrections already applied, paths already rewritten). A record the store lacks is
        added with its own timestamps; one it holds is replaced only when the exported one is newer
        (`restore_action`). Written records go to the change feed. Counts by action."""
        counts: Counter[str] = Counter()
        rows = list(rows)
        with self.session() as s, s.begin():
            existing: dict[str, RecordRow] = {}
            ids = [str(r["id"]) for r in rows]
            for start in range(0, len(ids), 500):
                existing.update({row.id: row for row in s.scalars(
                    select(RecordRow).where(RecordRow.id.in_(ids[start:start + 500])))})
            new_rows: list[dict[str, Any]] = []
            changes: list[dict[str, Any]] = []
            now = utcnow()
            for r in rows:
                rid, data = str(r["id"]), dict(r["data"])
                created, updated = _as_utc(r.get("created_at")) or now, _as_utc(r.get("updated_at")) or now
                row = existing.get(rid)
                action = restore_action(
                    {"data": row.data, "updated_at": row.updated_at} if row is not None else None, data, updated)
                counts[action] += 1
                if action == "add":
                    new_rows.append({"id": rid, "data": data, "created_at": created, "updated_at": updated,
                                     **searchable_columns(data)})
                elif action == "update":
                    row.data = data
                    row.updated_at = updated
                    for name, value in searchable_columns(data).items():
                        setattr(row, name, value)
                else:
                    continue
                changes.append({"record_id": rid, "op": "upsert", "at": now})
            s.flush()
            if new_rows:
                s.execute(insert(RecordRow.__table__), new_rows)
            if changes:
                s.execute(insert(RecordChange.__table__), changes)
        return counts

    def restore_files(self, rows: Iterable[Mapping[str, Any]]) -> Counter[str]:
        """Ledger rows of a backup, keyed by (sha256, pipeline_version): added when absent, replaced when
        the exported row is newer, else left alone."""
        counts: Counter[str] = Counter()
        columns = [c.key for c in FileEntry.__table__.columns if c.key != "id"]
        with self.session() as s, s.begin():
            for chunk in _chunked(list(rows), 500):
                shas = list({str(r["sha256"]) for r in chunk})
                known = {(f.sha256, f.pipeline_version): f
                         for f in s.scalars(select(FileEntry).where(FileEntry.sha256.in_(shas)))}
                new_rows: dict[tuple[str, str], dict[str, Any]] = {}
                for r in chunk:
                    values = {c: _as_utc(r.get(c)) if c in ("created_at", "updated_at") else r.get(c) for c in columns}
                    values["attempts"] = values.get("attempts") or 0
                    key = (str(values["sha256"]), str(values["pipeline_version"]))
                    row = known.get(key)
                    if row is None:
                        counts["add" if key not in new_rows else "same"] += 1
                        new_rows.setdefault(key, values)
                    elif all(_same(getattr(row, c), values[c]) for c in columns):
                        counts["same"] += 1
                    elif values["updated_at"] and values["updated_at"] > _utc(row.updated_at):
                        for c in columns:
                            setattr(row, c, values[c])
                        counts["update"] += 1
                    else:
                        counts["keep"] += 1
                s.flush()
                if new_rows:
                    s.execute(insert(FileEntry.__table__), list(new_rows.values()))
        return counts

    def restore_corrections(self, rows: Iterable[Mapping[str, Any]]) -> Counter[str]:
        """Corrections of a backup, with their original who/when, in their original order. One the
        store already holds (same record, field, values, who and time) is skipped; one whose record is
        absent too. Records that gained a correction get their history re-applied (a no-op for records
        restored from the same backup, whose data already carries it)."""
        counts: Counter[str] = Counter()
        touched: set[str] = set()
        with self.session() as s, s.begin():
            for chunk in _chunked(list(rows), 500):
                ids = list({str(r["record_id"]) for r in chunk})
                present = set(s.scalars(select(RecordRow.id).where(RecordRow.id.in_(ids))))
                have = Counter(_correction_key(c.__dict__) for c in
                               s.scalars(select(Correction).where(Correction.record_id.in_(ids))))
                new_rows = []
                for r in chunk:
                    values = {"record_id": str(r["record_id"]), "field": r["field"], "old_value": r.get("old_value"),
                              "new_value": r.get("new_value"), "who": r["who"], "at": _as_utc(r.get("at")) or utcnow(),
                              "reason": r.get("reason")}
                    key = _correction_key(values)
                    if values["record_id"] not in present:
                        counts["no_record"] += 1
                    elif have[key] > 0:
                        have[key] -= 1
                        counts["same"] += 1
                    else:
                        new_rows.append(values)
                        touched.add(values["record_id"])
                        counts["add"] += 1
                for values in new_rows:  # one by one: the ORM keeps JSON nulls as JSON, the order as given
                    s.add(Correction(**values))
                s.flush()
            for rid in sorted(touched):
                row = s.get(RecordRow, rid)
                original = copy.deepcopy(row.data)
                original.pop("corrected", None)
                history = list(s.scalars(select(Correction).where(Correction.record_id == rid).order_by(Correction.id)))
                data = _apply_corrections(original, history)
                if data != row.data:
                    row.data = data
                    for name, value in searchable_columns(data).items():
                        setattr(row, name, value)
                    s.add(RecordChange(record_id=rid, op="upsert"))
                    counts["reapplied"] += 1
        return counts

    def restore_audit(self, rows: Iterable[Mapping[str, Any]]) -> Counter[str]:
        """Audit entries of a backup with their original time; those the store already holds are skipped."""
        counts: Counter[str] = Counter()
        with self.session() as s, s.begin():
            for chunk in _chunked(list(rows), 1000):
                values_list = [{"at": _as_utc(r.get("at")) or utcnow(), "who": r.get("who") or "unknown",
                                "action": r["action"], "query": r.get("query"), "record_id": r.get("record_id"),
                                "result_count": r.get("result_count"), "detail": r.get("detail")} for r in chunk]
                lo, hi = min(v["at"] for v in values_list), max(v["at"] for v in values_list)
                have = Counter(_audit_key(a.__dict__) for a in
                               s.scalars(select(AuditEntry).where(AuditEntry.at >= lo, AuditEntry.at <= hi)))
                for values in values_list:
                    key = _audit_key(values)
                    if have[key] > 0:
                        have[key] -= 1
                        counts["same"] += 1
                    else:
                        s.add(AuditEntry(**values))
                        counts["add"] += 1
                s.flush()
        return counts

    def restore_users(self, users: Iterable[Mapping[str, Any]],
                      tokens: Iterable[Mapping[str, Any]] = ()) -> Counter[str]:
        """Web accounts (argon2 hashes as stored) and API tokens (SHA-256 as stored) of a backup. An
        account whose username exists is left as it is; tokens follow their account by username."""
        from store.users import ApiToken, User

        counts: Counter[str] = Counter()
        with self.session() as s, s.begin():
            for u in users:
                if s.scalar(select(User.id).where(User.username == u["username"])) is not None:
                    counts["users_kept"] += 1
                    continue
                s.add(User(username=u["username"], full_name=u.get("full_name"), role=u["role"],
                           password_hash=u["password_hash"], active=bool(u.get("active", True)),
                           created_at=_as_utc(u.get("created_at")) or utcnow(),
                           updated_at=_as_utc(u.get("updated_at")) or utcnow(),
                           last_login_at=_as_utc(u.get("last_login_at"))))
                counts["users_added"] += 1
            s.flush()
            for t in tokens:
                user_id = s.scalar(select(User.id).where(User.username == t["username"]))
                if user_id is None:
                    counts["tokens_no_user"] += 1
                elif s.scalar(select(ApiToken.id).where(ApiToken.token_hash == t["token_hash"])) is not None:
                    counts["tokens_kept"] += 1
                else:
                    s.add(ApiToken(user_id=user_id, token_hash=t["token_hash"], prefix=t["prefix"], label=t["label"],
                                   created_at=_as_utc(t.get("created_at")) or utcnow(),
                                   last_used_at=_as_utc(t.get("last_used_at")),
                                   revoked_at=_as_utc(t.get("revoked_at"))))
                    counts["tokens_added"] += 1
        return counts


def restore_action(existing: Mapping[str, Any] | None, data: Mapping[str, Any],
                   updated_at: datetime | str | None) -> str:
    """What restoring one record does: "add" (absent), "same" (identical), "update" (the backup's copy
    is newer) or "keep" (the store's own copy is newer: left alone)."""
    if existing is None:
        return "add"
    if existing["data"] == data:
        return "same"
    ours, theirs = _as_utc(existing.get("updated_at")), _as_utc(updated_at)
    if theirs is not None and (ours is None or theirs > ours):
        return "update"
    return "keep"


def _utc(value: datetime) -> datetime:
    """SQLite keeps no zone: its times are UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _as_utc(value: datetime | str | None) -> datetime | None:
    if value is None or value == "":
        return None
    return _utc(datetime.fromisoformat(value) if isinstance(value, str) else value)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, datetime) and isinstance(b, datetime):
        return _utc(a) == _utc(b)
    return a == b


def _chunked(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _fingerprint(*values: Any) -> str:
    return json.dumps([_utc(v).isoformat() if isinstance(v, datetime) else v for v in values],
                      sort_keys=True, ensure_ascii=False, default=str)


def _correction_key(c: Mapping[str, Any]) -> str:
    return _fingerprint(c.get("record_id"), c.get("field"), c.get("old_value"), c.get("new_value"), c.get("who"),
                        c.get("at"), c.get("reason"))


def _audit_key(a: Mapping[str, Any]) -> str:
    return _fingerprint(a.get("at"), a.get("who"), a.get("action"), a.get("query"), a.get("record_id"),
                        a.get("result_count"), a.get("detail"))
