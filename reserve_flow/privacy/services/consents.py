"""Consents: given once (processing at registration, dissemination by choice), shown to the
person afterwards and revocable in their cabinet. Each change is its own unit of work and
an audit event on the person.

Only an active processing consent lets a person apply; only an active dissemination
consent covering a page's scope lets a public page show their name (publication.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from reserve_flow.core.audit.chain import append_event
from reserve_flow.core.db import unit_of_work
from reserve_flow.core.errors import NotFound, Refused
from reserve_flow.people.models import User
from reserve_flow.privacy import texts
from reserve_flow.privacy.models import DISSEMINATION, PROCESSING, SCOPES, ConsentRecord

if TYPE_CHECKING:
    from reserve_flow.runtime import Runtime

# Audit events about a person are on the subject "user" (as the path's views are).
PERSON_SUBJECT = "user"


class ConsentRefused(Refused):
    pass


class ConsentNotFound(NotFound):
    pass


def _audit(runtime: Runtime, session: Session, user: User, kind: str, record: ConsentRecord) -> None:
    append_event(
        session,
        kind=kind,
        actor=user,
        subject_type=PERSON_SUBJECT,
        subject_id=user.id,
        now=runtime.now(),
        data={
            "consent_id": record.id,
            "consent": record.kind,
            "version": record.text_version,
            "text_sha256": record.text_hash,
            "scopes": record.scopes,
        },
    )


def active(session: Session, user_id: int, kind: str) -> ConsentRecord | None:
    """The person's consent of `kind` in force (the newest unrevoked), or None."""
    return session.scalars(
        select(ConsentRecord)
        .where(ConsentRecord.user_id == user_id, ConsentRecord.kind == kind, ConsentRecord.revoked_at.is_(None))
        .order_by(ConsentRecord.given_at.desc(), ConsentRecord.id.desc())
    ).first()


def processing_withdrawn_at(session: Session, user_id: int) -> datetime | None:
    """When the person withdrew the processing consent, if none is in force now."""
    if active(session, user_id, PROCESSING) is not None:
        return None
    return session.scalar(
        select(ConsentRecord.revoked_at)
        .where(ConsentRecord.user_id == user_id, ConsentRecord.kind == PROCESSING)
        .order_by(ConsentRecord.revoked_at.desc())
        .limit(1)
    )


def give_processing(runtime: Runtime, session: Session, user: User) -> ConsentRecord:
    """Record the processing consent to the current text (or return the one in force)."""
    with unit_of_work(session):
        current = active(session, user.id, PROCESSING)
        if current is not None:
            return current
        text = texts.processing(runtime.settings)
        record = ConsentRecord(
            user_id=user.id,
            kind=PROCESSING,
            text_version=text.version,
            text=text.text,
            text_hash=text.sha256,
            given_at=runtime.now(),
        )
        session.add(record)
        session.flush()
        _audit(runtime, session, user, "consent_given", record)
        return record


def set_dissemination(runtime: Runtime, session: Session, user: User, scopes: Iterable[str]) -> ConsentRecord | None:
    """Replace the dissemination consent by one for `scopes` (none: revoke it). A scope
    dropped takes the name off that page at once."""
    chosen = [s for s in SCOPES if s in set(scopes)]
    unknown = set(scopes) - set(SCOPES)
    if unknown:
        raise ConsentRefused("Выберите страницы из списка.")
    with unit_of_work(session):
        current = active(session, user.id, DISSEMINATION)
        if current is not None and current.scope_set == frozenset(chosen):
            return current
        if chosen and processing_withdrawn_at(session, user.id) is not None:
            raise ConsentRefused(
                "Согласие на обработку персональных данных отозвано: сначала дайте его снова, "
                "затем — согласие на распространение."
            )
        now = runtime.now()
        if current is not None:
            current.revoked_at = now
            _audit(runtime, session, user, "consent_revoked", current)
        if not chosen:
            return None
        text = texts.dissemination(runtime.settings, chosen)
        record = ConsentRecord(
            user_id=user.id,
            kind=DISSEMINATION,
            text_version=text.version,
            text=text.text,
            text_hash=text.sha256,
            scopes=",".join(chosen),
            given_at=now,
        )
        session.add(record)
        session.flush()
        _audit(runtime, session, user, "consent_given", record)
        return record


def revoke(runtime: Runtime, session: Session, user: User, consent_id: int) -> ConsentRecord:
    """The person revokes one of their consents in force. Withdrawing the processing
    consent revokes the dissemination consent too: nothing is published of a person whose
    data may no longer be processed."""
    with unit_of_work(session):
        record = session.get(ConsentRecord, consent_id)
        if record is None or record.user_id != user.id:
            raise ConsentNotFound(consent_id)
        if record.revoked_at is not None:
            raise ConsentRefused("Это согласие уже отозвано.")
        now = runtime.now()
        record.revoked_at = now
        _audit(runtime, session, user, "consent_revoked", record)
        if record.kind == PROCESSING:
            for other in session.scalars(
                select(ConsentRecord).where(
                    ConsentRecord.user_id == user.id, ConsentRecord.revoked_at.is_(None), ConsentRecord.id != record.id
                )
            ):
                other.revoked_at = now
                _audit(runtime, session, user, "consent_revoked", other)
        session.flush()
        return record


def consents_of(session: Session, user_id: int) -> list[ConsentRecord]:
    return list(
        session.scalars(
            select(ConsentRecord)
            .where(ConsentRecord.user_id == user_id)
            .order_by(ConsentRecord.given_at.desc(), ConsentRecord.id.desc())
        )
    )


def published_scopes(session: Session, user_ids: Iterable[int]) -> dict[int, frozenset[str]]:
    """For each of the people, the public pages their dissemination consent allows."""
    ids = list(set(user_ids))
    if not ids:
        return {}
    found: dict[int, frozenset[str]] = {}
    for record in session.scalars(
        select(ConsentRecord).where(
            ConsentRecord.user_id.in_(ids), ConsentRecord.kind == DISSEMINATION, ConsentRecord.revoked_at.is_(None)
        )
    ):
        found[record.user_id] = found.get(record.user_id, frozenset()) | record.scope_set
    return found
