"""Notifications queued in the same transaction as the change they tell of, sent after commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reserve_flow.core.db import Base, UTCDateTime, utcnow

# pending: waiting for (another) try; sent: accepted by the SMTP server, or, in-app,
# delivered; failed: the server refused it for good (5xx), or the message itself
# could not be built in smtp.max_attempts tries (never for an unreachable server):
# an administrator sees it and may send it again.
STATUSES = ("pending", "sent", "failed")


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_pending", "status", "next_attempt_at"),
        # A user's in-app notifications and their unread count (in every page's header).
        Index("ix_outbox_inbox", "recipient_id", "channel", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique, so that a retried producer (a scheduler scan, say) never queues twice.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(10))  # email | inapp
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    template: Mapped[str] = mapped_column(String(100))
    context: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    audit_event_id: Mapped[int | None] = mapped_column(ForeignKey("audit_events.id"))
    status: Mapped[str] = mapped_column(String(10), default="pending")  # STATUSES
    # Tries so far; a dispatcher counts one when it claims the row (see dispatch.py).
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # in-app messages
    last_error: Mapped[str | None] = mapped_column(Text)
