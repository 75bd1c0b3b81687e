"""The tamper-evident audit log: an append-only chain of events linked by SHA-256, the
erasable personal part of each event beside it, and the signed checkpoints of its head."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reserve_flow.core.db import Base, UTCDateTime

SYSTEM_NAME = "система"
ERASED_NAME = "данные уничтожены"


class AuditEvent(Base):
    """One event. `hash` covers a canonical form of every other column and `prev_hash`;
    `seq` runs 1, 2, 3... without gaps, so an edit, a deletion or an insertion outside
    the chain shows up in `reserve-flow audit verify`. Personal data (the actor's name,
    the reason, the values the appender marks personal) is not here but in AuditPersonal:
    the hash covers only `personal_digest`, a salted commitment to it, so that part can
    be destroyed while the chain still verifies. The table is append-only (triggers)."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    # The hash formula: 2 since the personal part left the hashed fields.
    version: Mapped[int] = mapped_column(default=2)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # "transition" for a workflow step; other kinds record actions outside a workflow
    # (a protocol generated, a personal file opened, a login).
    kind: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None]
    trigger: Mapped[str | None] = mapped_column(String(60))
    from_state: Mapped[str | None] = mapped_column(String(40))
    to_state: Mapped[str | None] = mapped_column(String(40))
    data: Mapped[str] = mapped_column(Text, default="{}")  # canonical JSON text, nothing personal
    personal_digest: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    personal: Mapped[AuditPersonal | None] = relationship(lazy="joined", uselist=False)

    @property
    def erased(self) -> bool:
        return self.personal is not None and self.personal.erased_at is not None

    @property
    def actor_name(self) -> str:
        if self.personal is not None and self.personal.actor_name is not None:
            return self.personal.actor_name
        if self.actor_id is None:
            return SYSTEM_NAME
        return f"пользователь № {self.actor_id} ({ERASED_NAME})"

    @property
    def reason(self) -> str | None:
        return self.personal.reason if self.personal is not None else None

    @property
    def personal_values(self) -> dict[str, Any]:
        if self.personal is None or not self.personal.data:
            return {}
        return json.loads(self.personal.data)

    @property
    def payload(self) -> dict[str, Any]:
        """The event's data with its personal values (while they exist), as the appender gave them."""
        return {**json.loads(self.data or "{}"), **self.personal_values}


class AuditPersonal(Base):
    """The personal part of one event and the random salt of its commitment. Erasure
    destroys the values and the salt together (and records by which act), after which
    nobody can tell what they were, and the event's hash still verifies."""

    __tablename__ = "audit_personal"

    event_id: Mapped[int] = mapped_column(ForeignKey("audit_events.id"), primary_key=True)
    salt: Mapped[str | None] = mapped_column(String(64))  # hex; None once erased
    actor_name: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[str | None] = mapped_column(Text)  # canonical JSON of the appender's personal values
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    erasure_act_id: Mapped[int | None]  # the destruction act (its number in the privacy records)
    erasure_reason: Mapped[str | None] = mapped_column(Text)


class AuditChainHead(Base):
    """A single row with the chain's last sequence number and hash. Appenders update
    it first, which serializes them on SQLite and PostgreSQL alike (no forks), and
    verify compares it with the last event (a deleted tail shows)."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(Base):
    """A signed checkpoint as it was exported, for the public head page. The proof is
    the exported file (and copies of it elsewhere), not this row: whoever can rewrite
    the chain can rewrite this table too."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(200))
