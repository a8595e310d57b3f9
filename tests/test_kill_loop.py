"""Kill-and-resume loop: `sohoa ingest` killed with SIGKILL (the whole process group, as a power cut or the
OOM killer would) at random moments and inside every dangerous window, then resumed by running the same
command again; after each resume `sohoa check` must find store, archive and index in agreement, with every
file processed exactly once.

Half the trials kill at a named fault point (config/faults.py, SOHOA_FAULT_KILL_AT), cycling through
before_extract, after_archive_write, after_archive_rename, after_store_save and during_index_sync; the other
half at a random time of the run. Trials run in lanes of five that share a data directory (the first of a
lane starts from nothing, so the index's first build is killed too; the later ones add new scans to a
store and an index that already hold records). Seeded: SOHOA_KILL_LOOP_SEED replays a sequence.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from archival.check import run_check
from config.faults import ENV as FAULT_ENV
from config.settings import Settings
from tests import faults_support
from tests.faults_support import ROOT, cli_env, sohoa, tiny_scans

prefect_api = faults_support.prefect_api  # fixture: one `prefect server start` for the module

TRIALS = 20
FILES = 2  # new scans per trial
LANE = 5  # trials per data directory
POINTS = ("before_extract", "after_archive_write", "after_archive_rename", "after_store_save", "during_index_sync")
SEED = int(os.environ.get("SOHOA_KILL_LOOP_SEED", "20261122"))


@dataclass
class Trial:
    number: int
    workers: int
    point: str | None = None  # a named fault point, or None: a kill after `delay` seconds
    nth: int = 1
    delay: float = 0.0
    killed: bool = False
    at_kill: str = ""
    resume_s: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def how(self) -> str:
        return f"{self.point}:{self.nth}" if self.point else f"after {self.delay:.1f} s"


def plan(rng: random.Random, calibration_s: float) -> list[Trial]:
    trials = []
    for k in range(TRIALS):
        workers = 2 if k in (4, 9) else 1  # a pool of worker processes: once killed at a point, once at random
        if k % 2 == 0:
            point = POINTS[(k // 2) % len(POINTS)]
            # counts are per process: with two workers each sees about half the files
            nth = 1 if point == "during_index_sync" else rng.randint(1, FILES if workers == 1 else 1)
            trials.append(Trial(k, workers, point=point, nth=nth))
        else:
            span = calibration_s * (1.6 if workers > 1 else 1.0)
            trials.append(Trial(k, workers, delay=rng.uniform(0.1, 0.8) * span))
    return trials


def _db(data: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{data / 'sohoa.db'}?mode=ro", uri=True, timeout=10)


def _snapshot(data: Path) -> str:
    """What a kill left behind, as `sohoa check` sees it (errors are expected here: the run is unfinished)."""
    if not (data / "sohoa.db").exists():
        return "nothing stored"
    with _db(data) as con:
        records = con.execute("select count(*) from records").fetchone()[0]
    report = run_check(Settings(data_dir=data), verify_checksums=False)
    kinds = sorted({f.kind for f in report.findings})
    return f"{records} rec, {report.archive_files} pdf, {','.join(kinds) or 'clean'}"


def _verify(data: Path, expected: int, env: dict[str, str]) -> list[str]:
    """Everything that must hold after a resume; returns what does not."""
    from search.base import open_backend
    from store import Store

    problems = []
    check = sohoa(["check", "--json"], env)
    try:
        found = json.loads(check.stdout)
    except json.JSONDecodeError:
        return [f"sohoa check printed no JSON (exit {check.returncode}): {check.stderr[-500:]}"]
    if check.returncode != 0 or not found["ok"]:
        problems.append("sohoa check: " + "; ".join(f"{f['kind']} {f['subject'][-40:]}" for f in found["findings"]
                                                    if f["severity"] == "error"))
    if found["records"] != expected or found["archive_files"] != expected:
        problems.append(f"check counts {found['records']} records, {found['archive_files']} archival files, "
                        f"expected {expected}")
    with _db(data) as con:
        files = con.execute("select count(*), count(distinct sha256), count(distinct record_id) from files "
                            "where status in ('done','needs_review')").fetchone()
        other = con.execute("select status, count(*) from files where status not in ('done','needs_review') "
                            "group by status").fetchall()
        records = con.execute("select count(*) from records").fetchone()[0]
    if files != (expected, expected, expected) or records != expected:
        problems.append(f"ledger {files} / records {records}, expected {expected} of each")
    if other:
        problems.append(f"unfinished ledger rows: {other}")
    settings = Settings(data_dir=data)
    with Store.open(settings) as store, open_backend(settings) as backend:
        agreement = backend.verify(store)
        docs = backend.count()  # counts duplicate documents too, unlike the id comparison
    if not agreement.ok or docs != expected:
        problems.append(f"index holds {docs} documents, missing {agreement.missing[:2]}, extra {agreement.extra[:2]}")
    leftovers = [p for p in (data / "archive").rglob("*") if p.is_file() and "staging" in p.parts
                 and not p.name.startswith(".sohoa-")]
    if leftovers:
        problems.append(f"complete copies left in staging: {[p.name for p in leftovers]}")
    return problems


def _ingest(inbox: Path, trial: Trial, env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("wb") as err:
        return subprocess.Popen([sys.executable, "-m", "sohoa", "ingest", str(inbox), "--workers", str(trial.workers)],
                                env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err,
                                start_new_session=True)  # its own process group: the kill takes workers, Tesseract


def test_twenty_kills_at_random_points_each_resumed_to_a_consistent_state(prefect_api, tmp_path):
    started = time.monotonic()
    rng = random.Random(SEED)

    # one plain run sizes the random kill times (and warms the caches)
    calib = tmp_path / "calibration"
    tiny_scans(calib / "inbox", FILES, tag=999)
    t0 = time.monotonic()
    first = sohoa(["ingest", str(calib / "inbox"), "--workers", "1"], cli_env(calib / "data", prefect_api))
    calibration_s = time.monotonic() - t0
    assert first.returncode == 0, first.stderr[-3000:]

    trials = plan(rng, calibration_s)
    print(f"\nkill loop: seed {SEED}, {TRIALS} trials, {FILES} new scans each, one full run {calibration_s:.1f} s")
    for trial in trials:
        lane = tmp_path / f"lane-{trial.number // LANE}"
        data, inbox = lane / "data", lane / "inbox"
        tiny_scans(inbox / f"t{trial.number:02d}", FILES, tag=trial.number)
        expected = FILES * (trial.number % LANE + 1)
        env = cli_env(data, prefect_api)

        fault_env = {**env, FAULT_ENV: f"{trial.point}:{trial.nth}"} if trial.point else env
        log = lane / f"killed-run-{trial.number:02d}.log"
        proc = _ingest(inbox, trial, fault_env, log)
        try:
            proc.wait(timeout=trial.delay if not trial.point else 300)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        err = log.read_text(errors="replace")
        trial.killed = proc.returncode == -signal.SIGKILL
        if trial.point and not trial.killed:
            trial.problems.append(f"fault point not reached (exit {proc.returncode}): {err[-300:]}")
        trial.at_kill = _snapshot(data)

        t1 = time.monotonic()
        resume = sohoa(["ingest", str(inbox), "--workers", str(trial.workers)], env)
        trial.resume_s = time.monotonic() - t1
        if resume.returncode != 0:
            trial.problems.append(f"resume exit {resume.returncode}: {resume.stderr[-800:]}")
        trial.problems += _verify(data, expected, env)
        verdict = "consistent" if not trial.problems else "INCONSISTENT: " + " | ".join(trial.problems)
        print(f"trial {trial.number:2d} w{trial.workers} {trial.how:<24} "
              f"{'killed' if trial.killed else 'ran out':<7} [{trial.at_kill}] "
              f"resume {trial.resume_s:4.1f} s -> {expected:2d} files: {verdict}", flush=True)

    consistent = sum(not t.problems for t in trials)
    kills = sum(t.killed for t in trials)
    print(f"kill loop: {consistent}/{TRIALS} consistent, {kills} killed, {time.monotonic() - started:.0f} s")
    assert consistent == TRIALS, [(t.number, t.how, t.problems) for t in trials if t.problems]
    assert kills >= TRIALS - 3, "too few runs were killed before they finished: the random delays are too long"
