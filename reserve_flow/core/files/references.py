"""Which rows refer to a file under the uploads folder. Stored files are kept once per
SHA-256 and may be shared by rows of several tables (application documents, plan
evidence, attestations, order templates), and generated documents (protocols, orders)
are named by their rows: each domain registers the columns holding such a path
(relative to the uploads folder), so that the core, which knows no domain, can ask
whether a file is still wanted before it removes one: `release` is the one way a stored
file is deleted, and the sweep reads the same registry."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from reserve_flow.core.db import in_unit_of_work
from reserve_flow.core.files import storage

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


def is_referenced(session: Session, sha256: str) -> bool:
    """Whether any row still refers to the stored file of `sha256` (as this session sees
    the database)."""
    return count_references(session, storage.key_of(sha256)) > 0


def release(session: Session, folder: Path, sha256: str) -> bool:
    """Delete the stored file of `sha256` if nothing refers to it; True when it was deleted.

    Called once the change that dropped a reference has been committed (or rolled back):
    inside a caller's unit of work nothing is deleted, since the caller may still roll back
    and need the file; such a file, if it ends up an orphan, is left for the sweep
    (core/files/sweep.py). The read transaction this opens is ended before returning."""
    if not sha256 or in_unit_of_work(session):
        return False
    try:
        if is_referenced(session, sha256):
            return False
        storage.remove(folder, storage.key_of(sha256))
        return True
    finally:
        session.rollback()  # end the read transaction
