"""Which rows refer to a file under the uploads folder. Stored files are kept once per
SHA-256 and may be shared by rows of several tables (application documents, plan
evidence, attestations, order templates), and generated documents (protocols, orders)
are named by their rows: each domain registers the columns holding such a path
(relative to the uploads folder), so that the core, which knows no domain, can ask
whether a file is still wanted before it removes one."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

_COLUMNS: list[InstrumentedAttribute[str]] = []


def refers_to_files(*columns: InstrumentedAttribute[str]) -> None:
    """Register model columns whose values are paths relative to the uploads folder
    (an empty value refers to no file)."""
    for column in columns:
        if column not in _COLUMNS:
            _COLUMNS.append(column)


def file_columns() -> tuple[InstrumentedAttribute[str], ...]:
    return tuple(_COLUMNS)


def count_references(session: Session, relative_path: str) -> int:
    """How many rows, over every registered column, refer to the file at `relative_path`
    (a stored file's storage key is its hash's path: "ab/ab12..."). Zero means no row
    wants the file any more."""
    if not relative_path:
        return 0
    return sum(session.scalar(select(func.count()).where(column == relative_path)) or 0 for column in _COLUMNS)


def referenced_paths(session: Session) -> set[str]:
    """Every path that some row of a registered column refers to."""
    paths: set[str] = set()
    for column in _COLUMNS:
        paths.update(session.scalars(select(column).where(column != "").distinct()))
    return paths
