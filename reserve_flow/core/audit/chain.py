"""The audit chain: every event's SHA-256 covers a canonical form of the event and
the previous event's hash. Appending serializes on the chain head row."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from reserve_flow.core.actors import Actor
from reserve_flow.core.audit.models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64
_HASHED_FIELDS = (
    "seq",
    "kind",
    "actor_id",
    "actor_name",
    "subject_type",
    "subject_id",
    "trigger",
    "from_state",
    "to_state",
    "reason",
    "data",
    "prev_hash",
)


def canonical_json(value: Any) -> str:
    """One spelling per value: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(event: AuditEvent) -> str:
    body = {name: getattr(event, name) for name in _HASHED_FIELDS}
    body["occurred_at"] = _timestamp(event.occurred_at)
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


def append_event(
    session: Session,
    *,
    kind: str,
    actor: Actor | None,
    subject_type: str,
    subject_id: int | None,
    now: datetime,
    trigger: str | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain in the session's transaction and return it (flushed).
    The head row's update takes a write lock held until commit, so appenders queue up.
    An event is never dated before the one it follows: an appender whose clock was read
    before the previous appender's commit takes the previous event's time instead."""
    bump = (
        update(AuditChainHead)
        .where(AuditChainHead.id == 1)
        .values(last_seq=AuditChainHead.last_seq + 1)
        .returning(AuditChainHead.last_seq, AuditChainHead.last_hash)
    )
    row = session.execute(bump).first()
    if row is None:
        session.add(AuditChainHead(id=1, last_seq=0, last_hash=GENESIS_HASH))
        session.flush()
        row = session.execute(bump).first()
    assert row is not None
    seq, prev_hash = row
    previous_at = session.scalar(select(AuditEvent.occurred_at).where(AuditEvent.seq == seq - 1))
    occurred_at = now.astimezone(UTC)
    if previous_at is not None and previous_at > occurred_at:
        occurred_at = previous_at
    event = AuditEvent(
        seq=seq,
        occurred_at=occurred_at,
        kind=kind,
        actor_id=actor.id if actor else None,
        actor_name=actor.full_name if actor else "система",
        subject_type=subject_type,
        subject_id=subject_id,
        trigger=trigger,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        data=canonical_json(data or {}),
        prev_hash=prev_hash,
    )
    event.hash = event_hash(event)
    session.add(event)
    session.execute(update(AuditChainHead).where(AuditChainHead.id == 1).values(last_hash=event.hash))
    session.flush()
    return event


@dataclass
class VerifyResult:
    checked: int
    broken_seq: int | None = None
    broken_id: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify_chain(session: Session, batch: int = 1000) -> VerifyResult:
    """Walk the chain in order. The first event whose hash, link or sequence number
    is wrong is reported; so is a head that does not match the last event."""
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    last_id = None
    query = select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=batch)
    for event in session.scalars(query):
        if event.seq != expected_seq:
            what = "missing (deleted?)" if event.seq > expected_seq else "duplicated"
            return VerifyResult(checked, expected_seq, event.id, f"event #{expected_seq} is {what}")
        if event.prev_hash != prev_hash:
            return VerifyResult(checked, event.seq, event.id, f"event #{event.seq} does not link to the previous event")
        if event_hash(event) != event.hash:
            return VerifyResult(
                checked, event.seq, event.id, f"event #{event.seq} was altered: its hash does not match"
            )
        prev_hash = event.hash
        expected_seq += 1
        checked += 1
        last_id = event.id
    head = session.get(AuditChainHead, 1)
    head_seq, head_hash = (head.last_seq, head.last_hash) if head else (0, GENESIS_HASH)
    if head_seq != checked or head_hash != prev_hash:
        return VerifyResult(
            checked,
            checked + 1,
            last_id,
            f"the chain ends at event #{checked}, but its head records #{head_seq} (events deleted?)",
        )
    return VerifyResult(checked)
