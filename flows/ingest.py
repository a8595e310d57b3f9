"""The ingest flow: discover → skip what the store holds → one task per document → index what is new → report.

    ingest(["/srv/scans/2021"], workers=2)

Each document runs in a worker process (OCRmyPDF and Tesseract are not thread-safe, and OCR is CPU
work), with Tesseract limited to one thread. The store's ledger makes the flow resumable: a killed batch
run again skips the files already stored, redoes the rest, and never stores a record twice (records are
keyed by the sha256 of the original).
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner

from config.settings import PIPELINE_VERSION, Settings, get_settings
from extractors.errors import SohoaError
from extractors.load import discover, display_path, sha256_file
from flows.prefect_api import shared_api
from flows.report import BatchReport, publish_report
from flows.work import Outcome, describe_failure, is_disk_full, open_store, process_file, quarantine
from store.models import FileStatus

log = logging.getLogger("sohoa.ingest")

ProgressListener = Callable[[Outcome], None]
_listeners: list[ProgressListener] = []


def add_progress_listener(fn: ProgressListener) -> None:
    """The CLI's progress bar listens here (flow parameters must be data, so it cannot be one)."""
    _listeners.append(fn)


def _notify(outcome: Outcome) -> None:
    for fn in list(_listeners):
        fn(outcome)


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def _init_worker() -> None:
    # one thread per process for Tesseract and OpenCV: processes give the parallelism, and threads
    # fighting over the same cores only add switching
    os.environ["OMP_THREAD_LIMIT"] = "1"
    import cv2

    cv2.setNumThreads(1)


def _is_transient(task, task_run, state) -> bool:
    """Retry only what may succeed next time: never a corrupt, encrypted or empty file."""
    try:
        state.result()
    except SohoaError:
        return False
    except Exception as exc:  # noqa: BLE001
        return not is_disk_full(exc)  # seconds later the disk is as full: the next run finishes the file
    return False


def _task_run_name(parameters: dict) -> str:
    """'process <name>' in NFC: a name that is not UTF-8 would break Prefect's events (JSON)."""
    return f"process {display_path(Path(parameters['path']).name)}"


@task(name="process-document", retries=2, retry_delay_seconds=[2, 10], retry_condition_fn=_is_transient,
      cache_policy=NO_CACHE, task_run_name=_task_run_name)
def process_document(path: Path, sha256: str, batch_id: str, settings: Settings) -> dict:
    _init_worker()
    return process_file(path, sha256, batch_id, settings).to_dict()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


_FINAL = {str(FileStatus.DONE), str(FileStatus.NEEDS_REVIEW), str(FileStatus.QUARANTINED)}


def _known_outcome(path: Path, digest: str, entry) -> Outcome:
    """A file handled before: stored, or set aside with the reason it failed then (not retried, but named)."""
    if entry.status == str(FileStatus.QUARANTINED):
        return Outcome(str(path), digest, "skipped_quarantined", error_code=entry.error_code,
                       error_message=f"failed before and set aside: {entry.error_message or entry.error_code}")
    return Outcome(str(path), digest, "skipped_known", error_message="already in the store")


def plan(paths: list[Path], settings: Settings) -> tuple[list[tuple[Path, str]], list[Outcome]]:
    """Hash every file; keep the new ones, skip those stored already or twice in this batch."""
    store = open_store(settings)
    todo: list[tuple[Path, str]] = []
    skipped: list[Outcome] = []
    seen: dict[str, Path] = {}
    for path in paths:
        try:
            digest = sha256_file(path)
        except OSError as exc:
            skipped.append(Outcome(str(path), "", "failed", error_code="unreadable", error_message=str(exc)))
            continue
        if digest in seen:
            skipped.append(Outcome(str(path), digest, "skipped_duplicate",
                                   error_message=f"same content as {seen[digest]}"))
        elif (entry := store.get_file(digest, PIPELINE_VERSION)) is not None and entry.status in _FINAL:
            skipped.append(_known_outcome(path, digest, entry))
        else:
            todo.append((path, digest))
        seen.setdefault(digest, path)
    return todo, skipped


def index_new(settings: Settings) -> str:
    """Bring the search index up to the store's change feed. A down index loses nothing: the feed waits."""
    from search.base import open_backend

    try:
        with open_backend(settings) as backend:
            n = backend.sync_from(open_store(settings))
        return f"{n} change(s) indexed"
    except Exception as exc:  # noqa: BLE001 - the store is the truth; `sohoa reindex` catches up
        log.warning("index not updated", extra={"reason": str(exc)[:200]})
        return f"index not updated ({type(exc).__name__}: {str(exc)[:120]}); records are stored and will be " \
               f"indexed by the next batch or `sohoa reindex`"


def run_ingest(paths: list[str], batch_id: str | None, settings: Settings) -> BatchReport:
    logger = get_run_logger()
    batch_id = batch_id or uuid.uuid4().hex[:12]
    files, passed = discover([Path(p) for p in paths])
    todo, skipped = plan(files, settings)
    todo.sort(key=lambda item: -_size(item[0]))  # longest first: no worker left alone on a big file at the end
    # links out of the folder, broken links, pipes: reported with their reason, never read
    skipped = [Outcome(str(s.path), "", "skipped_not_followed", error_code=s.code, error_message=s.message)
               for s in passed] + skipped
    logger.info("batch %s: %d file(s), %d to process, %d skipped", batch_id, len(files), len(todo), len(skipped))
    for outcome in skipped:
        _notify(outcome)
    outcomes = list(skipped)
    futures = [(path, digest, process_document.submit(path, digest, batch_id, settings)) for path, digest in todo]
    for path, digest, future in futures:
        try:
            outcome = Outcome(**future.result())
        except Exception as exc:  # noqa: BLE001 - retries exhausted: set the file aside, go on
            code, message = describe_failure(exc)  # a full disk is reported, not quarantined
            quarantine(settings, path, digest, code, message, batch_id)
            outcome = Outcome(str(path), digest, "failed", error_code=code, error_message=message)
        outcomes.append(outcome)
        _notify(outcome)
    index_note = index_new(settings)
    report = BatchReport.from_outcomes(batch_id, outcomes, index_note)
    publish_report(report)
    return report


def task_runner(workers: int):
    """Processes on this machine by default; a Dask cluster spreads a batch over several machines."""
    settings = get_settings()
    if settings.task_runner == "dask":
        from prefect_dask import DaskTaskRunner  # pip install 'sohoa[dask]'

        if settings.dask_address:
            return DaskTaskRunner(address=settings.dask_address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1})
    if workers <= 1:
        return ThreadPoolTaskRunner(max_workers=1)
    return ProcessPoolTaskRunner(max_workers=workers, initializer=_init_worker)


@flow(name="ingest", task_runner=ProcessPoolTaskRunner(max_workers=default_workers(), initializer=_init_worker))
def ingest(paths: list[str], batch_id: str | None = None) -> dict:
    """Ingest scans (files or folders) into the store, the archive and the index."""
    return run_ingest(paths, batch_id, get_settings()).to_dict()


def ingest_with_workers(paths: list[str], workers: int | None = None, batch_id: str | None = None) -> dict:
    """Run the ingest flow with a pool sized to `workers` (default: the machine's cores, at most 8)."""
    flow_ = ingest.with_options(task_runner=task_runner(workers or get_settings().workers or default_workers()))
    with shared_api():
        return flow_(paths=[str(p) for p in paths], batch_id=batch_id)
