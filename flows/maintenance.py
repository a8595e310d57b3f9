"""Maintenance flows: reindex (store → index) and reprocess (re-extract records of an older pipeline).

Both keep the ingest guarantees: the store stays the truth, corrections are re-applied on top of every
re-extraction (store.save_record), and an interrupted run, run again, finishes the job without duplicates.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger

from config.settings import PIPELINE_VERSION, get_settings
from extractors.load import find_original
from flows.ingest import index_new, task_runner
from flows.report import BatchReport, publish_report
from flows.work import Outcome, open_store


@flow(name="reindex")
def reindex(fresh: bool = False) -> dict:
    """Rebuild the search index from the store (a new generation, swapped in when complete)."""
    from search.base import open_backend

    settings = get_settings()
    with open_backend(settings) as backend:
        report = backend.rebuild_from(open_store(settings), fresh=fresh)
    return {"indexed": getattr(report, "indexed", None), "report": str(report)}


def stale_records(store, doc_type: str | None, older_only: bool) -> list[tuple[Path, str]]:
    """Originals of the records to re-extract: those of older pipeline versions, or all of a type."""
    out = []
    for rec in store.iter_records():
        if older_only and rec.get("pipeline_version") == PIPELINE_VERSION:
            continue
        if doc_type and rec.get("doc_type") != doc_type:
            continue
        src = rec.get("source") or {}
        recorded = src.get("path", "")
        out.append((find_original(recorded) or Path(recorded), rec["id"]))  # NFC in the record, NFD on disk
    return out


@flow(name="reprocess")
def reprocess(doc_type: str | None = None, all_versions: bool = False) -> dict:
    """Re-run extraction on the originals of stored records; corrections survive."""
    from flows.ingest import process_document

    logger = get_run_logger()
    settings = get_settings()
    store = open_store(settings)
    targets = stale_records(store, doc_type, older_only=not all_versions)
    logger.info("reprocess: %d record(s)", len(targets))
    outcomes: list[Outcome] = []
    futures = []
    for path, sha in targets:
        if not path.is_file():
            outcomes.append(Outcome(str(path), sha, "failed", error_code="original_missing",
                                    error_message="the original file is no longer at its recorded path"))
            continue
        futures.append(process_document.submit(path, sha, "reprocess", settings))
    for f in futures:
        outcomes.append(Outcome(**f.result()))
    report = BatchReport.from_outcomes("reprocess", outcomes, index_new(settings))
    publish_report(report)
    return report.to_dict()


def reprocess_with_workers(workers: int | None, **kwargs) -> dict:
    from flows.prefect_api import shared_api

    flow_ = reprocess.with_options(task_runner=task_runner(workers or get_settings().workers or 2))
    with shared_api():
        return flow_(**kwargs)
