"""Applying Alembic migrations from code (`reserve-flow db upgrade`, the demo, tests)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine

from reserve_flow.resources import resource_dir


def alembic_config() -> Config:
    """Alembic's settings in code, the same as alembic.ini's [alembic] section: an installed
    wheel has no alembic.ini (it stays at the repository's top level for the `alembic`
    command), only the migrations bundled in the package."""
    cfg = Config()
    # ConfigParser interpolation: a percent sign in the path must be doubled.
    cfg.set_main_option("script_location", str(resource_dir("migrations")).replace("%", "%%"))
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    cfg.set_main_option("path_separator", "os")
    return cfg


def _sqlite_migration_engine(url: URL) -> Engine:
    """SQLite for migrations: foreign keys off while tables are rebuilt (batch mode drops
    and recreates a table, and with them on the drop would cascade into its children),
    and real transactional DDL (pysqlite otherwise commits each DDL statement at once)."""
    engine = create_engine(url, connect_args={"timeout": 10})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        dbapi_connection.execute("PRAGMA foreign_keys=OFF")
        dbapi_connection.execute("PRAGMA busy_timeout=10000")

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        connection.exec_driver_sql("BEGIN")

    return engine


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Bring the database up to `revision` (every branch's head by default) in one
    transaction: a failed migration leaves the schema as it was. On SQLite, the foreign
    keys are checked once at the end instead of cascading during table rebuilds."""
    cfg = alembic_config()
    sqlite = engine.dialect.name == "sqlite"
    migration_engine = _sqlite_migration_engine(engine.url) if sqlite else engine
    try:
        with migration_engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"migration left rows with broken foreign keys: {broken[:5]}")
    finally:
        if sqlite:
            migration_engine.dispose()


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def known_revisions() -> set[str]:
    """Every revision this version's migrations know."""
    return {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def head_revisions() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())
