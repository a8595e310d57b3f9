"""`sohoa extract FILE...`: readable text, or one SCHEMA.md record per file with --jsonl."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from config.settings import PIPELINE_VERSION, get_settings
from extractors.errors import MissingDependencyError, SohoaError
from extractors.load import find_scans, sniff_media_type
from extractors.pipeline import extract
from schemas.record import ErrorInfo, ErrorRecord, Source
from sohoa.logs import setup_logging


def error_line(path: Path, exc: Exception) -> dict:
    code = exc.code if isinstance(exc, SohoaError) else "internal_error"
    message = exc.message if isinstance(exc, SohoaError) else f"{type(exc).__name__}: {exc}"
    media = None
    try:
        with path.open("rb") as fh:
            media = sniff_media_type(fh.read(2048))
    except OSError:
        pass
    rec = ErrorRecord(source=Source(path=str(path), media_type=media), error=ErrorInfo(code=code, message=message),
                      pipeline_version=PIPELINE_VERSION)
    return rec.model_dump(mode="json", exclude_none=True)


def extract_command(
    files: list[Path] = typer.Argument(..., help="scans: PDF, TIFF, JPEG, PNG files or folders"),
    jsonl: bool = typer.Option(False, "--jsonl", help="print one SCHEMA.md record per file as JSON lines"),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="log each page to stderr"),
) -> None:
    """Read scans and print their text (or records with --jsonl). Unreadable files get an error line."""
    setup_logging(verbose)
    settings = get_settings()
    failed = 0
    for path in find_scans(files):
        try:
            result = extract(path, settings)
        except MissingDependencyError as exc:
            typer.echo(f"sohoa: {exc.message}", err=True)
            raise typer.Exit(3) from exc
        except Exception as exc:  # noqa: BLE001 - one bad file never stops the batch
            failed += 1
            line = error_line(path, exc)
            if jsonl:
                sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
            else:
                typer.echo(f"=== {path}: ERROR {line['error']['code']}: {line['error']['message']}")
            sys.stdout.flush()
            continue
        record = result.record
        if jsonl:
            sys.stdout.write(json.dumps(record.to_json_dict(), ensure_ascii=False) + "\n")
        else:
            methods = ", ".join(sorted({p.method for p in result.pages}))
            typer.echo(f"=== {path} ({record.source.pages} page(s), {methods}, "
                       f"OCR confidence {record.confidence.ocr:.0%}, type {record.doc_type})")
            typer.echo(record.text)
            typer.echo("")
        sys.stdout.flush()
    raise typer.Exit(1 if failed else 0)


def register(app: typer.Typer) -> None:
    app.command("extract")(extract_command)
