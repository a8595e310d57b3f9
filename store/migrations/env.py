"""Alembic environment. `Store.open` passes its connection in `config.attributes["connection"]`;
`alembic -c store/migrations/alembic.ini ...` (developers) falls back to `sqlalchemy.url` or settings."""

from __future__ import annotations

import contextlib

from alembic import context
from sqlalchemy import create_engine

from store.models import Base

with contextlib.suppress(ImportError):  # the web app's tables share the metadata; autogenerate must see them
    import store.users  # noqa: F401

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from config.settings import Settings

    return Settings().database_url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        # render_as_batch: SQLite cannot ALTER most things; batch mode copies the table instead
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(_url())
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
