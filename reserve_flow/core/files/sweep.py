"""Removing what a crash leaves in the uploads folder: temporary files of writes that
never finished, and files that no row refers to (written by a transaction that was
killed before it committed, or whose row was deleted). Only files older than a grace
period go, so a file just written by a transaction still running is left alone."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from reserve_flow.core.files.references import referenced_paths
from reserve_flow.core.files.storage import TEMP_PREFIX

log = logging.getLogger(__name__)
DEFAULT_GRACE = timedelta(hours=24)


@dataclass
class SweepResult:
    temporary: list[str] = field(default_factory=list)  # paths relative to the folder
    unreferenced: list[str] = field(default_factory=list)

    @property
    def removed(self) -> int:
        return len(self.temporary) + len(self.unreferenced)


def sweep(session: Session, folder: Path, grace: timedelta = DEFAULT_GRACE) -> SweepResult:
    """Remove temporary leftovers and unreferenced files under `folder` last modified more
    than `grace` ago (by the wall clock, which the files' times follow; reusing a stored
    file touches it); return what was removed."""
    result = SweepResult()
    if not folder.is_dir():
        return result
    cutoff = time.time() - grace.total_seconds()
    wanted = referenced_paths(session)
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
        relative = path.relative_to(folder).as_posix()
        if path.stat().st_mtime >= cutoff:
            continue
        if path.name.startswith(TEMP_PREFIX):
            bucket = result.temporary
        elif relative not in wanted:
            bucket = result.unreferenced
        else:
            continue
        path.unlink(missing_ok=True)
        bucket.append(relative)
        log.info("files sweep: removed %s", relative)
    return result
