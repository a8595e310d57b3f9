"""The front door: `sohoa COMMAND`. Each group of commands lives in its own module and registers here."""

from __future__ import annotations

import typer

from sohoa import cli_extract

app = typer.Typer(
    name="sohoa",
    help="Sohoa: scans of Vietnamese administrative results in, searchable validated records out.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)



@app.callback()
def main() -> None:
    """Sohoa: scans of Vietnamese administrative results in, searchable validated records out."""
    # settings that cannot be used (a secret readable by others, a value of the wrong kind) stop every
    # command before it starts, with the reason and no traceback
    from pydantic import ValidationError

    from config.settings import InsecureSecretFile, Settings

    try:
        Settings()
    except InsecureSecretFile as exc:
        typer.echo(f"sohoa: refused: {exc}", err=True)
        raise typer.Exit(2) from None
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors())
        typer.echo(f"sohoa: invalid settings: {problems}", err=True)
        raise typer.Exit(2) from None


cli_extract.register(app)

for _module in ("sohoa.cli_store", "sohoa.cli_flows", "sohoa.cli_web", "sohoa.cli_backup"):
    try:
        __import__(_module)
    except ModuleNotFoundError as exc:  # a room not built yet
        if exc.name != _module:
            raise
        continue
    import sys

    sys.modules[_module].register(app)
