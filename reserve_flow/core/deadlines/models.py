"""Deadlines opened by the engine when a subject enters a state that carries one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from reserve_flow.core.db import Base, UTCDateTime


class Deadline(Base):
    __tablename__ = "deadlines"
    __table_args__ = (
        # The scheduler's scan: open deadlines by due time.
        Index("ix_deadlines_open_due", "closed_at", "due_at"),
        Index("ix_deadlines_subject", "subject_type", "subject_id"),
        # The scheduler's scan: the open deadlines whose next action has come.
        Index("ix_deadlines_next_notice", "closed_at", "next_notice_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workflow: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int]
    state: Mapped[str] = mapped_column(String(40))  # the state it was opened in
    # "state": closed when the subject leaves that state; "workflow": runs over the
    # whole case and closes when it reaches a terminal state.
    scope: Mapped[str] = mapped_column(String(10), default="state")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The deadline's exclusive end: local midnight after its last day, in UTC.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    days: Mapped[int]
    calendar: Mapped[str] = mapped_column(String(10))  # working | calendar
    actor_role: Mapped[str] = mapped_column(String(20))
    escalate_to: Mapped[str | None] = mapped_column(String(20))
    on_expiry: Mapped[str | None] = mapped_column(String(60))
    remind_before: Mapped[str] = mapped_column(String(60), default="")  # e.g. "3,1"
    opened_by_event_id: Mapped[int] = mapped_column(ForeignKey("audit_events.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_event_id: Mapped[int | None] = mapped_column(ForeignKey("audit_events.id"))
    # When the scheduler must next look at this open deadline (its next reminder, or its
    # end when that calls for an escalation or an expiry); None when closed or when
    # nothing is left to do. Kept by core/deadlines/timing.py's next_notice_at.
    next_notice_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
