"""The audit events that concern what a destruction act destroyed, and the erasure of
their personal part (core/audit/erasure.py) under that act, in the act's transaction.
The events stay in the chain; only their erasable values (file names, reasons, names,
the actor's name) go."""

from __future__ import annotations

import json

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from reserve_flow.contest.models.documents import ApplicationDocument
from reserve_flow.contest.services.applications import SUBJECT_TYPE as APPLICATION_SUBJECT
from reserve_flow.core.audit.erasure import erase_personal_data
from reserve_flow.core.audit.models import AuditEvent, AuditPersonal
from reserve_flow.privacy.models import DestructionAct
from reserve_flow.privacy.services.consents import PERSON_SUBJECT

# The person's events the profile's destruction concerns: the name history (its old and
# new names). Saving the profile is not an audit event; consent events hold nothing
# personal but the person as their actor (whose account stays), so they are kept whole.
PROFILE_EVENT_KINDS = ("full_name_changed",)


def _with_personal_values(subject_type: str, subject_id: int):
    """The subject's events whose personal part still holds values or a reason (an event
    with nothing personal but its actor's name is left as it is)."""
    return (
        select(AuditEvent.id, AuditEvent.data)
        .join(AuditPersonal, AuditPersonal.event_id == AuditEvent.id)
        .where(
            AuditEvent.subject_type == subject_type,
            AuditEvent.subject_id == subject_id,
            AuditPersonal.erased_at.is_(None),
            or_(AuditPersonal.data.is_not(None), AuditPersonal.reason.is_not(None)),
        )
    )


def _names_document(data: str, document_id: int) -> bool:
    """The event's data names the document: opened or replaced (`document_id`), or
    returned for correction (`returned_documents`; its file name is in the reason)."""
    values = json.loads(data or "{}")
    return values.get("document_id") == document_id or document_id in values.get("returned_documents", [])


def document_event_ids(session: Session, document: ApplicationDocument) -> list[int]:
    rows = session.execute(_with_personal_values(APPLICATION_SUBJECT, document.application_id))
    return [event_id for event_id, data in rows if _names_document(data, document.id)]


def profile_event_ids(session: Session, user_id: int) -> list[int]:
    query = _with_personal_values(PERSON_SUBJECT, user_id).where(AuditEvent.kind.in_(PROFILE_EVENT_KINDS))
    return [event_id for event_id, _data in session.execute(query)]


def erase_events(session: Session, act: DestructionAct, event_ids: list[int]) -> int:
    """Erase the events' personal part under `act` (flushed: it needs the act's id)."""
    session.flush()
    return erase_personal_data(session, event_ids=event_ids, act_id=act.id, reason=act.ground)
