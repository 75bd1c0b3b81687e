"""Contests for the reserve (roadmap item 8) and the applications to them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint, select, update
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship
from sqlalchemy.orm.attributes import set_committed_value

from reserve_flow.contest.models.commission import Recusal
from reserve_flow.core.db import Base, UTCDateTime, utcnow
from reserve_flow.core.workflow.subjects import (
    after_transition,
    register_case_page,
    register_owner_label,
    register_subject,
)
from reserve_flow.people.models import User

# The document kind of the paper consent; the applicant's online acceptance stands for it.
ONLINE_CONSENT_KIND = "consent"


@register_subject
class Contest(Base):
    """A municipal contest for the reserve; a subject of workflows/contest.toml."""

    __tablename__ = "contests"
    __workflow__ = "contest"

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(40), default="draft")
    version: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(String(400))
    announcement: Mapped[str] = mapped_column(Text, default="")
    contacts: Mapped[str] = mapped_column(Text, default="")
    # Eligibility: the minimum education and experience an applicant must have.
    required_education: Mapped[str] = mapped_column(String(300), default="высшее образование")
    min_teaching_years: Mapped[int] = mapped_column(default=0)
    min_management_years: Mapped[int] = mapped_column(default=0)
    # Comma-separated organization kinds the contest recruits heads for.
    organization_kinds: Mapped[str] = mapped_column(String(100), default="school")
    accept_from: Mapped[date] = mapped_column(Date)
    accept_to: Mapped[date] = mapped_column(Date)
    check_period_days: Mapped[int] = mapped_column(default=5)
    fix_period_days: Mapped[int] = mapped_column(default=5)
    vote_period_days: Mapped[int] = mapped_column(default=5)
    assessment_date: Mapped[date | None] = mapped_column(Date)
    # Quorum as a fraction of the commission: 2/3 by default.
    quorum_numerator: Mapped[int] = mapped_column(default=2)
    quorum_denominator: Mapped[int] = mapped_column(default=3)
    reserve_term_years: Mapped[int] = mapped_column(default=3)
    chair_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    secretary_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    chair: Mapped[User | None] = relationship(foreign_keys=[chair_id])
    secretary: Mapped[User | None] = relationship(foreign_keys=[secretary_id])
    seats: Mapped[list[CommissionSeat]] = relationship(
        back_populates="contest", cascade="all, delete-orphan", lazy="selectin"
    )
    document_kinds: Mapped[list[ContestDocumentKind]] = relationship(
        back_populates="contest",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="ContestDocumentKind.position",
    )
    criteria: Mapped[list[ContestCriterion]] = relationship(
        back_populates="contest",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="ContestCriterion.position",
    )
    applications: Mapped[list[Application]] = relationship(back_populates="contest")

    __mapper_args__ = {"version_id_col": version}

    def is_accepting(self, today: date) -> bool:
        """Open for applications: in the accepting state and within the dates."""
        return self.state == "accepting" and self.accept_from <= today <= self.accept_to

    def is_commission_member(self, user: User) -> bool:
        return any(seat.user_id == user.id for seat in self.seats)

    def quorum(self) -> int:
        """Members needed for a quorum: the contest's fraction of the commission, rounded up."""
        size = len(self.seats)
        return -(-size * self.quorum_numerator // self.quorum_denominator)

    # --- the workflow subject protocol ---

    @property
    def subject_label(self) -> str:
        return f"Конкурс № {self.id}: {self.title}"

    def holds_role(self, user: User, role: str) -> bool:
        if role == "secretary":
            return user.has_role("secretary") and self.secretary_id == user.id
        if role == "chair":
            return user.has_role("chair") and self.chair_id == user.id
        if role == "member":
            return user.has_role("member") and self.is_commission_member(user)
        if role == "admin":
            return user.has_role("admin")
        return False

    def recipients(self, role: str) -> list[User]:
        if role == "secretary":
            return [self.secretary] if self.secretary else []
        if role == "chair":
            return [self.chair] if self.chair else []
        if role == "member":
            return [seat.user for seat in self.seats if seat.user.has_role("member")]
        return []

    def workflow_param(self, name: str) -> int:
        return int(getattr(self, name))


class ContestCriterion(Base):
    """An assessment criterion: members score 0..max_score; the total weighs each score."""

    __tablename__ = "contest_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(300))
    max_score: Mapped[int]
    weight: Mapped[float] = mapped_column(default=1.0)
    position: Mapped[int] = mapped_column(default=0)

    contest: Mapped[Contest] = relationship(back_populates="criteria")


class CommissionSeat(Base):
    """A member of a contest's commission (the chair and the secretary sit here too)."""

    __tablename__ = "commission_seats"

    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)

    contest: Mapped[Contest] = relationship(back_populates="seats")
    user: Mapped[User] = relationship(lazy="selectin")


class ContestDocumentKind(Base):
    __tablename__ = "contest_document_kinds"
    __table_args__ = (UniqueConstraint("contest_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    mandatory: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)

    contest: Mapped[Contest] = relationship(back_populates="document_kinds")


@register_subject
class Application(Base):
    """One applicant's application to one contest; a subject of workflows/application.toml."""

    __tablename__ = "applications"
    __table_args__ = (UniqueConstraint("contest_id", "applicant_id"),)
    __workflow__ = "application"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id"))
    applicant_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(String(40), default="draft")
    version: Mapped[int] = mapped_column(default=1)
    consent_given_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_text_version: Mapped[str | None] = mapped_column(String(40))
    # The applicant's name as submitted: the commission's papers and the protocol use it.
    full_name_at_act: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contest: Mapped[Contest] = relationship(back_populates="applications", lazy="joined")
    applicant: Mapped[User] = relationship(lazy="joined")
    documents: Mapped[list[ApplicationDocument]] = relationship(  # noqa: F821 (contest/models/documents.py)
        back_populates="application", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    # --- the workflow subject protocol (see reserve_flow.core.workflow.subjects) ---

    @property
    def subject_label(self) -> str:
        return f"Заявление № {self.id}: {self.applicant.full_name}"

    def holds_role(self, user: User, role: str) -> bool:
        """Whether `user` acts in `role` on this application: the role and the object."""
        if role == "owner":
            return user.id == self.applicant_id and user.has_role("applicant")
        if role == "secretary":
            return user.has_role("secretary") and self.contest.secretary_id == user.id
        if role == "chair":
            return user.has_role("chair") and self.contest.chair_id == user.id
        if role == "member":
            return user.has_role("member") and self.contest.is_commission_member(user)
        if role == "admin":
            return user.has_role("admin")
        return False

    def recipients(self, role: str) -> list[User]:
        if role == "owner":
            return [self.applicant]
        if role == "secretary":
            return [self.contest.secretary] if self.contest.secretary else []
        if role == "chair":
            return [self.contest.chair] if self.contest.chair else []
        if role == "member":  # those who score and vote on it: a member who declared a conflict does neither
            recused = set(
                object_session(self).scalars(select(Recusal.member_id).where(Recusal.application_id == self.id))
            )
            return [
                seat.user for seat in self.contest.seats if seat.user.has_role("member") and seat.user.id not in recused
            ]
        return []

    def workflow_param(self, name: str) -> int:
        """Numbers a workflow file may name for a deadline's length."""
        return int(getattr(self.contest, name))

    def requires(self, kind: ContestDocumentKind) -> bool:
        """Whether a file of this kind must be uploaded: a mandatory kind, except the paper
        consent once the applicant has accepted the consent online."""
        return kind.mandatory and not (kind.code == ONLINE_CONSENT_KIND and self.consent_given_at is not None)

    @property
    def recorded_name(self) -> str:
        """The name the application was submitted under (today's, before submission)."""
        return self.full_name_at_act or self.applicant.full_name


@after_transition("application")
def record_name_at_submission(engine: Any, application: Application, event: Any) -> None:
    """Submitting (again) is the applicant's act: the name it carries is the one the
    commission's papers and the protocol keep, whatever the profile says later."""
    if event.trigger not in ("submit", "resubmit"):
        return
    # Written beside the step rather than as a change of the application, so that the step
    # moves the application's version once, as every other step does.
    name = application.applicant.full_name
    object_session(application).execute(
        update(Application).where(Application.id == application.id).values(full_name_at_act=name)
    )
    set_committed_value(application, "full_name_at_act", name)


register_owner_label("application", full="Заявитель (владелец дела)", short="заявитель")
register_case_page("application", "/applications/{id}")
