"""Initial tables: files (ledger), records, corrections, audit_log, record_changes, index_state.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A revision freezes the schema of its day: it does not import store.models.
_json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "files",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("pipeline_version", sa.String(length=32), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("media_type", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("batch_id", sa.String(length=64), nullable=True),
        sa.Column("record_id", sa.String(length=64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sha256", "pipeline_version", name="uq_files_sha256_version"),
    )
    op.create_index("ix_files_sha256", "files", ["sha256"])
    op.create_index("ix_files_status", "files", ["status"])
    op.create_index("ix_files_batch_id", "files", ["batch_id"])

    op.create_table(
        "records",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("doc_type", sa.String(length=64), nullable=False),
        sa.Column("doc_number", sa.String(length=128), nullable=True),
        sa.Column("doc_number_key", sa.String(length=128), nullable=True),
        sa.Column("issue_date", sa.String(length=10), nullable=True),
        sa.Column("issuer", sa.Text(), nullable=True),
        sa.Column("subject_name", sa.String(length=256), nullable=True),
        sa.Column("subject_name_key", sa.String(length=256), nullable=True),
        sa.Column("subject_id", sa.String(length=16), nullable=True),
        sa.Column("subject_dob", sa.String(length=10), nullable=True),
        sa.Column("place", sa.String(length=256), nullable=True),
        sa.Column("needs_review", sa.Boolean(), nullable=False),
        sa.Column("pipeline_version", sa.String(length=32), nullable=False),
        sa.Column("data", _json, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_records_doc_type", "records", ["doc_type"])
    op.create_index("ix_records_doc_number_key", "records", ["doc_number_key"])
    op.create_index("ix_records_issue_date", "records", ["issue_date"])
    op.create_index("ix_records_subject_id", "records", ["subject_id"])
    op.create_index("ix_records_subject_name_key", "records", ["subject_name_key"])

    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("field", sa.String(length=128), nullable=False),
        sa.Column("old_value", _json, nullable=True),
        sa.Column("new_value", _json, nullable=True),
        sa.Column("who", sa.String(length=128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_corrections_record_id", "corrections", ["record_id"])

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("who", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("query", sa.Text(), nullable=True),
        sa.Column("record_id", sa.String(length=64), nullable=True),
        sa.Column("result_count", sa.Integer(), nullable=True),
        sa.Column("detail", _json, nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_record_id", "audit_log", ["record_id"])
    op.create_index("ix_audit_who_at", "audit_log", ["who", "at"])

    op.create_table(
        "record_changes",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("op", sa.String(length=8), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index("ix_record_changes_record_id", "record_changes", ["record_id"])

    op.create_table(
        "index_state",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("backend", sa.String(length=32), nullable=False),
        sa.Column("active_generation", sa.String(length=200), nullable=True),
        sa.Column("building_generation", sa.String(length=200), nullable=True),
        sa.Column("cursor", sa.String(length=64), nullable=True),
        sa.Column("start_seq", sa.Integer(), nullable=False),
        sa.Column("synced_seq", sa.Integer(), nullable=False),
        sa.Column("indexed_count", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("index_state")
    op.drop_index("ix_record_changes_record_id", table_name="record_changes")
    op.drop_table("record_changes")
    op.drop_index("ix_audit_who_at", table_name="audit_log")
    op.drop_index("ix_audit_log_record_id", table_name="audit_log")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_corrections_record_id", table_name="corrections")
    op.drop_table("corrections")
    for name in ("subject_name_key", "subject_id", "issue_date", "doc_number_key", "doc_type"):
        op.drop_index(f"ix_records_{name}", table_name="records")
    op.drop_table("records")
    for name in ("batch_id", "status", "sha256"):
        op.drop_index(f"ix_files_{name}", table_name="files")
    op.drop_table("files")
