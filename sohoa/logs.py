"""Structured logs for archive staff: one line per event, ID numbers masked, whoever logs it.

- stderr: key=value lines (`2026-11-22T10:00:00 info sohoa.ingest msg="file stored" status=done ...`);
- `log_file` (SOHOA_LOG_FILE): the same events appended as JSON lines (`log_format = "text"`: key=value),
  the file created mode 0600: logs name citizens;
- `log_level` (SOHOA_LOG_LEVEL): DEBUG, INFO, WARNING (default; INFO with --verbose), ERROR.

Every handler Sohoa installs carries `store.privacy.MaskIdFilter`, which masks 12- and 9-digit ID numbers
(also printed in groups) and URL passwords in the message, its arguments, extra fields and tracebacks:
code that logs an ID by mistake still writes `0362******06`. The Prefect runs of `sohoa ingest` get the
same: `prefect_logging_config` writes Prefect's own logging.yml with that filter on every handler (console
and the Prefect API, so the Prefect server's log table too) and the Sohoa handlers on the `sohoa` logger,
and Prefect loads it in the CLI's process and in every worker process it starts.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from store.privacy import MaskIdFilter, mask_log

_STD = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}
_HANDLERS: dict[tuple[str, ...], logging.Handler] = {}  # one of each per process, however often asked for
LEVEL_ENV = "PREFECT_LOGGING_LOGGERS_SOHOA_LEVEL"  # carries the level to Prefect's worker processes


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STD and not k.startswith("_")}


def _exception(formatter: logging.Formatter, record: logging.LogRecord) -> str | None:
    if record.exc_info and not record.exc_text:
        record.exc_text = formatter.formatException(record.exc_info)
    return record.exc_text or None


class KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        parts = [self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), record.levelname.lower(), record.name,
                 f'msg="{record.getMessage()}"']
        parts += [f"{k}={v!r}" if isinstance(v, str) and " " in v else f"{k}={v}" for k, v in _extras(record).items()]
        exc = _exception(self, record)
        if exc:
            parts.append("exc=" + repr(exc))
        return mask_log(" ".join(parts))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: at, level, logger, msg, pid, the extra fields, exc."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(), "logger": record.name, "msg": record.getMessage(),
            "pid": record.process,
        }
        for key, value in _extras(record).items():
            out.setdefault(key, value if isinstance(value, str | int | float | bool | type(None)) else str(value))
        exc = _exception(self, record)
        if exc:
            out["exc"] = exc
        return mask_log(json.dumps(out, ensure_ascii=False, default=str))


def _settings() -> Any:
    from config.settings import get_settings

    return get_settings()


def _level(verbose: bool) -> int:
    configured = _settings().log_level
    if not configured:
        return logging.INFO if verbose else logging.WARNING
    level = logging.getLevelName(configured)
    return min(level, logging.INFO) if verbose else level


def console_handler() -> logging.Handler:
    """stderr, key=value, masked (also named in the Prefect logging config, see prefect_logging_config)."""
    key = ("console",)
    if key not in _HANDLERS:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(KeyValueFormatter())
        handler.addFilter(MaskIdFilter())
        handler._sohoa = True  # type: ignore[attr-defined]
        _HANDLERS[key] = handler
    return _HANDLERS[key]


def file_handler() -> logging.Handler:
    """The log file of the settings (appended, created 0600), or a handler that drops everything."""
    settings = _settings()
    if settings.log_file is None:
        key: tuple[str, ...] = ("null",)
        if key not in _HANDLERS:
            _HANDLERS[key] = logging.NullHandler()
        return _HANDLERS[key]
    path = Path(settings.log_file).expanduser()
    key = ("file", str(path), settings.log_format)
    if key not in _HANDLERS:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
        handler = logging.FileHandler(path, mode="a", encoding="utf-8")
        handler.setFormatter(JsonFormatter() if settings.log_format == "json" else KeyValueFormatter())
        handler.addFilter(MaskIdFilter())
        handler._sohoa = True  # type: ignore[attr-defined]
        _HANDLERS[key] = handler
    return _HANDLERS[key]


def setup_logging(verbose: bool = False) -> None:
    """Sohoa's loggers to stderr (and the log file), at the configured level; safe to call again."""
    root = logging.getLogger("sohoa")
    level = _level(verbose)
    for handler in (console_handler(), file_handler()):
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)
    root.propagate = False
    os.environ[LEVEL_ENV] = logging.getLevelName(level)


def adopt(*names: str) -> None:
    """Other libraries' loggers (uvicorn's): mask what their handlers write and copy it to the log file."""
    extra = file_handler()
    for name in names:
        logger = logging.getLogger(name)
        for handler in logger.handlers:
            if not any(isinstance(f, MaskIdFilter) for f in handler.filters):
                handler.addFilter(MaskIdFilter())
        if not isinstance(extra, logging.NullHandler) and extra not in logger.handlers:
            logger.addHandler(extra)


def prefect_logging_config(target: Path) -> Path:
    """Prefect's own logging.yml (of the installed version) with masking on every handler and the Sohoa
    handlers on the `sohoa` logger and the root logger (so worker processes log like the CLI), written to
    `target` for PREFECT_LOGGING_SETTINGS_PATH. Prefect substitutes its ${...} settings when loading."""
    import importlib.util

    import yaml

    spec = importlib.util.find_spec("prefect")
    assert spec is not None and spec.submodule_search_locations
    source = Path(next(iter(spec.submodule_search_locations))) / "logging" / "logging.yml"
    config = yaml.safe_load(source.read_text(encoding="utf-8"))
    config.setdefault("filters", {})["mask_ids"] = {"()": "store.privacy.MaskIdFilter"}
    handlers = config.setdefault("handlers", {})
    for handler in handlers.values():
        handler["filters"] = [*handler.get("filters", []), "mask_ids"]
    handlers["sohoa_console"] = {"()": "sohoa.logs.console_handler"}
    handlers["sohoa_file"] = {"()": "sohoa.logs.file_handler"}
    config.setdefault("loggers", {})["sohoa"] = {
        "level": os.environ.get(LEVEL_ENV) or "WARNING",  # PREFECT_LOGGING_LOGGERS_SOHOA_LEVEL overrides
        "handlers": ["sohoa_console", "sohoa_file"], "propagate": False,
    }
    root = config.setdefault("root", {})
    root["handlers"] = [*root.get("handlers", []), "sohoa_file"]
    text = ("# Written by sohoa/logs.py from Prefect's logging.yml: ID numbers masked on every handler.\n"
            + yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)
    return target
