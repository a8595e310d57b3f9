"""`sohoa search`, `sohoa person`, `sohoa reindex`, `sohoa config`: the clerk's and the admin's side of
the store and the index. Every lookup is written to the audit log; ID numbers are masked on screen."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import re
import sys
from typing import Any

import typer

from config.settings import Settings
from search.query import Query, SearchResult
from store.privacy import mask_id

EXIT_INDEX_UNAVAILABLE = 2
EXIT_DISAGREE = 1


def _user(user: str | None) -> str:
    if user:
        return user
    try:
        return os.environ.get("USER") or getpass.getuser()
    except Exception:  # no passwd entry (containers)
        return "unknown"


def _date(value: str | None, option: str) -> dt.date | None:
    """ISO `2021-07-05` or the Vietnamese order `05/07/2021`."""
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y"):
        try:
            parsed = dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        if fmt == "%Y" and option == "--to":
            return parsed.replace(month=12, day=31)
        return parsed
    raise typer.BadParameter(f"{option}: expected YYYY-MM-DD or DD/MM/YYYY, got {value!r}")


def _open(settings: Settings) -> tuple[Any, Any]:
    from search.base import open_backend
    from store.db import Store

    return Store.open(settings), open_backend(settings)


def _fail(exc: Exception, settings: Settings) -> typer.Exit:
    where = settings.es_url if settings.search_backend == "elasticsearch" else str(settings.data_dir)
    typer.echo(f"sohoa: the search index cannot answer ({settings.search_backend} at {mask_id(where)}): {exc}",
               err=True)
    return typer.Exit(EXIT_INDEX_UNAVAILABLE)


def _marks_to_rich(text: str) -> str:
    """Highlights are HTML (for the web); on a terminal <mark> becomes bold yellow."""
    import html

    from rich.markup import escape

    out = []
    for part in re.split(r"(<mark>.*?</mark>)", text):
        if part.startswith("<mark>"):
            out.append("[bold yellow]" + escape(html.unescape(part[6:-7])) + "[/]")
        else:
            out.append(escape(html.unescape(part)))
    return "".join(out)


def _print_result(result: SearchResult, *, title: str, person_view: bool = False) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not result.hits:
        console.print("No records found.")
        return
    table = Table(title=title, show_lines=True)
    for col in ("#", "date", "type", "number", "issuer", "person", "roles" if person_view else "matched text"):
        table.add_column(col, overflow="fold")
    for i, hit in enumerate(result.hits, start=result.offset + 1):
        person = " ".join(x for x in (hit.subject_name, f"({hit.subject_id})" if hit.subject_id else None) if x)
        if person_view:
            last = ", ".join(hit.roles) + {"id": "", "name_dob": " [name + date of birth]",
                                           "name": " [name only: verify]"}.get(hit.match or "", "")
        else:
            last = _marks_to_rich(hit.highlights[0]) if hit.highlights else (hit.summary or "")
        table.add_row(str(i), hit.issue_date or "", hit.doc_type, hit.doc_number or "", hit.issuer or "",
                      person, last)
    console.print(table)
    shown = f"{result.offset + 1}-{result.offset + len(result.hits)}"
    note = " (no record has every word; showing records with most of them)" if result.relaxed else ""
    console.print(f"{result.total} record(s), showing {shown}, {result.took_ms:.0f} ms{note}")


def search_command(
    query: str = typer.Argument("", help="name, ID number, document number or words, with or without diacritics"),
    doc_type: str | None = typer.Option(None, "--type", help="doc_type code(s), comma separated"),
    issuer: str | None = typer.Option(None, "--issuer", help="issuing agency, e.g. 'UBND xã Nghĩa Lạc'"),
    place: str | None = typer.Option(None, "--place", help="old or 2025 unit names, comma separated"),
    date_from: str | None = typer.Option(None, "--from", help="issued on or after (YYYY-MM-DD or DD/MM/YYYY)"),
    date_to: str | None = typer.Option(None, "--to", help="issued on or before"),
    limit: int = typer.Option(10, "--limit", min=1, max=500),
    page: int = typer.Option(1, "--page", min=1),
    newest: bool = typer.Option(False, "--newest", help="newest first instead of best match first"),
    as_json: bool = typer.Option(False, "--json", help="print the result as JSON"),
    user: str | None = typer.Option(None, "--user", help="who is searching (default: $USER), for the audit log"),
) -> None:
    """Find records: typos, missing diacritics, any spacing of document numbers are fine."""
    from sohoa.logs import setup_logging

    setup_logging(False)
    settings = Settings()
    q = Query(text=query, doc_type=doc_type, issuer=issuer, place=place, date_from=_date(date_from, "--from"),
              date_to=_date(date_to, "--to"), limit=limit, offset=(page - 1) * limit,
              sort="newest" if newest else "relevance")
    store, backend = _open(settings)
    try:
        try:
            result = backend.search(q)
        except Exception as exc:
            raise _fail(exc, settings) from exc
        filters = {k: v for k, v in q.model_dump(mode="json").items()
                   if k in ("doc_type", "issuer", "place", "date_from", "date_to") and v}
        store.audit(_user(user), "search", query=query, result_count=result.total,
                    detail={"filters": filters, "page": page} if filters or page > 1 else None)
    finally:
        backend.close()
        store.close()
    if as_json:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
    else:
        _print_result(result, title=f"search: {mask_id(query) or '(filters only)'}")


def person_command(
    person_id: str | None = typer.Argument(None, help="personal ID (12 digits) or old ID card (9 digits)"),
    name: str | None = typer.Option(None, "--name", help="full name, with the date of birth"),
    dob: str | None = typer.Option(None, "--dob", help="date of birth (YYYY-MM-DD or DD/MM/YYYY)"),
    limit: int = typer.Option(200, "--limit", min=1, max=1000),
    as_json: bool = typer.Option(False, "--json"),
    user: str | None = typer.Option(None, "--user", help="who is looking (default: $USER), for the audit log"),
) -> None:
    """Citizen view: every record that concerns one person, newest first."""
    from sohoa.logs import setup_logging

    setup_logging(False)
    birth = _date(dob, "--dob")
    if not person_id and not (name and birth):
        typer.echo("sohoa person: give an ID number, or --name with --dob", err=True)
        raise typer.Exit(2)
    settings = Settings()
    store, backend = _open(settings)
    try:
        try:
            result = backend.person(person_id, name=name, dob=birth.isoformat() if birth else None, limit=limit)
        except ValueError as exc:
            typer.echo(f"sohoa person: {exc}", err=True)
            raise typer.Exit(2) from exc
        except Exception as exc:
            raise _fail(exc, settings) from exc
        looked_up = person_id or f"{name} {birth.isoformat() if birth else ''}".strip()
        store.audit(_user(user), "person", query=looked_up, result_count=result.total)
    finally:
        backend.close()
        store.close()
    if as_json:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
    else:
        _print_result(result, title=f"person: {mask_id(person_id) if person_id else name}", person_view=True)


def reindex_command(
    fresh: bool = typer.Option(False, "--fresh", help="start a new build instead of resuming an interrupted one"),
    incremental: bool = typer.Option(False, "--incremental", help="only apply records changed since the last sync"),
    check: bool = typer.Option(False, "--check", help="afterwards compare store and index record by record"),
    batch_size: int | None = typer.Option(None, "--batch-size", min=10, max=10_000),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Rebuild the search index from the store (resumable: rerun after an interruption) and swap it in."""
    from sohoa.logs import setup_logging

    setup_logging(not quiet)
    settings = Settings()
    store, backend = _open(settings)
    last = [0.0]

    def progress(done: int, total: int) -> None:
        if quiet or not total:
            return
        share = done / total
        if share - last[0] >= 0.1 or done >= total:
            last[0] = share
            typer.echo(f"reindex: {done}/{total} records ({share:.0%})", err=True)

    try:
        try:
            if incremental:
                touched = backend.sync_from(store)
                typer.echo(f"reindex: {touched} changed record(s) applied; index holds {backend.count()}")
            else:
                report = backend.rebuild_from(store, batch_size=batch_size, fresh=fresh, progress=progress)
                typer.echo(f"reindex: {'resumed' if report.resumed else 'built'} {report.generation}: "
                           f"{report.indexed} records, {report.changes_applied} later change(s) applied, "
                           f"{report.index_count} in the index, {report.seconds:.1f} s")
            if check:
                agreement = backend.verify(store)
                typer.echo(f"check: store {agreement.store_count}, index {agreement.index_count}, "
                           f"missing {len(agreement.missing)}, extra {len(agreement.extra)}")
                if not agreement.ok:
                    raise typer.Exit(EXIT_DISAGREE)
        except typer.Exit:
            raise
        except Exception as exc:
            raise _fail(exc, settings) from exc
    finally:
        backend.close()
        store.close()


def config_command(as_json: bool = typer.Option(False, "--json", help="print as JSON")) -> None:
    """Print the settings in force (passwords masked) and where they come from."""
    described = Settings().describe()
    if as_json:
        sys.stdout.write(json.dumps(described, indent=2, ensure_ascii=False, default=str) + "\n")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="sohoa settings (SOHOA_* environment > config file > defaults)")
    table.add_column("setting")
    table.add_column("value", overflow="fold")
    for key, value in described.items():
        table.add_row(key, json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value)
    Console().print(table)


def register(app: typer.Typer) -> None:
    app.command("search")(search_command)
    app.command("person")(person_command)
    app.command("reindex")(reindex_command)
    app.command("config")(config_command)


def main() -> None:
    """`python -m sohoa.cli_store COMMAND`: these commands alone (used by tests that kill a reindex)."""
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, no_args_is_help=True)
    register(app)
    app()


if __name__ == "__main__":
    main()
