"""`sohoa web` serves the clerks' and archivists' web app; `sohoa user ...` manages its accounts
(the first administrator has to be made here, on the server, before anyone can log in)."""

from __future__ import annotations

import getpass
import os
import sys

import typer

from config.settings import get_settings

user_app = typer.Typer(help="Accounts of the web app: add, list, set a password, a role, disable, API tokens.",
                       no_args_is_help=True)
ROLES = "clerk | archivist | admin"


def web_command(
    host: str = typer.Option(None, "--host", help="address to listen on (default: settings, 127.0.0.1; 0.0.0.0 for the office network)"),
    port: int = typer.Option(None, "--port", help="port (default: settings, 8080)"),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """Serve the web app (search, records, citizen view, review queue, batches, accounts, JSON API)."""
    import uvicorn

    from sohoa.logs import adopt, setup_logging
    from web.app import create_app

    setup_logging(verbose)
    settings = get_settings()
    app = create_app(settings)
    bind_host = host or settings.web_host
    bind_port = port or settings.web_port
    typer.echo(f"Sohoa web: http://{bind_host}:{bind_port}/ (data: {settings.data_dir}); Ctrl-C to stop", err=True)
    # one process: login throttling and the batch runner's bookkeeping live in it (see web/security.py)
    config = uvicorn.Config(app, host=bind_host, port=bind_port, log_level="info" if verbose else "warning",
                            proxy_headers=True, server_header=False)
    adopt("uvicorn.error", "uvicorn.access")  # configured by uvicorn.Config: masked, and into the log file
    uvicorn.Server(config).run()


def _accounts():  # noqa: ANN202
    from store.db import Store
    from web.accounts import Accounts

    settings = get_settings()
    return Accounts(Store.open(settings), settings)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Mật khẩu / password: ")
    if getpass.getpass("Nhập lại / again: ") != first:
        typer.echo("the two passwords differ", err=True)
        raise typer.Exit(2)
    return first


def _fail(exc: Exception) -> typer.Exit:
    typer.echo(f"sohoa user: {exc}", err=True)
    return typer.Exit(1)


@user_app.command("add")
def user_add(
    name: str = typer.Argument(..., help="username: a-z, 0-9, . _ -"),
    role: str = typer.Option("clerk", "--role", help=ROLES),
    full_name: str = typer.Option(None, "--full-name", help="shown in the app, e.g. 'Nguyễn Thị Hà'"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="read the password from stdin (scripts)"),
) -> None:
    """Create an account (asks for the password twice unless --password-stdin)."""
    from web.accounts import AccountError

    accounts = _accounts()
    try:
        user = accounts.add_user(name, role, _read_password(password_stdin), full_name)
    except AccountError as exc:
        raise _fail(exc) from None
    accounts.store.audit(os.environ.get("USER") or "cli", "user_add",
                         detail={"user": user.username, "role": user.role, "via": "cli"})
    typer.echo(f"created {user.username} ({user.role})")


@user_app.command("list")
def user_list() -> None:
    """Accounts with role, state and last login."""
    for u in _accounts().list_users():
        last = u.last_login_at.isoformat(timespec="minutes") if u.last_login_at else "-"
        typer.echo(f"{u.username:<20} {u.role:<10} {'active' if u.active else 'disabled':<9} last login {last}  {u.full_name or ''}")


def _user_id(accounts, name: str) -> int:  # noqa: ANN001
    user = accounts.get_user(name)
    if user is None:
        typer.echo(f"sohoa user: no account {name}", err=True)
        raise typer.Exit(1)
    return user.id


@user_app.command("passwd")
def user_passwd(name: str, password_stdin: bool = typer.Option(False, "--password-stdin")) -> None:
    """Set a new password (ends the account's browser sessions)."""
    from web.accounts import AccountError

    accounts = _accounts()
    try:
        accounts.set_password(_user_id(accounts, name), _read_password(password_stdin))
    except AccountError as exc:
        raise _fail(exc) from None
    typer.echo(f"password of {name} changed")


def _update(name: str, done: str, **changes: object) -> None:
    from web.accounts import AccountError

    accounts = _accounts()
    try:
        accounts.update_user(_user_id(accounts, name), **changes)
    except AccountError as exc:
        raise _fail(exc) from None
    typer.echo(done)


@user_app.command("role")
def user_role(name: str, role: str = typer.Argument(..., help=ROLES)) -> None:
    """Change the role of an account."""
    _update(name, f"{name} is now {role}", role=role)


@user_app.command("disable")
def user_disable(name: str) -> None:
    """Lock an account: its sessions end and its API tokens stop working."""
    _update(name, f"{name} disabled", active=False)


@user_app.command("enable")
def user_enable(name: str) -> None:
    """Unlock an account."""
    _update(name, f"{name} enabled", active=True)


@user_app.command("token")
def user_token(name: str, label: str = typer.Option("API", "--label", help="what the token is for")) -> None:
    """Make an API token for an account and print it (once: only its hash is kept)."""
    accounts = _accounts()
    token, _row = accounts.create_api_token(_user_id(accounts, name), label)
    typer.echo(token)


def register(app: typer.Typer) -> None:
    app.command("web")(web_command)
    app.add_typer(user_app, name="user")
