"""What the scheduler did about each deadline, and which scheduler may act.

A DeadlineNotice is written in the same transaction as the outbox rows or the
transition it stands for; its unique key (deadline, kind, offset) is what makes a
second scheduler, a restart or a crash in the middle of a scan unable to act twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from reserve_flow.core.db import Base, UTCDateTime

# kind -> outcomes it may have
NOTICE_KINDS = {
    "reminder": ("sent", "skipped"),  # skipped: a later reminder fell due too (after downtime)
    "escalation": ("sent",),
    "expiry": ("fired", "refused"),  # refused: the expiry transition's guard said no
}


class DeadlineNotice(Base):
    __tablename__ = "deadline_notices"
    __table_args__ = (UniqueConstraint("deadline_id", "kind", "offset_days"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deadline_id: Mapped[int] = mapped_column(ForeignKey("deadlines.id"))
    kind: Mapped[str] = mapped_column(String(20))
    # Days left when a reminder is due (3, 1, ...); 0 for escalations and expiries.
    offset_days: Mapped[int] = mapped_column(default=0)
    outcome: Mapped[str] = mapped_column(String(20))
    recipients: Mapped[int] = mapped_column(default=0)  # people told
    detail: Mapped[str | None] = mapped_column(Text)  # why an expiry was refused
    audit_event_id: Mapped[int | None] = mapped_column(ForeignKey("audit_events.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SchedulerLease(Base):
    """Leader election (SQLite and PostgreSQL): the holder renews `expires_at` on every
    tick and in every transaction that claims work; another scheduler takes the row
    once it has expired."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
