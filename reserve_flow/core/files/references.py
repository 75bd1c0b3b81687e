"""Who still needs a stored file: the registry of every (table, column) that holds a stored
file's SHA-256, and the one way a stored file is deleted.

core/files/storage.py keeps identical bytes once, under their hash, so one file may be an
applicant's document, a member's plan evidence, an attestation's signed record and the
order template all at once. The core knows none of those tables: each domain registers
its columns here when its models are imported (`register("plan_evidence", "sha256")`),
and `release` deletes a file only when no registered column refers to it any more.
A sweep of orphan files reads the same registry (`registered()`).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import column, exists, select, table
from sqlalchemy.orm import Session

from reserve_flow.core.db import in_unit_of_work
from reserve_flow.core.files import storage

_REFERENCES: list[tuple[str, str]] = []


def register(table_name: str, column_name: str) -> None:
    """Declare that `table_name.column_name` holds the SHA-256 of a stored file it needs."""
    if (table_name, column_name) not in _REFERENCES:
        _REFERENCES.append((table_name, column_name))


def registered() -> tuple[tuple[str, str], ...]:
    """Every (table, column) registered, in the order the domains registered them."""
    return tuple(_REFERENCES)


def is_referenced(session: Session, sha256: str) -> bool:
    """Whether any registered column holds `sha256` (as this session sees the database)."""
    for table_name, column_name in _REFERENCES:
        holder = column(column_name)
        if session.scalar(select(exists().select_from(table(table_name, holder)).where(holder == sha256))):
            return True
    return False


def release(session: Session, folder: Path, sha256: str) -> bool:
    """Delete the stored file of `sha256` if nothing refers to it; True when it was deleted.

    Called once the change that dropped a reference has been committed (or rolled back):
    inside a caller's unit of work nothing is deleted, since the caller may still roll back
    and need the file; such a file, if it ends up an orphan, is left for a sweep. The read
    transaction this opens is ended before returning."""
    if not sha256 or in_unit_of_work(session):
        return False
    try:
        if is_referenced(session, sha256):
            return False
        storage.remove(folder, storage.key_of(sha256))
        return True
    finally:
        session.rollback()  # end the read transaction
