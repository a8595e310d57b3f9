"""Named fault points for the crash tests (tests/test_kill_loop.py). Inert unless the variable is set.

    SOHOA_FAULT_KILL_AT="after_archive_rename:2"   # SIGKILL the batch the 2nd time this process gets there

Several `point:n` pairs may be given, separated by commas (`n` defaults to 1). The whole process group is
killed (the CLI, its worker processes, Tesseract), as a power cut or the OOM killer would, so a test can
place a kill exactly inside each dangerous window: before_extract, after_archive_write (complete copy in
staging), after_archive_rename (copy in place, record not stored), after_store_save (record stored, task
not reported), during_index_sync (index committed, checkpoint not written).
"""

from __future__ import annotations

import os
import signal

ENV = "SOHOA_FAULT_KILL_AT"
_hits: dict[str, int] = {}


def fault_point(name: str) -> None:
    spec = os.environ.get(ENV)
    if not spec:
        return
    for item in spec.split(","):
        point, _, nth = item.strip().partition(":")
        if point != name:
            continue
        _hits[name] = _hits.get(name, 0) + 1
        if _hits[name] == int(nth or 1):
            os.killpg(os.getpgrp(), signal.SIGKILL)
