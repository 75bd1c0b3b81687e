"""The audit chain (version 2): every event's SHA-256 covers a canonical form of the
event's non-personal fields, a salted commitment to its personal part, and the previous
event's hash. Appending serializes on the chain head row."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, lazyload

from reserve_flow.core.actors import Actor
from reserve_flow.core.audit.models import SYSTEM_NAME, AuditChainHead, AuditEvent, AuditPersonal

GENESIS_HASH = "0" * 64
CHAIN_VERSION = 2
ERASURE_KIND = "personal_data_erased"
_HASHED_FIELDS = (
    "seq",
    "version",
    "kind",
    "actor_id",
    "subject_type",
    "subject_id",
    "trigger",
    "from_state",
    "to_state",
    "data",
    "personal_digest",
    "prev_hash",
)


def canonical_json(value: Any) -> str:
    """One spelling per value: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def utc_timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def personal_digest(salt: str, actor_name: str | None, reason: str | None, data: str | None) -> str:
    """HMAC-SHA256 keyed by the event's random salt over its personal part: without the
    salt a guess at the values («Иванова») cannot be checked against the digest."""
    body = canonical_json({"actor_name": actor_name, "reason": reason, "data": data})
    return hmac.new(bytes.fromhex(salt), body.encode("utf-8"), hashlib.sha256).hexdigest()


def event_hash(event: AuditEvent) -> str:
    body = {name: getattr(event, name) for name in _HASHED_FIELDS}
    body["occurred_at"] = utc_timestamp(event.occurred_at)
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainHead:
    seq: int
    hash: str

    @property
    def line(self) -> str:
        """The footer of generated documents: where the chain stood when it was made."""
        return f"Журнал аудита: событие № {self.seq}, хеш {self.hash}"


def chain_head(session: Session) -> ChainHead:
    head = session.get(AuditChainHead, 1)
    return ChainHead(head.last_seq, head.last_hash) if head else ChainHead(0, GENESIS_HASH)


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
    personal: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain in the session's transaction and return it (flushed).
    `data` is hashed as it is; the actor's name, `reason` and `personal` (names, free
    text, file names: whatever identifies a person) are kept erasable beside the event.
    The head row's update takes a write lock held until commit, so appenders queue up."""
    overlap = set(data or {}) & set(personal or {})
    if overlap:
        raise ValueError(f"audit data and personal values share keys: {sorted(overlap)}")
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
    # An event is never recorded as earlier than the one before it (clocks of two
    # workers may differ slightly; the chain's order is the order of the head lock).
    previous = session.scalar(select(AuditEvent.occurred_at).where(AuditEvent.seq == seq - 1))
    moment = now.astimezone(UTC)
    if previous is not None and previous > moment:
        moment = previous
    salt = secrets.token_hex(32)
    actor_name = actor.full_name if actor else SYSTEM_NAME
    personal_json = canonical_json(personal) if personal else None
    event = AuditEvent(
        seq=seq,
        version=CHAIN_VERSION,
        occurred_at=moment,
        kind=kind,
        actor_id=actor.id if actor else None,
        subject_type=subject_type,
        subject_id=subject_id,
        trigger=trigger,
        from_state=from_state,
        to_state=to_state,
        data=canonical_json(data or {}),
        personal_digest=personal_digest(salt, actor_name, reason, personal_json),
        prev_hash=prev_hash,
    )
    event.hash = event_hash(event)
    event.personal = AuditPersonal(salt=salt, actor_name=actor_name, reason=reason, data=personal_json)
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
    erased: int = 0
    # act id (None: erased without an act) -> how many events' personal data it destroyed
    erasure_acts: dict[int | None, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def erasure_summary(self) -> str:
        """«personal data erased in 3 events (act #5: 2, no act: 1)», or ""."""
        if not self.erased:
            return ""
        acts = ", ".join(
            f"act #{act}: {count}" if act is not None else f"no act: {count}"
            for act, count in sorted(self.erasure_acts.items(), key=lambda item: (item[0] is None, item[0] or 0))
        )
        return f"personal data erased in {self.erased} events ({acts})"


def _personal_problem(event: AuditEvent, personal: AuditPersonal | None) -> str | None:
    if personal is None:
        return f"event #{event.seq} lost its personal part (deleted outside the erasure?)"
    if personal.erased_at is not None:
        return None
    if personal.salt is None:
        return f"event #{event.seq} has no salt and no erasure recorded"
    if personal_digest(personal.salt, personal.actor_name, personal.reason, personal.data) != event.personal_digest:
        return f"event #{event.seq} was altered: its personal data does not match the commitment"
    return None


def verify_chain(session: Session, batch: int = 1000) -> VerifyResult:
    """Walk the chain in order. The first event whose hash, link, sequence number or
    personal part is wrong is reported; so is a head that does not match the last event
    and an erasure no erasure event of the chain announces. Erased personal parts are
    counted (and by which act), not failed: their commitment stays in the hash."""
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    last_id = None
    erased: dict[int, int | None] = {}  # seq -> act id
    announced: set[int] = set()
    query = (
        select(AuditEvent, AuditPersonal)
        .outerjoin(AuditPersonal, AuditPersonal.event_id == AuditEvent.id)
        .options(lazyload(AuditEvent.personal))
        .order_by(AuditEvent.seq)
        .execution_options(yield_per=batch)
    )
    for event, personal in session.execute(query):
        if event.seq != expected_seq:
            what = "missing (deleted?)" if event.seq > expected_seq else "duplicated"
            return VerifyResult(checked, expected_seq, event.id, f"event #{expected_seq} is {what}")
        if event.prev_hash != prev_hash:
            return VerifyResult(checked, event.seq, event.id, f"event #{event.seq} does not link to the previous event")
        if event.version != CHAIN_VERSION or event_hash(event) != event.hash:
            return VerifyResult(
                checked, event.seq, event.id, f"event #{event.seq} was altered: its hash does not match"
            )
        problem = _personal_problem(event, personal)
        if problem:
            return VerifyResult(checked, event.seq, event.id, problem)
        if personal is not None and personal.erased_at is not None:
            erased[event.seq] = personal.erasure_act_id
        if event.kind == ERASURE_KIND:
            announced.update(json.loads(event.data).get("events", []))
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
    unannounced = sorted(set(erased) - announced)
    if unannounced:
        return VerifyResult(
            checked,
            unannounced[0],
            None,
            f"the personal data of event #{unannounced[0]} was removed, but no erasure event records it",
        )
    return VerifyResult(
        checked,
        erased=len(erased),
        erasure_acts=dict(Counter(erased.values())),
    )
