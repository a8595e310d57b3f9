"""`sohoa export` and `sohoa import`: the second copy the archive law asks for, and a restore onto a
new machine. Exit 0 done, 1 verification failed (or the copy is incomplete), 2 usage error."""

from __future__ import annotations

import getpass
import os
from collections import Counter
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from backup.manifest import EXIT_OK, EXIT_VERIFY, Steps

err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)


def _user(user: str | None) -> str:
    if user:
        return user
    try:
        return os.environ.get("USER") or getpass.getuser()
    except Exception:  # noqa: BLE001 - no passwd entry (containers)
        return "unknown"


class _Bars(Steps):
    """One rich progress bar per step (verify, each table, the index)."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.task = None

    def start(self, name: str, total: int | None) -> None:
        if self.progress is not None:
            self.task = self.progress.add_task("", step=name, total=total or None)

    def advance(self, n: int = 1, note: str = "") -> None:
        if self.progress is not None and self.task is not None:
            self.progress.update(self.task, advance=n, description=note[-60:])

    def finish(self) -> None:
        if self.progress is not None and self.task is not None:
            task = next(t for t in self.progress.tasks if t.id == self.task)
            done = task.total or task.completed or 1
            self.progress.update(self.task, total=done, completed=done, description="")
            self.task = None


def _progress(quiet: bool) -> Progress | None:
    if quiet:
        return None
    return Progress(TextColumn("[bold]{task.fields[step]:<12}"), BarColumn(), TaskProgressColumn(),
                    TimeElapsedColumn(), TextColumn("{task.description}"), console=err, transient=False)


def _run(quiet: bool, work):
    progress = _progress(quiet)
    if progress is None:
        return work(_Bars(None))
    with progress:
        return work(_Bars(progress))


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


def export_command(
    target: Path = typer.Argument(..., help="folder for the copy: empty, or an earlier export to bring up to date"),
    include_originals: bool = typer.Option(False, "--include-originals",
                                           help="also copy the original scans still at their recorded paths"),
    user: str | None = typer.Option(None, "--user", help="who makes the copy (default: $USER), for the audit log"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bars"),
) -> None:
    """Copy store, corrections, audit log, accounts and archival PDF/A files into a folder, with a
    manifest of sizes and sha256. Resumable: run it again after an interruption."""
    from backup import BackupError, export_backup
    from config.settings import Settings
    from sohoa.logs import setup_logging

    setup_logging(False)
    settings = Settings()
    try:
        report = _run(quiet, lambda steps: export_backup(settings, target, include_originals=include_originals,
                                                         who=_user(user), steps=steps))
    except BackupError as exc:
        err.print(f"[red]sohoa export:[/red] {exc}", highlight=False)
        raise typer.Exit(exc.exit_code) from exc
    m = report.manifest
    table = Table(title=f"export to {report.target}", show_header=True)
    table.add_column("what")
    table.add_column("count", justify="right")
    for key in ("records", "corrections", "audit", "files", "users", "api_tokens", "archive_files", "originals"):
        table.add_row({"files": "ledger rows", "audit": "audit entries", "archive_files": "archival copies",
                       "api_tokens": "API tokens"}.get(key, key), str(m.counts.get(key, 0)))
    out.print(table)
    out.print(f"files copied: {report.copied} ({_size(report.bytes_copied)}), already there: {report.kept}, "
              f"removed (no longer referenced): {report.removed}; store schema {m.schema_revision}, "
              f"pipeline {m.pipeline_version}", highlight=False)
    for w in report.warnings:
        out.print(f"[yellow]warning[/yellow] {w}", highlight=False)
    for p in report.problems:
        out.print(f"[red]problem[/red] {p}", highlight=False)
    if report.ok:
        out.print(f"[green]complete[/green]: {report.target / 'manifest.json'}")
    else:
        out.print("[red]the copy is incomplete[/red]: the problems above are in the store itself "
                  "(see `sohoa check`)")
    raise typer.Exit(EXIT_OK if report.ok else EXIT_VERIFY)


def import_command(
    source: Path = typer.Argument(..., help="an export folder (made by `sohoa export`)"),
    data_dir: Path | None = typer.Option(None, "--data-dir",
                                         help="restore into this data directory (default: SOHOA_DATA_DIR)"),
    verify_only: bool = typer.Option(False, "--verify-only", help="only check the folder against its manifest"),
    no_check: bool = typer.Option(False, "--no-check", help="do not run `sohoa check --quick` afterwards"),
    user: str | None = typer.Option(None, "--user", help="who restores (default: $USER), for the audit log"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bars"),
) -> None:
    """Verify an export folder (every file's size and sha256), then restore it into the data directory
    and rebuild the search index. Importing twice adds nothing; an interrupted import, run again, finishes."""
    from backup import BackupError, import_backup, verify_backup
    from config.settings import Settings
    from sohoa.logs import setup_logging

    setup_logging(False)
    settings = Settings(data_dir=data_dir) if data_dir else Settings()
    try:
        if verify_only:
            manifest = _run(quiet, lambda steps: verify_backup(source, steps))
            out.print(f"[green]verified[/green]: {len(manifest.files)} files, {manifest.record_count} records, "
                      f"exported {manifest.created_at} from {manifest.source.get('data_dir')}", highlight=False)
            raise typer.Exit(EXIT_OK)
        report = _run(quiet, lambda steps: import_backup(settings, source, who=_user(user), steps=steps,
                                                         check=not no_check))
    except BackupError as exc:
        err.print(f"[red]sohoa import:[/red] {exc}", highlight=False)
        raise typer.Exit(exc.exit_code) from exc
    table = Table(title=f"import into {report.data_dir}", show_header=True)
    for col in ("what", "added", "updated", "already there", "kept (newer here)"):
        table.add_column(col, justify="left" if col == "what" else "right")
    for label, c in (("records", report.records), ("ledger rows", report.ledger),
                     ("corrections", report.corrections), ("audit entries", report.audit)):
        table.add_row(label, str(c["add"]), str(c["update"]), str(c["same"]), str(c["keep"]))
    table.add_row("accounts", str(report.users["users_added"]), "0", str(report.users["users_kept"]), "")
    table.add_row("API tokens", str(report.users["tokens_added"]), "0", str(report.users["tokens_kept"]), "")
    out.print(table)
    out.print(f"files copied: {report.copied} ({_size(report.bytes_copied)}), already there: {report.kept}; "
              f"index {report.index}", highlight=False)
    for c in report.conflicts:
        out.print(f"[red]conflict[/red] {c}", highlight=False)
    if report.check_ok is not None:
        errors = [f for f in report.check_findings if f[0] == "error"]
        for _, kind, subject, message in errors[:20]:
            out.print(f"check: [red]error[/red] {kind}: {subject}: {message}", highlight=False)
        if len(errors) > 20:
            out.print(f"check: ... and {len(errors) - 20} more errors (run `sohoa check`)")
        warnings = Counter(f[1] for f in report.check_findings if f[0] != "error")
        for kind, n in sorted(warnings.items()):
            note = " (the originals stay on the old machine; --include-originals copies them)" \
                if kind == "original_moved" else ""
            out.print(f"check: [yellow]warning[/yellow] {kind}: {n} record(s){note}", highlight=False)
        out.print("check: [green]consistent[/green]" if report.check_ok else "check: [red]inconsistent[/red]")
    raise typer.Exit(EXIT_OK if report.ok else EXIT_VERIFY)


def register(app: typer.Typer) -> None:
    app.command("export")(export_command)
    app.command("import")(import_command)


def main() -> None:
    """`python -m sohoa.cli_backup COMMAND`: these commands alone (used by tests that kill an export)."""
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, no_args_is_help=True)
    register(app)
    app()


if __name__ == "__main__":
    main()
