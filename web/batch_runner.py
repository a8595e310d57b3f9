"""One web-launched batch, in its own process: `python -m web.batch_runner <batch folder>`.

It is `sohoa ingest` (same flow, same ledger, same guarantees) with machine-readable output for the
web: `status.json` after every file and `report.json` at the end, both replaced atomically. A separate
process keeps OCR's processes, Prefect's engine and a crash away from the web server.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any


def _write(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def main(argv: list[str]) -> int:
    folder = Path(argv[0])
    request = json.loads((folder / "request.json").read_text(encoding="utf-8"))
    from sohoa.cli_flows import prepare_prefect
    from sohoa.logs import setup_logging

    setup_logging(False)
    prepare_prefect(False)
    from extractors.load import discover
    from flows.ingest import add_progress_listener, ingest_with_workers

    paths = [str(p) for p in request["paths"]]
    state: dict[str, Any] = {"total": sum(map(len, discover([Path(p) for p in paths]))), "done": 0, "counts": {},
                             "last": None, "started_at": time.time()}
    counts: Counter[str] = Counter()
    _write(folder / "status.json", state)

    def on_outcome(outcome: Any) -> None:
        counts[outcome.status] += 1
        state.update(done=state["done"] + 1, counts=dict(counts), last=f"{Path(outcome.path).name}: {outcome.status}")
        _write(folder / "status.json", state)

    add_progress_listener(on_outcome)
    report = ingest_with_workers(paths, request.get("workers") or None, request["batch_id"])
    _write(folder / "report.json", report)
    return 1 if report["counts"].get("failed") else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
