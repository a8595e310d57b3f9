"""`sohoa ingest`, `sohoa reprocess`, `sohoa schedule`: the Prefect flows from the command line."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from config.settings import get_settings
from sohoa.logs import setup_logging

console = Console(stderr=True)


def prepare_prefect(verbose: bool = False) -> None:
    """Prefect keeps its own database under Sohoa's data directory unless told otherwise."""
    settings = get_settings()
    os.environ.setdefault("PREFECT_HOME", str(settings.data_dir / "prefect"))
    Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)  # Prefect does not create it
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if verbose else "WARNING")
    # Prefect's logging with ID numbers masked on every handler, in this process and its workers
    if not os.environ.get("PREFECT_LOGGING_SETTINGS_PATH"):
        from sohoa.logs import prefect_logging_config

        target = prefect_logging_config(Path(os.environ["PREFECT_HOME"]) / "logging.yml")
        os.environ["PREFECT_LOGGING_SETTINGS_PATH"] = str(target)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_UI_ENABLED", "false")
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")


def print_summary(report: dict) -> None:
    from flows.report import STATUS_LABELS

    table = Table(title=f"Batch {report['batch_id']}", show_header=True)
    table.add_column("result")
    table.add_column("files", justify="right")
    for key, label in STATUS_LABELS.items():
        table.add_row(label, str(report["counts"].get(key, 0)))
    console.print(table)
    console.print(f"pages read: {report['pages']}; index: {report['index']}")
    for f in report["failures"]:
        console.print(f"[red]failed[/red] {f['path']}: {f['code']}: {f['reason']}")
    for f in report.get("failed_before", []):
        console.print(f"[yellow]failed before[/yellow] {f['path']}: {f['code']}: {f['reason']}")


def ingest_command(
    paths: list[Path] = typer.Argument(..., help="scans or folders of scans"),
    workers: int = typer.Option(0, "--workers", "-w", min=0, max=64, help="worker processes (0: one per core)"),
    batch_id: str = typer.Option(None, "--batch-id", help="name of the batch (default: random)"),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """Ingest scans: store records, write PDF/A copies, index. Exit 0 all done, 1 some failed, 2 usage, 3 Tesseract or its language missing."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        console.print(f"[red]no such file or folder:[/red] {', '.join(missing)}")
        raise typer.Exit(2)
    setup_logging(verbose)
    from extractors.errors import MissingDependencyError
    from extractors.ocr import check_tesseract

    settings = get_settings()
    try:  # before any server starts or file is touched: say which package to install
        check_tesseract(settings.tesseract_cmd, settings.ocr_lang)
    except MissingDependencyError as exc:
        console.print(f"[red]sohoa: cannot start:[/red] {exc}")
        raise typer.Exit(3) from None
    prepare_prefect(verbose)
    from flows.prefect_api import start_early

    start_early()  # the local Prefect server boots while files are discovered
    from extractors.load import discover
    from flows.ingest import add_progress_listener, ingest_with_workers

    total = sum(map(len, discover(paths)))  # files and the links not followed: each gets one outcome
    with Progress(TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=console, transient=False) as progress:
        bar = progress.add_task("", total=total)
        add_progress_listener(lambda o: progress.update(bar, advance=1, description=f"{Path(o.path).name}: {o.status}"))
        report = ingest_with_workers([str(p) for p in paths], workers or None, batch_id)
    print_summary(report)
    raise typer.Exit(1 if report["counts"].get("failed") else 0)




def reprocess_command(
    doc_type: str = typer.Option(None, "--type", help="only records of this doc_type"),
    all_versions: bool = typer.Option(False, "--all", help="also records made by the current pipeline version"),
    workers: int = typer.Option(0, "--workers", "-w", min=0, max=64),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """Re-extract stored records (default: those made by an older pipeline version); corrections survive."""
    setup_logging(verbose)
    prepare_prefect(verbose)
    from flows.maintenance import reprocess_with_workers

    report = reprocess_with_workers(workers or None, doc_type=doc_type, all_versions=all_versions)
    print_summary(report)
    raise typer.Exit(1 if report["counts"].get("failed") else 0)


def schedule_command(
    cron: str = typer.Option(None, "--cron", help="cron expression (default: settings, 0 1 * * *)"),
    timezone: str = typer.Option(None, "--timezone", help="default: settings, Asia/Ho_Chi_Minh"),
    inbox: Path = typer.Option(None, "--inbox", help="folder to ingest (default: <data_dir>/inbox)"),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """Serve the nightly ingest deployment on its cron schedule (needs `prefect server start`)."""
    setup_logging(verbose)
    prepare_prefect(verbose)
    from flows.nightly import serve_nightly

    settings = get_settings()
    folder = inbox or settings.inbox_dir
    Path(folder).mkdir(parents=True, exist_ok=True)
    console.print(f"nightly ingest of {folder} at '{cron or settings.schedule_cron}' "
                  f"({timezone or settings.schedule_timezone}); Ctrl-C to stop")
    serve_nightly(cron or settings.schedule_cron, timezone or settings.schedule_timezone, str(folder))


def check_command(
    quick: bool = typer.Option(False, "--quick", help="skip re-hashing the archival copies"),
    json_out: bool = typer.Option(False, "--json", help="print the findings as JSON"),
) -> None:
    """Check store, archive and index agree: missing files, checksum mismatches, unindexed records, orphans."""
    import json
    from dataclasses import asdict

    from archival.check import run_check

    report = run_check(get_settings(), verify_checksums=not quick)
    if json_out:
        typer.echo(json.dumps({"ok": report.ok, "records": report.records, "archive_files": report.archive_files,
                               "findings": [asdict(f) for f in report.findings]}, ensure_ascii=False, indent=1))
    else:
        console.print(f"records: {report.records}; archival files: {report.archive_files}")
        for f in report.findings:
            colour = "red" if f.severity == "error" else "yellow"
            console.print(f"[{colour}]{f.severity}[/{colour}] {f.kind}: {f.subject}: {f.message}")
        console.print("[green]consistent[/green]" if report.ok else "[red]inconsistent[/red]")
    raise typer.Exit(0 if report.ok else 1)


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest_command)
    app.command("reprocess")(reprocess_command)
    app.command("schedule")(schedule_command)
    app.command("check")(check_command)
