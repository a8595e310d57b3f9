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
