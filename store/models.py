"""Tables of the store, the system of record. The search index is derived from them.

Changing a table means a new Alembic revision under store/migrations/versions/: the store is
opened against existing data directories, never recreated.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# JSONB on PostgreSQL (indexable, compact), plain JSON text elsewhere
JsonType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


class FileStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"
    QUARANTINED = "quarantined"
    NEEDS_REVIEW = "needs_review"


class Base(DeclarativeBase):
    pass


class FileEntry(Base):
    """The ledger: one row per original file and pipeline version, so re-runs skip finished work."""

    __tablename__ = "files"
    __table_args__ = (UniqueConstraint("sha256", "pipeline_version", name="uq_files_sha256_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    pipeline_version: Mapped[str] = mapped_column(String(32))
    path: Mapped[str] = mapped_column(Text)
    size_bytes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    media_type: Mapped[str | None] = mapped_column(String(100), nullable=True)
    status: Mapped[str] = mapped_column(String(16), index=True, default=FileStatus.PENDING.value)
    error_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    batch_id: Mapped[str | None] = mapped_column(String(64), index=True, nullable=True)
    record_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class RecordRow(Base):
    """One record (SCHEMA.md JSON, corrections applied) plus the columns lookups and reports filter on."""

    __tablename__ = "records"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the original file
    doc_type: Mapped[str] = mapped_column(String(64), index=True)
    doc_number: Mapped[str | None] = mapped_column(String(128), nullable=True)
    doc_number_key: Mapped[str | None] = mapped_column(String(128), index=True, nullable=True)
    issue_date: Mapped[str | None] = mapped_column(String(10), index=True, nullable=True)  # ISO, sorts as text
    issuer: Mapped[str | None] = mapped_column(Text, nullable=True)
    subject_name: Mapped[str | None] = mapped_column(String(256), nullable=True)
    subject_name_key: Mapped[str | None] = mapped_column(String(256), index=True, nullable=True)
    subject_id: Mapped[str | None] = mapped_column(String(16), index=True, nullable=True)
    subject_dob: Mapped[str | None] = mapped_column(String(10), nullable=True)
    place: Mapped[str | None] = mapped_column(String(256), nullable=True)
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    pipeline_version: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JsonType)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class Correction(Base):
    """A clerk's fix of one field. Kept forever and re-applied on top of every re-extraction."""

    __tablename__ = "corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(String(64), ForeignKey("records.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(128))
    old_value: Mapped[Any] = mapped_column(JsonType, nullable=True)
    new_value: Mapped[Any] = mapped_column(JsonType, nullable=True)  # null: the field is removed
    who: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class AuditEntry(Base):
    """Who looked up whom (Decree 13/2023, Law 91/2025). The query is kept as typed: the audit must
    name the person looked up; the log stream only ever sees it masked."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_who_at", "who", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    who: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(32))
    query: Mapped[str | None] = mapped_column(Text, nullable=True)
    record_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    result_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JsonType, nullable=True)


class RecordChange(Base):
    """Append-only change feed of records: the index follows it (sync) instead of diffing everything."""

    __tablename__ = "record_changes"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(String(64), index=True)
    op: Mapped[str] = mapped_column(String(8))  # "upsert" | "delete"
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class IndexState(Base):
    """What one search index holds: the live generation, the one being built and how far it got."""

    __tablename__ = "index_state"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)  # backend + location
    backend: Mapped[str] = mapped_column(String(32))
    active_generation: Mapped[str | None] = mapped_column(String(200), nullable=True)
    building_generation: Mapped[str | None] = mapped_column(String(200), nullable=True)
    cursor: Mapped[str | None] = mapped_column(String(64), nullable=True)  # last record id in the build
    start_seq: Mapped[int] = mapped_column(Integer, default=0)  # change feed position when the build began
    synced_seq: Mapped[int] = mapped_column(Integer, default=0)  # change feed position the live index has
    indexed_count: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
