"""The ingest flow, for real: Prefect (prefect_test_harness), Tesseract, PDF/A, SQLite store, Tantivy index."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from config.settings import Settings, get_settings
from tests.fixtures import hostile
from tests.fixtures.generator import generate_document, save_document

ROOT = Path(__file__).resolve().parents[1]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture()
def data_dir(tmp_path, monkeypatch):
    d = tmp_path / "data"
    monkeypatch.setenv("SOHOA_DATA_DIR", str(d))
    get_settings.cache_clear()
    yield d
    get_settings.cache_clear()


def _good_pages(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    a = save_document(generate_document(11, doc_type="quyet_dinh", level="clean"), folder, fmt="png")
    b = save_document(generate_document(12, doc_type="giay_khai_sinh", level="light"), folder, fmt="jpg")
    for truth in folder.glob("*.truth.json"):
        truth.unlink()
    return [a, b]


def test_bad_files_are_set_aside_and_the_batch_goes_on(harness, data_dir, tmp_path):
    from flows.ingest import ingest_with_workers
    from search.base import open_backend
    from store.db import Store

    batch = tmp_path / "batch"
    good = _good_pages(batch)
    dup = batch / "copy of first page.png"
    shutil.copy(good[0], dup)
    bad = {
        "empty_file": hostile.zero_byte(batch),
        "corrupt_file": hostile.truncated_pdf(batch),
        "encrypted_pdf": hostile.encrypted_pdf(batch),
    }
    before = {p: _sha(p) for p in batch.iterdir()}

    report = ingest_with_workers([str(batch)], workers=2, batch_id="test-batch")

    counts = report["counts"]
    assert counts["done"] + counts["needs_review"] == 2
    assert counts["skipped_duplicate"] == 1
    assert counts["failed"] == 3
    failed = {Path(f["path"]).name: f["code"] for f in report["failures"]}
    assert failed == {p.name: code for code, p in bad.items()}
    # originals untouched, bad ones copied to quarantine with the reason beside them
    assert {p: _sha(p) for p in batch.iterdir()} == before
    reasons = list((data_dir / "quarantine").glob("*/reason.json"))
    assert len(reasons) == 3
    # the archival copies are PDF/A with a text layer
    settings = Settings()
    with Store.open(settings) as store:
        records = list(store.iter_records())
        assert len(records) == 2
        for rec in records:
            pdfa = Path(rec["archive"]["pdfa_path"])
            assert pdfa.is_file() and _sha(pdfa) == rec["archive"]["pdfa_sha256"]
            from ocrmypdf.pdfa import file_claims_pdfa

            assert file_claims_pdfa(pdfa)["pass"], file_claims_pdfa(pdfa)
        with open_backend(settings) as backend:
            assert backend.verify(store).ok
    from archival.check import run_check

    check = run_check(settings)
    assert check.ok and check.records == 2 and check.archive_files == 2, check.findings

    again = ingest_with_workers([str(batch)], workers=2)
    assert again["counts"]["done"] == again["counts"]["needs_review"] == 0
    # nothing is redone; the 3 set aside before are named with their first reason, not as "stored"
    assert again["counts"]["skipped_known"] == 2
    assert again["counts"]["skipped_quarantined"] == 3
    assert sorted(f["code"] for f in again["failed_before"]) == sorted(f["code"] for f in report["failures"])


def _done_count(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as con:
            return con.execute("select count(*) from files where status in ('done','needs_review')").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_kill_mid_batch_and_resume_processes_every_file_exactly_once(tmp_path):
    batch = tmp_path / "batch"
    batch.mkdir()
    for i in range(5):
        save_document(generate_document(40 + i, level="clean"), batch, fmt="png")
    for truth in batch.glob("*.truth.json"):
        truth.unlink()
    data = tmp_path / "data"
    env = {**os.environ, "SOHOA_DATA_DIR": str(data), "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "sohoa", "ingest", str(batch), "--workers", "1"]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + 300
    while _done_count(data / "sohoa.db") < 2 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.5)
    assert proc.poll() is None, "the batch finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_at = _done_count(data / "sohoa.db")
    assert 2 <= killed_at < 5

    rerun = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-2000:]

    with sqlite3.connect(data / "sohoa.db") as con:
        assert con.execute("select count(*) from records").fetchone()[0] == 5
        assert con.execute("select count(*) from files").fetchone()[0] == 5
        assert con.execute("select count(*) from files where status not in ('done','needs_review')").fetchone()[0] == 0
    archived = [p for p in (data / "archive").rglob("*.pdf") if "staging" not in p.parts]
    assert len(archived) == 5
    env_settings = Settings(data_dir=data)
    from search.base import open_backend
    from store.db import Store

    with Store.open(env_settings) as store, open_backend(env_settings) as backend:
        assert backend.verify(store).ok
    from archival.check import run_check

    check = run_check(env_settings)
    assert check.ok, check.findings
    # a damaged archival copy is caught
    victim = archived[0]
    victim.write_bytes(victim.read_bytes()[:-10])
    assert {f.kind for f in run_check(env_settings).findings} >= {"checksum_mismatch"}
