"""Structured logs for archive staff: one line per event, key=value, ID numbers masked."""

from __future__ import annotations

import logging
import sys

from store.privacy import mask_id

_STD = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}


class KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        extras = {k: v for k, v in vars(record).items() if k not in _STD}
        parts = [self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), record.levelname.lower(), record.name,
                 f'msg="{record.getMessage()}"']
        parts += [f"{k}={v!r}" if isinstance(v, str) and " " in v else f"{k}={v}" for k, v in extras.items()]
        if record.exc_info:
            parts.append("exc=" + repr(self.formatException(record.exc_info)))
        return mask_id(" ".join(parts))


def setup_logging(verbose: bool = False) -> None:
    root = logging.getLogger("sohoa")
    if any(getattr(h, "_sohoa", False) for h in root.handlers):
        root.setLevel(logging.INFO if verbose else logging.WARNING)
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(KeyValueFormatter())
    handler._sohoa = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    root.propagate = False
