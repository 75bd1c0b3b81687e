"""The individual development plan of a reserve member: its items, its versions, and
the evidence the member uploads for each item.

A PlanItem is the subject of workflows/plan_item.toml: each item has its own due
date, and the engine keeps a deadline open until it while the member has to act
(reminders before it, the HR officer told when it passes). A PlanVersion records one
wording of the plan: version 1 is drafted and agreed by both the HR officer and the
member; every change after that is a new version, with a reason and a snapshot.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reserve_flow.core.db import Base, UTCDateTime
from reserve_flow.core.files import references
from reserve_flow.core.workflow.subjects import register_case_page, register_owner_label, register_subject
from reserve_flow.people.models import Organization, User
from reserve_flow.reserve.models.membership import ReserveMembership

ITEM_KINDS: dict[str, str] = {
    "course": "Курсы повышения квалификации",
    "internship": "Стажировка",
    "acting_head": "Исполнение обязанностей руководителя",
    "seminar": "Семинар",
    "self_study": "Самообразование",
}
EVIDENCE_KINDS: dict[str, str] = {
    "certificate": "Удостоверение, сертификат",
    "report": "Отчёт",
    "other": "Иной документ",
}
# Item states in which the member still has something to do or HR to decide.
OPEN_ITEM_STATES = ("draft", "planned", "submitted", "returned")


class PlanVersion(Base):
    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("membership_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("reserve_memberships.id", ondelete="CASCADE"))
    number: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # What changed and why (versions after the first).
    reason: Mapped[str | None] = mapped_column(Text)
    # The items as this version words them (canonical JSON), kept as agreed.
    snapshot: Mapped[str] = mapped_column(Text, default="[]")
    hr_agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hr_agreed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    member_agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    membership: Mapped[ReserveMembership] = relationship(back_populates="plan_versions")
    hr_agreed_by: Mapped[User | None] = relationship(foreign_keys=[hr_agreed_by_id])

    @property
    def agreed(self) -> bool:
        return self.hr_agreed_at is not None and self.member_agreed_at is not None


@register_subject
class PlanItem(Base):
    __tablename__ = "plan_items"
    __workflow__ = "plan_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("reserve_memberships.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(40), default="draft")
    version: Mapped[int] = mapped_column(default=1)
    kind: Mapped[str] = mapped_column(String(20))  # ITEM_KINDS
    title: Mapped[str] = mapped_column(String(400))
    mandatory: Mapped[bool] = mapped_column(default=True)
    due_date: Mapped[date] = mapped_column(Date)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    # A course or seminar: who runs it, its programme and hours.
    provider: Mapped[str] = mapped_column(String(300), default="")
    programme: Mapped[str] = mapped_column(Text, default="")
    hours: Mapped[int | None]
    # An internship (or acting as head): where, and the mentor head.
    host_organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deficit_id: Mapped[int | None] = mapped_column(ForeignKey("professional_deficits.id", ondelete="SET NULL"))
    # The mentor's review of the internship, written before HR accepts the item.
    mentor_review: Mapped[str | None] = mapped_column(Text)
    mentor_reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    position: Mapped[int] = mapped_column(default=0)
    added_in_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    membership: Mapped[ReserveMembership] = relationship(back_populates="items", lazy="joined")
    host_organization: Mapped[Organization | None] = relationship()
    mentor: Mapped[User | None] = relationship(foreign_keys=[mentor_id])
    evidence: Mapped[list[PlanEvidence]] = relationship(
        back_populates="item", order_by="PlanEvidence.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def kind_label(self) -> str:
        return ITEM_KINDS.get(self.kind, self.kind)

    # --- the workflow subject protocol ---

    @property
    def subject_label(self) -> str:
        return f"Пункт плана «{self.title}»: {self.membership.user.full_name}"

    def holds_role(self, user: User, role: str) -> bool:
        if role == "mentor":
            return user.has_role("mentor") and self.mentor_id == user.id
        return self.membership.holds_role(user, role)

    def recipients(self, role: str) -> list[User]:
        if role == "mentor":
            return [self.mentor] if self.mentor is not None else []
        return self.membership.recipients(role)

    def workflow_param(self, name: str) -> int:
        return int(getattr(self, name))


class PlanEvidence(Base):
    """A file the member uploaded for an item (a certificate, an internship report);
    stored like application documents (core/files/storage.py), named by its hash."""

    __tablename__ = "plan_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("plan_items.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # EVIDENCE_KINDS
    original_name: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200), default="")
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    item: Mapped[PlanItem] = relationship(back_populates="evidence")

    @property
    def kind_label(self) -> str:
        return EVIDENCE_KINDS.get(self.kind, self.kind)


register_owner_label("plan_item", full="Резервист (владелец дела)", short="резервист")
register_case_page("plan_item", "/reserve/items/{id}")

# The evidence file is stored by hash (core/files/storage.py), perhaps shared with other rows.
references.register(PlanEvidence.__tablename__, "sha256")
