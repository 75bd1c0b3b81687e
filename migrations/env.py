"""Alembic environment: the URL comes from the reserve-flow settings, or a connection
handed over in config.attributes["connection"] (tests and `reserve-flow db upgrade`)."""

from __future__ import annotations

from alembic import context

import reserve_flow.domains  # noqa: F401  (every table on Base.metadata)
from reserve_flow.config import load_settings
from reserve_flow.core.db import Base, make_engine

config = context.config
target_metadata = Base.metadata


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # ALTER TABLE on SQLite
        compare_type=True,
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(load_settings().database_url)
    with engine.connect() as connection:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("reserve-flow migrations run online only: use `reserve-flow db upgrade`")
run_migrations_online()
