"""Bulk exports of personal data (lists with people's names) recorded in the audit journal:
who took which list, in which format, how many rows, with which filters, and when.

A domain's export service calls `record_export` in its unit of work before it hands the
rows to the view that writes the file, so no such file leaves without its event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from reserve_flow.core.actors import Actor
from reserve_flow.core.audit.chain import append_event
from reserve_flow.core.db import unit_of_work

KIND = "personal_data_exported"
SUBJECT_TYPE = "export"


def record_export(
    session: Session,
    actor: Actor,
    *,
    what: str,
    file_format: str,
    rows: int,
    now: datetime,
    filters: dict[str, Any] | None = None,
) -> None:
    """Append the event of one export (`what` names the list in Russian for the journal)."""
    with unit_of_work(session):
        append_event(
            session,
            kind=KIND,
            actor=actor,
            subject_type=SUBJECT_TYPE,
            subject_id=None,
            now=now,
            reason=what,
            data={"format": file_format, "rows": rows, "filters": filters or {}},
        )
