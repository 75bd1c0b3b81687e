"""Numbers that are never reused nor skipped (protocols per year, orders per year and
register): one counter row per key, bumped in the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session


def take_next(session: Session, counter: type[Any], **key: Any) -> int:
    """The next number of the counter row `key` of the `counter` table (a `last_number`
    column keyed by its primary key), taken in the caller's transaction. The update
    locks the row until commit (PostgreSQL) or takes the write lock (SQLite), so
    concurrent callers get consecutive numbers and a rolled-back one takes none; the
    first of a key inserts the row under a savepoint, and a racing first caller falls
    back to the update."""
    table = counter.__table__
    bump = (
        table.update()
        .where(*(table.c[name] == value for name, value in key.items()))
        .values(last_number=table.c.last_number + 1)
        .returning(table.c.last_number)
    )
    number = session.execute(bump).scalar()
    if number is not None:
        return number
    try:
        with session.begin_nested():
            session.add(counter(**key, last_number=1))
        return 1
    except IntegrityError:
        number = session.execute(bump).scalar()
        assert number is not None
        return number
