"""Whether a stored file is still in use. Files are stored once per SHA-256 and may serve
several rows of several tables, so destroying one row's document removes the bytes only
when no row anywhere refers to them any more. This one function is the place to switch
to the shared registry of file-referencing columns (core/files/references.py) once it
exists."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reserve_flow.appointments.models import AttestationSession, OrderTemplate
from reserve_flow.contest.models.documents import ApplicationDocument
from reserve_flow.reserve.models.plan import PlanEvidence

# (table, its column holding the file's SHA-256)
_REFERENCES = (
    (ApplicationDocument, ApplicationDocument.sha256),
    (PlanEvidence, PlanEvidence.sha256),
    (AttestationSession, AttestationSession.document_sha256),
    (OrderTemplate, OrderTemplate.sha256),
)


def file_in_use(session: Session, sha256: str) -> bool:
    """Whether any row of any file-referencing table still names these bytes (flushed rows count)."""
    if not sha256:
        return False
    return any(
        session.scalar(select(func.count()).select_from(model).where(column == sha256)) for model, column in _REFERENCES
    )
