"""The index follows the store: upserts, deletes, corrections, rebuilds that resume after a crash,
and a reindex killed with SIGKILL that a rerun brings back to agreement. Both backends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from search.query import Query
from store import Store
from tests.search_fixtures import servers
from tests.search_fixtures.factory import Factory
from tests.search_fixtures.servers import BACKENDS, backend_env

# fixtures shared with the other search tests (tests/conftest.py is not ours to add)
es_url = servers.es_url
make_backend = servers.make_backend

ROOT = Path(__file__).resolve().parents[1]


def _records(n: int, seed: int = 21) -> list[dict]:
    factory = Factory(seed=seed, unique_names=True)
    return factory.corpus(n)


def _subject(record: dict) -> str:
    return record["fields"].get("subject_name") or record["fields"]["husband_name"]


@pytest.mark.parametrize("kind", BACKENDS)
def test_index_records_upserts_by_id_and_delete_removes(kind, make_backend):
    _, backend = make_backend(kind)
    records = _records(30)
    backend.index_records(records)
    changed = dict(records[0], fields=dict(records[0]["fields"], subject_name="Khúc Thừa Dụ", subject_id="001080009999"))
    backend.index_records([changed])
    assert backend.count() == 30
    assert backend.search(Query(text="Khúc Thừa Dụ")).hits[0].id == records[0]["id"]
    backend.delete([records[0]["id"], "0" * 64])  # an unknown id is no error
    assert backend.count() == 29
    assert backend.search(Query(text="001080009999")).total == 0


@pytest.mark.parametrize("kind", BACKENDS)
def test_rebuild_then_sync_follows_saves_corrections_and_deletes(kind, make_backend):
    settings, backend = make_backend(kind)
    store = Store.open(settings)
    records = _records(60)
    store.save_records(records[:50])
    report = backend.rebuild_from(store, batch_size=20)
    assert (report.indexed, report.index_count, report.resumed) == (50, 50, False)
    assert backend.verify(store).ok

    store.save_records(records[50:])  # ingest goes on
    target = records[3]
    store.apply_correction(target["id"], "subject_name" if "subject_name" in target["fields"] else "husband_name",
                           "Lý Công Uẩn", who="clerk")
    store.delete_record(records[4]["id"], who="clerk", reason="duplicate")
    assert backend.sync_from(store) == 12
    agreement = backend.verify(store)
    assert agreement.ok and agreement.index_count == 59
    assert backend.search(Query(text="ly cong uan")).hits[0].id == target["id"]
    # the OCR text still prints the old spelling, the record's fields show the corrected one
    hit = next(h for h in backend.search(Query(text=_subject(target))).hits if h.id == target["id"])
    assert hit.subject_name == "Lý Công Uẩn"
    assert backend.sync_from(store) == 0  # nothing new
    store.close()


@pytest.mark.parametrize("kind", BACKENDS)
def test_a_rebuild_swaps_generations_and_leaves_no_debris(kind, make_backend):
    settings, backend = make_backend(kind)
    store = Store.open(settings)
    store.save_records(_records(40))
    first = backend.rebuild_from(store)
    second = backend.rebuild_from(store)
    assert first.generation != second.generation
    assert backend._generations() == [second.generation] == [backend._active_generation()]
    assert backend.verify(store).ok
    store.close()


class Interrupted(Exception):
    pass


@pytest.mark.parametrize("kind", BACKENDS)
def test_an_interrupted_rebuild_resumes_and_the_old_index_answers_meanwhile(kind, make_backend):
    settings, backend = make_backend(kind)
    store = Store.open(settings)
    records = _records(100)
    store.save_records(records[:30])
    backend.rebuild_from(store)
    store.save_records(records[30:])

    def stop_after_two_batches(done: int, total: int) -> None:
        if done >= 40:
            raise Interrupted

    with pytest.raises(Interrupted):
        backend.rebuild_from(store, batch_size=20, progress=stop_after_two_batches)
    state = store.get_index_state(backend.state_name)
    assert state.building_generation and state.cursor and state.indexed_count == 40
    assert backend.count() == 30  # searches still read the complete old generation

    report = backend.rebuild_from(store, batch_size=20)
    assert report.resumed and report.indexed == 100
    assert backend.verify(store).ok
    assert len(backend._generations()) == 1
    store.close()


@pytest.mark.parametrize("kind", BACKENDS)
def test_reindex_killed_with_sigkill_then_rerun_agrees_with_the_store(kind, make_backend):
    settings, backend = make_backend(kind)
    store = Store.open(settings)
    total = 1500
    store.save_records(_records(total, seed=33))
    env = {**os.environ, **backend_env(settings), "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "sohoa.cli_store", "reindex", "--batch-size", "10", "--quiet"]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    killed_at = None
    while time.monotonic() < deadline and proc.poll() is None:
        state = store.get_index_state(backend.state_name)
        if state is not None and state.indexed_count >= 200:
            proc.send_signal(signal.SIGKILL)
            killed_at = state.indexed_count
            break
        time.sleep(0.01)
    proc.wait(timeout=30)
    assert killed_at is not None and proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()[-2000:]
    state = store.get_index_state(backend.state_name)
    assert state.building_generation is not None and state.indexed_count < total  # killed mid-build

    rerun = subprocess.run([*cmd[:4], "--check"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert "resumed" in rerun.stdout and "missing 0, extra 0" in rerun.stdout
    agreement = backend.verify(store)
    assert agreement.ok and agreement.store_count == agreement.index_count == total
    store.close()
