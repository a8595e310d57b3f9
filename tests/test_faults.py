"""Faults a real office meets, for real: the search backend down during a batch, Elasticsearch answering
429/503, a disk that fills while the archival copy is written. After each, `sohoa check` must agree."""

from __future__ import annotations

import errno
import hashlib
import os
import secrets
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from archival.check import run_check
from config.settings import Settings
from search.base import open_backend
from store import Store
from tests import faults_support
from tests.faults_support import FaultProxy, cli_env, free_port, sohoa, tiny_scans
from tests.search_fixtures import servers
from tests.search_fixtures.factory import Factory

es_url = servers.es_url  # fixture: an osmem-server on a free loopback port
prefect_api = faults_support.prefect_api  # fixture: one `prefect server start` for the module


def _flat(text: str) -> str:
    return " ".join(text.split())  # rich wraps long lines


def _ledger(data: Path) -> dict[str, tuple[str, str | None]]:
    with sqlite3.connect(data / "sohoa.db") as con:
        return {Path(p).name: (s, c) for p, s, c in con.execute("select path, status, error_code from files")}


def _archive_files(data: Path) -> list[Path]:
    root = data / "archive"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []


def _es_env(url: str, prefix: str) -> dict[str, str]:
    return {"SOHOA_SEARCH_BACKEND": "elasticsearch", "SOHOA_ES_URL": url, "SOHOA_ES_OPENSEARCH_COMPAT": "true",
            "SOHOA_ES_INDEX_PREFIX": prefix, "SOHOA_ES_MAX_RETRIES": "1", "SOHOA_ES_TIMEOUT_S": "5"}


def _es_settings(data: Path, url: str, prefix: str, retries: int = 1) -> Settings:
    return Settings(data_dir=data, search_backend="elasticsearch", es_url=url, es_opensearch_compat=True,
                    es_index_prefix=prefix, es_max_retries=retries, es_timeout_s=5)


# ---- 1. the search backend is down during a batch ------------------------------------------------------


def test_elasticsearch_down_during_a_batch_stores_everything_and_reindex_catches_up(prefect_api, es_url, tmp_path):
    data, batch = tmp_path / "data", tmp_path / "batch"
    tiny_scans(batch, 2, tag=1)
    prefix = f"f{secrets.token_hex(4)}"
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    down = cli_env(data, prefect_api, **_es_env(closed, prefix))

    run = sohoa(["ingest", str(batch), "--workers", "1"], down)
    assert run.returncode == 0, run.stderr[-3000:]  # the batch succeeds...
    said = _flat(run.stderr)
    assert "index not updated" in said and "records are stored" in said and "sohoa reindex" in said, said[-2000:]
    statuses = [s for s, _ in _ledger(data).values()]
    assert len(statuses) == 2 and set(statuses) <= {"done", "needs_review"}
    with Store.open(Settings(data_dir=data)) as store:
        assert store.count_records() == 2  # ...with every record stored
    findings = run_check(_es_settings(data, closed, prefix)).findings
    assert {f.kind for f in findings if f.severity == "error"} == {"index_unavailable"}

    up = cli_env(data, prefect_api, **_es_env(es_url, prefix))
    reindex = sohoa(["reindex", "--check", "--quiet"], up)
    assert reindex.returncode == 0, reindex.stderr[-2000:]
    assert "missing 0, extra 0" in reindex.stdout
    check = sohoa(["check"], up)
    assert check.returncode == 0, check.stderr[-2000:]
    report = run_check(_es_settings(data, es_url, prefix))
    assert report.ok and report.records == 2 and report.archive_files == 2, report.findings


def test_tantivy_locked_during_a_batch_then_the_next_batch_indexes_what_was_missed(prefect_api, tmp_path):
    from search.tantivy_index import TantivyBackend

    data = tmp_path / "data"
    env = cli_env(data, prefect_api)
    settings = Settings(data_dir=data)
    tiny_scans(tmp_path / "b1", 1, tag=11)
    assert sohoa(["ingest", str(tmp_path / "b1"), "--workers", "1"], env).returncode == 0

    holder = TantivyBackend(settings)  # another process holds the index writer (a long reindex, a stuck web app)
    holder._writer(holder._active_generation())
    try:
        tiny_scans(tmp_path / "b2", 2, tag=12)
        run = sohoa(["ingest", str(tmp_path / "b2"), "--workers", "1"], env)
        assert run.returncode == 0, run.stderr[-3000:]
        said = _flat(run.stderr)
        assert "index not updated" in said and "being written by another process" in said, said[-2000:]
        report = run_check(settings)
        assert report.records == 3
        assert sorted(f.kind for f in report.findings if f.severity == "error") == ["missing_from_index"] * 2
    finally:
        holder.close()  # the other writer lets go

    tiny_scans(tmp_path / "b3", 1, tag=13)
    run = sohoa(["ingest", str(tmp_path / "b3"), "--workers", "1"], env)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "3 change(s) indexed" in _flat(run.stderr)  # the two missed and the new one
    check = sohoa(["check"], env)
    assert check.returncode == 0, check.stderr[-2000:]
    report = run_check(settings)
    assert report.ok and report.records == report.archive_files == 4, report.findings
    with Store.open(settings) as store, open_backend(settings) as backend:
        assert backend.count() == 4 and backend.verify(store).ok


# ---- 2. Elasticsearch answers 429 / 503 ----------------------------------------------------------------


def test_bulk_indexing_backs_off_on_429_and_503_and_loses_nothing(es_url, tmp_path):
    proxy = FaultProxy(es_url, whole=2, statuses=(429, 503), items=1)
    prefix = f"f{secrets.token_hex(4)}"
    try:
        settings = _es_settings(tmp_path / "data", proxy.url, prefix, retries=4)
        records = Factory(seed=5, unique_names=True).corpus(120)
        with Store.open(settings) as store, open_backend(settings) as backend:
            store.save_records(records)
            assert backend.sync_from(store) == 120
        bulk = proxy.bulk_log()
        # 429 for the whole request, then 503, then the first action refused with a per-item 429
        assert [s for s, _ in bulk] == [429, 503, 200, 200], bulk
        assert proxy.refused_items == 1
        gaps = [round(b - a, 2) for (_, a), (_, b) in zip(bulk, bulk[1:], strict=False)]
        # back-off (0.5 s, 1 s, 2 s), not the transport's immediate retries
        assert gaps[0] >= 0.45 and gaps[1] >= 0.95 and gaps[2] >= 1.9, gaps

        direct = _es_settings(tmp_path / "data", es_url, prefix)
        with Store.open(direct) as store, open_backend(direct) as backend:
            agreement = backend.verify(store)
            assert agreement.ok and agreement.index_count == backend.count() == 120
    finally:
        proxy.close()


def test_a_cluster_that_stays_busy_fails_the_sync_and_the_store_keeps_the_changes(es_url, tmp_path):
    proxy = FaultProxy(es_url, whole=10, statuses=(503,))
    prefix = f"f{secrets.token_hex(4)}"
    try:
        settings = _es_settings(tmp_path / "data", proxy.url, prefix, retries=2)
        with Store.open(settings) as store, open_backend(settings) as backend:
            store.save_records(Factory(seed=6, unique_names=True).corpus(10))
            with pytest.raises(Exception, match="503"):
                backend.sync_from(store)
            assert [s for s, _ in proxy.bulk_log()] == [503, 503, 503]  # 1 + es_max_retries attempts
        direct = _es_settings(tmp_path / "data", es_url, prefix)
        with Store.open(direct) as store, open_backend(direct) as backend:
            assert backend.sync_from(store) == 10  # the interrupted build resumes
            assert backend.verify(store).ok
    finally:
        proxy.close()


# ---- 3. the disk fills while the archival copy is written ----------------------------------------------


def _mount_tmpfs(where: Path, size: str) -> bool:
    where.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True)
    return done.returncode == 0


def _remount(where: Path, size: str) -> None:
    subprocess.run(["mount", "-o", f"remount,size={size}", str(where)], check=True, capture_output=True)


def test_disk_full_on_a_real_small_filesystem_leaves_nothing_half_written_and_a_rerun_finishes(prefect_api, tmp_path):
    data = tmp_path / "data"
    archive = data / "archive"
    if not _mount_tmpfs(archive, "8m"):
        pytest.skip("needs root and tmpfs (the fault-injection test below covers the same path)")
    try:
        env = cli_env(data, prefect_api)
        batch = tmp_path / "batch"
        tiny_scans(batch / "a", 1, tag=21)
        first = sohoa(["ingest", str(batch), "--workers", "1"], env)
        assert first.returncode == 0, first.stderr[-3000:]
        kept = _archive_files(data)
        assert len(kept) == 1
        used_kb = shutil.disk_usage(archive).used // 1024
        _remount(archive, f"{used_kb + 24}k")  # the disk is nearly full now

        tiny_scans(batch / "b", 2, tag=22)
        full = sohoa(["ingest", str(batch), "--workers", "1"], env)
        said = _flat(full.stderr)
        assert full.returncode == 1, said[-3000:]  # some failed
        assert said.count("disk_full: disk full while writing the archival copy") == 2, said[-3000:]
        assert "run the same ingest again" in said
        assert _archive_files(data) == kept  # nothing half-written, no temporary left behind
        ledger = list(_ledger(data).values())
        failed = [v for v in ledger if v[0] == "failed"]
        stored = [s for s, _ in ledger if s != "failed"]
        assert failed == [("failed", "disk_full")] * 2 and stored in (["done"], ["needs_review"]), ledger
        assert not (data / "quarantine").exists()  # not the files' fault: not set aside
        report = run_check(Settings(data_dir=data))
        assert report.ok and report.records == report.archive_files == 1, report.findings
        assert {f.kind for f in report.findings} <= {"leftover_temporary", "unfinished_file"}
        assert len([f for f in report.findings if f.kind == "unfinished_file"]) == 2

        _remount(archive, "64m")  # space again
        rerun = sohoa(["ingest", str(batch), "--workers", "1"], env)
        assert rerun.returncode == 0, rerun.stderr[-3000:]
        check = sohoa(["check"], env)
        assert check.returncode == 0 and "warning" not in check.stderr, check.stderr[-2000:]
        report = run_check(Settings(data_dir=data))
        assert report.ok and report.records == report.archive_files == 3 and not report.findings, report.findings
    finally:
        subprocess.run(["umount", "-l", str(archive)], capture_output=True)


def test_disk_full_injected_into_the_pdfa_write(tmp_path, monkeypatch):
    """The same path without root: OCRmyPDF's output write fails with ENOSPC half-way through."""
    import ocrmypdf

    from flows.ingest import _is_transient, index_new
    from flows.work import DiskFullError, describe_failure, open_store, process_file, quarantine

    data = tmp_path / "data"
    settings = Settings(data_dir=data)
    scans = tiny_scans(tmp_path / "batch", 1, tag=31)
    sha = hashlib.sha256(scans[0].read_bytes()).hexdigest()
    real_ocr = ocrmypdf.ocr

    def full_disk(input_file, output_file, **kw):
        Path(output_file).write_bytes(b"%PDF-1.7\n% half a file")  # what was written before the disk filled
        raise OSError(errno.ENOSPC, "No space left on device", str(output_file))

    monkeypatch.setattr(ocrmypdf, "ocr", full_disk)
    with pytest.raises(DiskFullError) as caught:
        process_file(scans[0], sha, "b1", settings)
    exc = caught.value
    assert exc.errno == errno.ENOSPC and "disk full while writing the archival copy" in str(exc)

    class State:  # what Prefect hands the retry condition
        def result(self):
            raise exc

    assert _is_transient(None, None, State()) is False  # no retry seconds later: the next run does it
    code, message = describe_failure(exc)
    assert code == "disk_full" and "run the same ingest again" in message
    quarantine(settings, scans[0], sha, code, message, "b1")  # what the flow does once the task failed
    assert not (data / "quarantine").exists()
    assert _archive_files(data) == []  # neither the half file nor the draft is left
    store = open_store(settings)
    assert store.count_records() == 0  # no record without its archival copy
    assert not store.has_file(sha)  # the next run processes it
    assert store.get_file(sha).error_code == "disk_full"
    report = run_check(settings)
    assert report.ok and [f.kind for f in report.findings] == ["unfinished_file"], report.findings

    monkeypatch.setattr(ocrmypdf, "ocr", real_ocr)  # space again
    outcome = process_file(scans[0], sha, "b2", settings)
    assert outcome.status in ("done", "needs_review")
    assert index_new(settings) == "1 change(s) indexed"  # the flow's last step
    report = run_check(settings)
    assert report.ok and report.records == report.archive_files == 1 and not report.findings, report.findings


def test_disk_full_is_recognised_through_wrapping_exceptions():
    from flows.work import describe_failure, is_disk_full

    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as inner:
            raise RuntimeError("qpdf: write failed") from inner
    except RuntimeError as outer:
        assert is_disk_full(outer)
        assert describe_failure(outer)[0] == "disk_full"
    assert is_disk_full(RuntimeError("pikepdf: No space left on device"))
    assert not is_disk_full(ValueError("bad page"))
    assert describe_failure(ValueError("bad page")) == ("processing_failed", "ValueError: bad page")
    assert describe_failure(OSError(errno.EDQUOT, "Disk quota exceeded"))[0] == "disk_full"
