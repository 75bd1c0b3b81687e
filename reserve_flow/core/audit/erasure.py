"""Destroying the personal part of audit events (152-FZ: the purpose is reached, consent
withdrawn) without breaking the chain: the values and the salt of their commitment go,
the commitment stays in the hash, and the erasure itself is an event of the chain."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from reserve_flow.core.audit.chain import ERASURE_KIND, append_event
from reserve_flow.core.audit.models import AuditEvent, AuditPersonal
from reserve_flow.core.db import unit_of_work, utcnow


def erase_personal_data(session: Session, *, event_ids: Iterable[int], act_id: int | None, reason: str) -> int:
    """Destroy the personal data of the given events (by AuditEvent.id) under the
    destruction act `act_id`; returns how many were erased now (already erased ones and
    unknown ids are skipped). One `personal_data_erased` event lists their numbers, so
    `audit verify` can tell an erasure from a deletion behind the system's back."""
    ids = sorted(set(event_ids))
    if not ids:
        return 0
    with unit_of_work(session):
        now = utcnow()
        rows = session.execute(
            select(AuditEvent.seq, AuditPersonal)
            .join(AuditPersonal, AuditPersonal.event_id == AuditEvent.id)
            .where(AuditEvent.id.in_(ids), AuditPersonal.erased_at.is_(None))
            .order_by(AuditEvent.seq)
        ).all()
        for _seq, personal in rows:
            personal.salt = personal.actor_name = personal.reason = personal.data = None
            personal.erased_at, personal.erasure_act_id, personal.erasure_reason = now, act_id, reason
        if rows:
            session.flush()
            append_event(
                session,
                kind=ERASURE_KIND,
                actor=None,
                subject_type="audit",
                subject_id=act_id,
                now=now,
                reason=reason,
                data={"act_id": act_id, "events": [seq for seq, _p in rows]},
            )
        return len(rows)
