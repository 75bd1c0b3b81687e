"""Consents (to processing and to dissemination) and the acts of destruction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reserve_flow.core.db import Base, UTCDateTime
from reserve_flow.people.models import User

PROCESSING = "processing"
DISSEMINATION = "dissemination"

# Where a dissemination consent lets the person's name be published (152-FZ art. 10.1).
SCOPES: dict[str, str] = {
    "reserve_list": "публичный список кадрового резерва",
    "contest_results": "публичные итоги конкурсов",
    "appointments": "публичная страница назначений руководителей",
}


class ConsentRecord(Base):
    """A consent a person accepted: which kind, which text (its version and SHA-256), when,
    and, for dissemination, where publication is allowed. Never edited but for its
    revocation; a new choice of scopes is a new record."""

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The application the consent was given on, for consents recorded before the
    # consent was asked once (then the registration or the cabinet gives it).
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20), default=PROCESSING)
    text_version: Mapped[str] = mapped_column(String(40))
    # The exact text shown (the district's settings fill it in) and its SHA-256, so that
    # the person sees what they agreed to even after the settings change.
    text: Mapped[str] = mapped_column(Text, default="")
    text_hash: Mapped[str] = mapped_column(String(64), default="")
    # Dissemination only: the SCOPES allowed, comma-separated.
    scopes: Mapped[str] = mapped_column(String(200), default="")
    given_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(s for s in self.scopes.split(",") if s)

    @property
    def kind_label(self) -> str:
        return "на обработку персональных данных" if self.kind == PROCESSING else "на распространение"


class DestructionAct(Base):
    """One destruction of personal data: what, whose, on which ground, by whom (None:
    the retention schedule) and when. The act itself names the person and the file only
    by what an auditor needs: the document kind, its file name and hash."""

    __tablename__ = "destruction_acts"

    id: Mapped[int] = mapped_column(primary_key=True)
    performed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    subject_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    what: Mapped[str] = mapped_column(Text)
    ground: Mapped[str] = mapped_column(Text)
    performed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    file_sha256: Mapped[str] = mapped_column(String(64), default="")
    # Whether the stored bytes were removed (False: another record still uses the same file).
    file_removed: Mapped[bool] = mapped_column(default=False)

    subject_user: Mapped[User | None] = relationship(foreign_keys=[subject_user_id])
    performed_by: Mapped[User | None] = relationship(foreign_keys=[performed_by_id])
