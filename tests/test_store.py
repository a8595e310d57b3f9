"""The store: migrations, records, the ledger, corrections that survive re-extraction, the audit log."""

from __future__ import annotations

import copy
import logging
import sqlite3

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from config.settings import Settings
from store import FileStatus, Store, StoreError, mask_id
from store.models import FileEntry
from tests.search_fixtures.factory import Factory


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def store(settings):
    s = Store.open(settings)
    yield s
    s.close()


@pytest.fixture
def records():
    return Factory(seed=11).corpus(20)


def test_default_database_is_sqlite_under_the_data_dir(settings, store):
    assert settings.database_url == f"sqlite:///{settings.data_dir / 'sohoa.db'}"
    assert (settings.data_dir / "sohoa.db").is_file()


def test_migrations_create_every_table_and_stamp_the_head(store):
    tables = set(inspect(store.engine).get_table_names())
    assert {"files", "records", "corrections", "audit_log", "record_changes", "index_state",
            "alembic_version"} <= tables
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from store.db import MIGRATIONS_DIR

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_reopening_an_existing_store_keeps_its_data(settings, store, records):
    store.save_record(records[0])
    store.close()
    again = Store.open(settings)
    assert again.get_record(records[0]["id"]) == records[0]
    again.close()


def test_save_get_and_iterate_in_id_order(store, records):
    store.save_records(records)
    assert store.count_records() == len(records)
    assert store.get_record(records[3]["id"]) == records[3]
    assert store.get_record("f" * 64) is None
    ids = [r["id"] for r in store.iter_records(batch_size=7)]
    assert ids == sorted(r["id"] for r in records)
    middle = ids[9]
    assert [r["id"] for r in store.iter_records(after_id=middle)] == ids[10:]


def test_searchable_columns_follow_the_record(store, records):
    rec = next(r for r in records if r["fields"].get("subject_name"))
    store.save_record(rec)
    with store.engine.connect() as conn:
        row = conn.execute(text("SELECT doc_type, subject_name, subject_name_key, subject_id, issue_date "
                                "FROM records WHERE id = :id"), {"id": rec["id"]}).one()
    assert row.doc_type == rec["doc_type"]
    assert row.subject_name == rec["fields"]["subject_name"]
    assert row.subject_name_key.isascii() and row.subject_name_key == row.subject_name_key.lower()
    assert row.issue_date == rec["fields"]["issue_date"]


def test_hostile_text_is_data_not_sql(store, records):
    rec = copy.deepcopy(records[0])
    rec["fields"]["subject_name"] = "Robert'); DROP TABLE records;--"
    store.save_record(rec)
    assert store.get_record(rec["id"])["fields"]["subject_name"] == rec["fields"]["subject_name"]
    assert store.count_records() == 1


def test_ledger_skips_finished_files_and_retries_failed_ones(store, records):
    rec = records[0]
    sha = rec["source"]["sha256"]
    assert not store.has_file(sha)
    store.mark_file(sha, FileStatus.PENDING, path=rec["source"]["path"], batch_id="b1")
    assert not store.has_file(sha)
    store.mark_file(sha, "failed", error_code="ocr_timeout", error_message="page 3 took too long")
    entry = store.get_file(sha)
    assert (entry.status, entry.error_code, entry.attempts, entry.batch_id) == ("failed", "ocr_timeout", 1, "b1")
    assert not store.has_file(sha)
    store.save_record(rec)  # a successful extraction marks the file done and clears the error
    entry = store.get_file(sha)
    assert (entry.status, entry.error_code, entry.record_id, entry.attempts) == ("done", None, rec["id"], 2)
    assert store.has_file(sha)
    assert not store.has_file(sha, "0.2.0")  # a new pipeline version processes it again
    assert store.file_counts() == {"done": 1}


def test_ledger_is_unique_per_file_and_pipeline_version(store, records):
    sha = records[0]["id"]
    store.mark_file(sha, "done", path="a.pdf")
    store.mark_file(sha, "done", path="b.pdf")  # same bytes seen under another name: one row
    store.mark_file(sha, "pending", path="a.pdf", pipeline_version="0.2.0")
    assert len(store.files()) == 2
    with pytest.raises(IntegrityError), store.session() as s, s.begin():
        s.add(FileEntry(sha256=sha, pipeline_version="0.1.0", path="c.pdf", status="done", attempts=0))


def test_corrections_survive_re_extraction(store, records):
    rec = next(r for r in records if r["fields"].get("subject_name"))
    store.save_record(rec)
    fixed = store.apply_correction(rec["id"], "subject_name", "Nguyễn Thị Thúy Hằng", who="clerk.an", reason="OCR")
    assert fixed["fields"]["subject_name"] == "Nguyễn Thị Thúy Hằng"
    assert fixed["corrected"]["subject_name"]["by"] == "clerk.an"
    store.apply_correction(rec["id"], "doc_type", "quyet_dinh", who="clerk.an")
    store.apply_correction(rec["id"], "place", None, who="clerk.binh")  # remove a misread field

    re_extracted = copy.deepcopy(rec)  # a new pipeline version reads the same wrong values again
    re_extracted["pipeline_version"] = "0.2.0"
    saved = store.save_record(re_extracted)
    for stored in (saved, store.get_record(rec["id"])):
        assert stored["fields"]["subject_name"] == "Nguyễn Thị Thúy Hằng"
        assert stored["doc_type"] == "quyet_dinh"
        assert "place" not in stored["fields"]
        assert stored["pipeline_version"] == "0.2.0"
    history = store.corrections(rec["id"])
    assert [(c.field, c.who) for c in history] == [("subject_name", "clerk.an"), ("doc_type", "clerk.an"),
                                                  ("place", "clerk.binh")]
    assert history[0].old_value == rec["fields"]["subject_name"]
    assert history[0].reason == "OCR"
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT subject_name FROM records WHERE id=:id"),
                            {"id": rec["id"]}).scalar() == "Nguyễn Thị Thúy Hằng"


def test_corrections_are_refused_for_unknown_records_and_protected_keys(store, records):
    store.save_record(records[0])
    with pytest.raises(StoreError):
        store.apply_correction("0" * 64, "subject_name", "X", who="a")
    with pytest.raises(StoreError):
        store.apply_correction(records[0]["id"], "id", "x", who="a")


def test_audit_keeps_the_query_and_logs_it_masked(store, caplog):
    caplog.set_level(logging.INFO, logger="sohoa")
    store.audit("clerk.an", "person", query="036220614006", result_count=3)
    store.audit("clerk.binh", "search", query="Phan Quang Tùng", result_count=1, detail={"filters": {"place": "x"}})
    entries = store.audit_entries()
    assert [(e.who, e.action, e.query, e.result_count) for e in entries] == [
        ("clerk.binh", "search", "Phan Quang Tùng", 1), ("clerk.an", "person", "036220614006", 3)]
    assert store.audit_entries(who="clerk.an")[0].at is not None
    assert "036220614006" not in caplog.text
    assert "0362******06" in caplog.text


def test_change_feed_records_saves_corrections_and_deletes(store, records):
    store.save_records(records[:3])
    store.apply_correction(records[0]["id"], "subject_name", "Lê Văn Đức", who="a")
    assert store.delete_record(records[1]["id"], who="a", reason="duplicate")
    assert not store.delete_record(records[1]["id"], who="a")
    changes = store.changes_since(0)
    assert [op for _, _, op in changes] == ["upsert"] * 4 + ["delete"]
    assert store.last_change_seq() == changes[-1][0]
    assert store.changes_since(changes[2][0]) == changes[3:]
    assert store.get_record(records[1]["id"]) is None


def test_the_database_url_password_never_shows_in_config():
    s = Settings(database_url="postgresql+psycopg://sohoa:s3cret@db.local/sohoa", es_password="hunter2")
    shown = str(s.describe())
    assert "s3cret" not in shown and "hunter2" not in shown
    assert s.database_url.endswith("s3cret@db.local/sohoa")  # the real value is still usable


@pytest.mark.parametrize(("raw", "masked"), [
    ("036220614006", "0362******06"),
    ("CCCD số 036220614006.", "CCCD số 0362******06."),
    ("CMND 123456789", "CMND 123****89"),
    ("036 220 614 006", "0362******06"),
    ("0912345678 (phone), 0101234567-001 (tax code), 2021-07-05", "0912345678 (phone), 0101234567-001 (tax code), 2021-07-05"),
    ("", ""),
])
def test_mask_id(raw, masked):
    assert mask_id(raw) == masked


def test_sqlite_file_is_a_plain_sqlite_database(settings, store, records):
    store.save_record(records[0])
    con = sqlite3.connect(settings.data_dir / "sohoa.db")
    assert con.execute("SELECT count(*) FROM records").fetchone()[0] == 1
    con.close()
