"""ID numbers never reach a log unmasked (issue 7).

A real `sohoa ingest` (subprocess: Prefect's temporary server, two worker processes, Tesseract, PDF/A,
store, index) of generated documents holding 12-digit personal IDs and 9-digit old IDs, with Sohoa's and
Prefect's logging at DEBUG and JSON logs to a file; then `sohoa web` searched by those IDs (pages and the
JSON API, with the access log on). Every line of stderr, stdout, the log files and the Prefect server's
log table is grepped for every ID as digits, in groups of 3 or 4, with spaces or dots.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.fixtures.generator import generate_document, save_document

ROOT = Path(__file__).resolve().parents[1]
# seed 8: a death extract with an old 9-digit ID; 12: a marriage certificate with two 12-digit IDs;
# 24: a household business registration (12-digit), its file named by its owner's ID as clerks sometimes do
SEEDS = (8, 12, 24)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


SEPARATORS = (" ", ".", "-")
IN_URLS = ("+", "%20", "%2E", "%2e")  # a space or dot as a query string carries it


def id_forms(pid: str, separators: tuple[str, ...] = SEPARATORS) -> set[str]:
    """The ways an ID may be printed: digits, groups of 3 (and 4 for 12 digits) with spaces, dots, dashes."""
    forms = {pid}
    for size in (3, 4):
        if len(pid) % size == 0:
            groups = [pid[i:i + size] for i in range(0, len(pid), size)]
            forms |= {sep.join(groups) for sep in separators}
    return forms


def unmasked(texts: dict[str, str], ids: set[str]) -> list[str]:
    """'where: line' for every line holding an ID in any of its forms."""
    found = []
    for where, text in texts.items():
        for line in text.splitlines():
            for pid in ids:
                if any(form in line for form in id_forms(pid, SEPARATORS + IN_URLS)):
                    found.append(f"{where}: {pid}: {line[:300]}")
    return found


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOHOA_", "PREFECT_"))}
    env.update(PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1", **extra)
    return env


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    base = tmp_path_factory.mktemp("leaks")
    batch, truths, data = base / "batch", base / "truth", base / "data"
    ids: set[str] = set()
    for seed in SEEDS:
        doc = generate_document(seed, level="clean")
        path = save_document(doc, batch, fmt="png", truth_dir=truths)
        truth = json.loads((truths / f"{path.stem}.truth.json").read_text(encoding="utf-8"))
        found = {v for k, v in truth["truth_fields"].items()
                 if k.endswith("_id") and isinstance(v, str) and re.fullmatch(r"\d{9}|\d{12}", v)}
        assert found, f"seed {seed}: no ID in the generated document"
        ids |= found
        if seed == 24:
            path.rename(path.with_name(f"ho-kinh-doanh {sorted(found)[0]}.png"))
    assert any(len(i) == 9 for i in ids) and any(len(i) == 12 for i in ids)
    log_file = base / "logs" / "sohoa.jsonl"
    env = _clean_env(SOHOA_DATA_DIR=str(data), SOHOA_LOG_LEVEL="DEBUG", SOHOA_LOG_FILE=str(log_file),
                     SOHOA_LOG_FORMAT="json", PREFECT_LOGGING_LEVEL="DEBUG")
    run = subprocess.run([sys.executable, "-m", "sohoa", "ingest", str(batch), "--workers", "2", "-v",
                          "--batch-id", "leak-check"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    return {"base": base, "data": data, "ids": ids, "log_file": log_file, "env": env, "run": run}


def _prefect_log_messages(data: Path) -> list[str]:
    dbs = [p for p in (data / "prefect").rglob("*.db")]
    assert dbs, "no Prefect database under <data_dir>/prefect"
    out = []
    for db in dbs:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
            tables = {r[0] for r in con.execute("select name from sqlite_master where type='table'")}
            if "log" in tables:
                out += [f"{name} {message}" for name, message in con.execute("select name, message from log")]
    return out


def test_ingest_at_debug_logs_no_id_unmasked(ingested):
    from config.settings import Settings
    from store.db import Store

    ids, run, log_file = ingested["ids"], ingested["run"], ingested["log_file"]
    # the IDs were really read (else the check below proves nothing)
    with Store.open(Settings(data_dir=ingested["data"])) as store:
        stored = json.dumps(list(store.iter_records()), ensure_ascii=False)
    assert sum(pid in stored for pid in ids) >= 2, "OCR read too few of the IDs for this test to mean anything"

    # masking must not break a handler (Prefect's API handler parses the run ids on each record)
    assert "Traceback" not in run.stderr and "--- Logging error ---" not in run.stderr, run.stderr[-3000:]
    lines = log_file.read_text(encoding="utf-8").splitlines()
    events = [json.loads(line) for line in lines]  # every line is one JSON object
    assert oct(log_file.stat().st_mode & 0o777) == oct(0o600)
    assert {"debug", "info"} <= {e["level"] for e in events}
    assert any(e["msg"] == "page read" for e in events) and any(e["msg"] == "file stored" for e in events)
    assert len({e["pid"] for e in events if e["msg"] == "page read"} - {None}) >= 1
    assert any(e["logger"].startswith("prefect") for e in events), "Prefect's logs reach the file too"
    prefect_db = _prefect_log_messages(ingested["data"])
    assert any("leak-check" in m for m in prefect_db), "the flow's own log lines are in Prefect's table"
    assert any("ho-kinh-doanh" in m for m in prefect_db), "the task runs' log lines are in Prefect's table"
    masked_name = [e for e in events if "ho-kinh-doanh" in json.dumps(e, ensure_ascii=False)]
    assert masked_name and all("*" in json.dumps(e) for e in masked_name)

    leaks = unmasked({"stderr": run.stderr, "stdout": run.stdout, "log file": "\n".join(lines),
                      "prefect log table": "\n".join(prefect_db)}, ids)
    assert not leaks, "\n".join(leaks[:20])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_web_search_by_id_logs_no_id_unmasked(ingested):
    ids, base = ingested["ids"], ingested["base"]
    web_log = base / "logs" / "web.jsonl"
    env = {**ingested["env"], "SOHOA_LOG_FILE": str(web_log), "SOHOA_WEB_SECRET_KEY": "k" * 40}
    password = "mat-khau-kiem-tra-1"
    add = subprocess.run([sys.executable, "-m", "sohoa", "user", "add", "tiepnhan", "--role", "clerk",
                          "--password-stdin"], input=password + "\n", env=env, cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert add.returncode == 0, add.stderr
    token = subprocess.run([sys.executable, "-m", "sohoa", "user", "token", "tiepnhan"], env=env, cwd=ROOT,
                           capture_output=True, text=True, timeout=120).stdout.strip()
    assert token.startswith("sohoa_")
    port = _free_port()
    out, err = base / "web.stdout", base / "web.stderr"
    with out.open("w") as fo, err.open("w") as fe:
        server = subprocess.Popen([sys.executable, "-m", "sohoa", "web", "--port", str(port), "-v"], env=env,
                                  cwd=ROOT, stdout=fo, stderr=fe, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, follow_redirects=False, timeout=30) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    page = client.get("/login")
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline and server.poll() is None, err.read_text()[-2000:]
                    time.sleep(0.3)
            r = client.post("/login", data={"username": "tiepnhan", "password": password,
                                            "csrf_token": CSRF.search(page.text).group(1)})
            assert r.status_code == 303
            hits = 0
            for pid in sorted(ids):
                for form in sorted(id_forms(pid)):
                    r = client.get("/search", params={"q": form})  # spaces travel as "+"
                    assert r.status_code == 200
                    hits += "/records/" in r.text
                r = client.get("/citizen", params={"id": pid})
                assert r.status_code == 200
                api = {"Authorization": f"Bearer {token}"}
                assert client.get("/api/search", params={"q": pid}, headers=api).status_code == 200
                assert client.get("/api/citizen", params={"id": pid}, headers=api).status_code == 200
                assert client.get(f"/search?q={pid}&bad=%ZZ").status_code in (200, 400)
                spaced = " ".join(pid[i:i + 3] for i in range(0, len(pid), 3)).replace(" ", "%20")
                assert client.get(f"/api/search?q={spaced}", headers=api).status_code == 200
            assert hits, "no search by ID found its record"
    finally:
        server.terminate()
        server.wait(timeout=30)
    texts = {"web stdout": out.read_text(), "web stderr": err.read_text(),
             "web log file": web_log.read_text(encoding="utf-8")}
    access = [json.loads(line) for line in texts["web log file"].splitlines()]
    assert any(e["logger"] == "uvicorn.access" and "/search?q=" in e["msg"] for e in access), "access log captured"
    assert any(e["logger"] == "sohoa.search" and e["level"] == "debug" for e in access)
    leaks = unmasked(texts, ids)
    assert not leaks, "\n".join(leaks[:20])


# ---- the safety net itself --------------------------------------------------------------------------------


def test_mask_filter_covers_arguments_extras_and_tracebacks(tmp_path, monkeypatch):
    from config.settings import get_settings
    from sohoa import logs

    monkeypatch.setenv("SOHOA_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SOHOA_LOG_FILE", str(tmp_path / "x.jsonl"))
    get_settings.cache_clear()
    monkeypatch.setattr(logs, "_HANDLERS", {})
    try:
        handler = logs.file_handler()
        logger = logging.getLogger("sohoa.test.leak")
        logger.addHandler(handler)
        logger.propagate = False
        logger.setLevel(logging.DEBUG)
        logger.info("lookup %s of %d", "036220614006", 123456789, extra={"who": "CMND 123 456 789",
                                                                        "ids": ["036.220.614.006"]})
        try:
            raise ValueError("bad id 0362 2061 4006")
        except ValueError:
            logger.exception("failed for %r", {"id": "036220614006"})
        logger.warning("db at postgresql://sohoa:hunter2-secret@db/sohoa")
        handler.flush()
        logger.removeHandler(handler)
        handler.close()
    finally:
        get_settings.cache_clear()
    text = (tmp_path / "x.jsonl").read_text(encoding="utf-8")
    assert not unmasked({"file": text}, {"036220614006", "123456789"}), text
    assert "hunter2" not in text and "0362******06" in text
    events = [json.loads(line) for line in text.splitlines()]
    assert events[0]["msg"] == "lookup 0362******06 of 123****89" and "exc" in events[1]


def test_run_ids_and_hashes_are_not_taken_for_ids():
    from store.privacy import mask_log

    run_id, sha = "01a20114-de91-7893-a548-701234567824", "ab" * 10 + "036220614006" + "cd" * 10
    assert mask_log(f"task_run_id={run_id} record={sha} id=036220614006") == \
        f"task_run_id={run_id} record={sha} id=0362******06"


def test_uvicorn_access_log_arguments_stay_a_tuple():
    """uvicorn's access formatter unpacks the arguments: masking must keep them."""
    from store.privacy import MaskIdFilter

    record = logging.makeLogRecord({"msg": '%s - "%s %s HTTP/%s" %d', "args": (
        "127.0.0.1:5000", "GET", "/search?q=036220614006", "1.1", 200)})
    MaskIdFilter().filter(record)
    assert isinstance(record.args, tuple) and record.args[2] == "/search?q=0362******06"
