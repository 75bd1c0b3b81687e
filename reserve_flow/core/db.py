"""Database engine, sessions and the declarative base with stable constraint names."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always read back timezone-aware, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):  # type: ignore[override]
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware one is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect):  # type: ignore[override]
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def normalize_url(url: str) -> str:
    """`postgresql://` means psycopg 3 here (SQLAlchemy would pick psycopg2)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # pysqlite's legacy transaction handling begins a transaction before an INSERT, UPDATE
    # or DELETE but never before a SAVEPOINT: a savepoint taken first opened the transaction
    # itself, and its release committed it, early. The driver is told to stay out of
    # transactions and _sqlite_begin_before_writing issues BEGIN instead.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


_SQLITE_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT", "CREATE", "DROP", "ALTER")


def _sqlite_begin_before_writing(_conn, cursor, statement, _parameters, context, _executemany) -> None:
    """BEGIN IMMEDIATE before the first write (or savepoint) of a transaction: from there to
    COMMIT or ROLLBACK everything is one transaction holding SQLite's write lock, so it is
    all or nothing and concurrent writers queue (busy_timeout) instead of failing. Reads
    before the first write each see the latest commit, as under PostgreSQL's READ
    COMMITTED. A BEGIN at the transaction's first read would pin that read's snapshot, and
    SQLite refuses a later write at once ("database is locked") when another connection
    committed in between."""
    dbapi_connection = cursor.connection
    if dbapi_connection.in_transaction:
        return
    writes = context is not None and (context.isinsert or context.isupdate or context.isdelete)
    if writes or statement.lstrip().upper().startswith(_SQLITE_WRITES):
        dbapi_connection.execute("BEGIN IMMEDIATE")


def make_engine(url: str, echo: bool = False) -> Engine:
    """An engine with SQLite's foreign keys and WAL switched on, whose transactions (and the
    savepoints inside them) are all or nothing on SQLite as on PostgreSQL."""
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "before_cursor_execute", _sqlite_begin_before_writing)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


_DEPTH_KEY = "reserve_flow.unit_of_work_depth"


@contextmanager
def unit_of_work(session: Session, *, duplicate: Exception | None = None) -> Iterator[Session]:
    """The service call as one transaction: the block's work commits when the outermost
    unit of work on this session ends, and rolls back whole on any error. A service
    called from another service's unit of work joins it instead of committing early,
    so a web request, a CLI command, the scheduler and the API all get the same
    all-or-nothing step. With `duplicate`, a unique constraint that a request committed
    first makes the flush or commit fail (IntegrityError) raises `duplicate` instead."""
    depth = session.info.get(_DEPTH_KEY, 0)
    session.info[_DEPTH_KEY] = depth + 1
    try:
        yield session
        if depth == 0:
            session.commit()
    except BaseException as exc:
        if depth == 0:
            session.rollback()
        if duplicate is not None and isinstance(exc, IntegrityError):
            raise duplicate from None
        raise
    finally:
        session.info[_DEPTH_KEY] = depth


def in_unit_of_work(session: Session) -> bool:
    """Whether a unit of work is open on `session` (work done now commits with it, later)."""
    return session.info.get(_DEPTH_KEY, 0) > 0


def bump_version(session: Session, obj: object) -> None:
    """Move the optimistic-lock version of `obj` although no column of it changed (a
    document replaced, a shortlist edited): a request that read the older version, or a
    double submit, then fails with ConcurrentChange instead of acting on a case it never
    saw. Raises ConcurrentChange when someone else moved it first."""
    from sqlalchemy import inspect
    from sqlalchemy.orm.attributes import flag_modified
    from sqlalchemy.orm.exc import StaleDataError

    from reserve_flow.core.workflow.errors import ConcurrentChange

    mapper = inspect(obj).mapper
    version = mapper.version_id_col
    if version is None:
        raise TypeError(f"{type(obj).__name__} has no version column")
    # Marking any plain column modified makes the flush issue "UPDATE ... WHERE version = :read"
    # with the version incremented; the state column is the engine's alone, so not that one.
    key = next(
        prop.key
        for prop in mapper.column_attrs
        if prop.columns[0] is not version and not prop.columns[0].primary_key and prop.key != "state"
    )
    flag_modified(obj, key)
    ident = inspect(obj).identity
    try:
        session.flush()
    except StaleDataError:
        raise ConcurrentChange(subject_id=ident[0] if ident else None) from None


def lock_row(session: Session, model: type[Base], ident: int, *, shared: bool = False) -> None:
    """Hold a lock on one row until the transaction ends, so that a decision counting the
    rows that hang off it (votes, scores, attendance) and the writes of those rows take
    turns. PostgreSQL locks the row (FOR UPDATE, or FOR SHARE for `shared` holders that
    may run side by side). SQLite has one lock for the whole database: its write lock is
    taken now. Reload the locked object afterwards (`populate_existing`): it may have
    been changed by the transaction waited for."""
    from sqlalchemy import inspect, select

    if session.get_bind().dialect.name == "sqlite":
        driver = session.connection().connection.driver_connection
        if driver is not None and not driver.in_transaction:
            driver.execute("BEGIN IMMEDIATE")
        return
    (key,) = inspect(model).primary_key
    session.execute(select(key).where(key == ident).with_for_update(read=shared))
