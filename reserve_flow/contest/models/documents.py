"""Documents an applicant uploads to an application, and the secretary's review of each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reserve_flow.contest.models.contests import Application
from reserve_flow.core.db import Base, UTCDateTime, utcnow
from reserve_flow.core.files import references

# The secretary's verdict on one document. "replaced": it was returned and the
# applicant has uploaded a new file, which the secretary has yet to look at.
REVIEW_STATUSES: dict[str, str] = {
    "pending": "не проверен",
    "accepted": "принят",
    "returned": "возвращён на исправление",
    "replaced": "заменён после возврата",
}


class ApplicationDocument(Base):
    """An uploaded document; the file lives outside any served folder, named by its hash."""

    __tablename__ = "application_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    kind_code: Mapped[str] = mapped_column(String(40))
    original_name: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    # Path of the file relative to the uploads folder (core.files.storage); empty for
    # rows made without a file (demo data).
    storage_key: Mapped[str] = mapped_column(String(200), default="")
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    review_status: Mapped[str] = mapped_column(String(20), default="pending")
    review_reason: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    application: Mapped[Application] = relationship(back_populates="documents")

    @property
    def review_label(self) -> str:
        return REVIEW_STATUSES.get(self.review_status, self.review_status)


# The document is stored by hash (core/files/storage.py), perhaps shared with other rows.
references.register(ApplicationDocument.__tablename__, "sha256")
