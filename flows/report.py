"""The batch report: what the CLI prints at the end and the flow publishes as Prefect artifacts."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field

from flows.work import Outcome

STATUS_LABELS = {
    "done": "processed",
    "needs_review": "needs review",
    "skipped_known": "skipped (already stored)",
    "skipped_quarantined": "skipped (failed before, still in quarantine)",
    "skipped_duplicate": "skipped (duplicate in batch)",
    "skipped_not_followed": "skipped (link out of the folder, broken link or special file)",
    "failed": "failed",
}


@dataclass
class BatchReport:
    batch_id: str
    counts: dict[str, int]
    pages: int
    seconds: float
    index: str
    failures: list[dict] = field(default_factory=list)
    failed_before: list[dict] = field(default_factory=list)  # quarantined by an earlier batch, not retried
    outcomes: list[dict] = field(default_factory=list)

    @classmethod
    def from_outcomes(cls, batch_id: str, outcomes: list[Outcome], index_note: str) -> BatchReport:
        counts = Counter(o.status for o in outcomes)
        return cls(
            batch_id=batch_id,
            counts={k: counts.get(k, 0) for k in STATUS_LABELS},
            pages=sum(o.pages for o in outcomes),
            seconds=round(sum(o.seconds for o in outcomes), 1),
            index=index_note,
            failures=[{"path": o.path, "code": o.error_code, "reason": o.error_message}
                      for o in outcomes if o.status == "failed"],
            failed_before=[{"path": o.path, "code": o.error_code, "reason": o.error_message}
                           for o in outcomes if o.status == "skipped_quarantined"],
            outcomes=[o.to_dict() for o in outcomes],
        )

    @property
    def ok(self) -> bool:
        return not self.counts.get("failed")

    def to_dict(self) -> dict:
        return asdict(self)

    def markdown(self) -> str:
        lines = [f"# Batch {self.batch_id}", "", "| result | files |", "|---|---|"]
        lines += [f"| {label} | {self.counts.get(k, 0)} |" for k, label in STATUS_LABELS.items()]
        lines += ["", f"Pages read: {self.pages}. Index: {self.index}."]
        if self.failures:
            lines += ["", "## Failed files (set aside in quarantine, originals untouched)", "",
                      "| file | reason |", "|---|---|"]
            lines += [f"| {f['path']} | {f['code']}: {f['reason']} |" for f in self.failures]
        if self.failed_before:
            lines += ["", "## Failed in an earlier batch (still in quarantine, not retried)", "",
                      "| file | reason |", "|---|---|"]
            lines += [f"| {f['path']} | {f['code']}: {f['reason']} |" for f in self.failed_before]
        return "\n".join(lines)


def publish_report(report: BatchReport) -> None:
    """The same report as Prefect artifacts, for staff looking at the Prefect UI."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    key = f"batch-{report.batch_id}".lower()
    create_markdown_artifact(markdown=report.markdown(), key=key, description="Sohoa batch report")
    rows = [{"file": o["path"], "result": STATUS_LABELS.get(o["status"], o["status"]), "pages": o["pages"],
             "type": o.get("doc_type") or "", "reason": o.get("error_message") or ""} for o in report.outcomes]
    create_table_artifact(table=rows, key=f"{key}-files", description="Sohoa batch: one row per file")
