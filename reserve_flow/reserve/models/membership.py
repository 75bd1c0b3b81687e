"""The personnel reserve: who is in it, from which contest, until when, and why they left.

A ReserveMembership is the subject of workflows/reserve.toml. The close-vote service
starts one for each included application; from then on the engine moves it. Its
individual development plan (models/plan.py) hangs off it, as do the professional
deficits the plan answers and the orders that extended its term.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Date, ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from reserve_flow.core.db import Base, UTCDateTime
from reserve_flow.core.workflow.subjects import (
    after_transition,
    register_case_page,
    register_owner_label,
    register_subject,
)
from reserve_flow.people.models import User, UserRole

if TYPE_CHECKING:
    from reserve_flow.contest.models.contests import Application, Contest
    from reserve_flow.reserve.models.plan import PlanItem, PlanVersion

# Why the HR officer excludes a member: the fixed list (DESIGN section 2). "other"
# needs a text. The scheduler's exclusion at the end of the term is TERM_EXPIRED.
EXCLUSION_REASONS: dict[str, str] = {
    "own_request": "по собственному желанию",
    "plan_not_fulfilled": "невыполнение индивидуального плана развития",
    "appointed_elsewhere": "назначение на должность в другой организации",
    "lost_eligibility": "утрата соответствия требованиям к кандидатам",
    "other": "иная причина",
}
TERM_EXPIRED = "истечение срока пребывания в резерве"
# States in which a membership is over; its open plan items are then cancelled.
ENDED_STATES = ("appointed", "excluded")
ACTIVE_STATES = ("included", "plan_agreed", "developing", "ready")


@register_subject
class ReserveMembership(Base):
    __tablename__ = "reserve_memberships"
    __workflow__ = "reserve"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # One membership per included application.
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id"))
    included_on: Mapped[date] = mapped_column(Date)
    # included_on + the contest's reserve term; an extension order moves it (TermExtension).
    term_end: Mapped[date] = mapped_column(Date)
    # The kind of organization (ORGANIZATION_KINDS) whose head position the member is
    # reserved for: one of the contest's kinds, chosen at inclusion.
    position_kind: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(40), default="included")
    # The member's name as the inclusion recorded it (the protocol's, the public list's).
    full_name_at_act: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")
    contest: Mapped[Contest] = relationship()
    application: Mapped[Application] = relationship()
    items: Mapped[list[PlanItem]] = relationship(back_populates="membership", order_by="PlanItem.position, PlanItem.id")
    plan_versions: Mapped[list[PlanVersion]] = relationship(back_populates="membership", order_by="PlanVersion.number")
    deficits: Mapped[list[ProfessionalDeficit]] = relationship(
        back_populates="membership", order_by="ProfessionalDeficit.id"
    )
    extensions: Mapped[list[TermExtension]] = relationship(back_populates="membership", order_by="TermExtension.id")

    __mapper_args__ = {"version_id_col": version}

    # --- the workflow subject protocol ---

    @property
    def subject_label(self) -> str:
        return f"Резерв № {self.id}: {self.user.full_name}"

    def mentor_ids(self) -> set[int]:
        """The mentors of the member's internships (cancelled ones aside)."""
        return {i.mentor_id for i in self.items if i.mentor_id is not None and i.state != "cancelled"}

    def holds_role(self, user: User, role: str) -> bool:
        """owner: the member; hr: any HR officer (the district's reserve is theirs);
        mentor: a mentor of one of the member's internships; signatory: the head of the
        РУО, whose signature on the appointment order appoints the member; admin."""
        if role == "owner":
            return user.id == self.user_id and user.active
        if role in ("hr", "signatory"):
            return user.has_role(role)
        if role == "mentor":
            return user.has_role("mentor") and user.id in self.mentor_ids()
        if role == "admin":
            return user.has_role("admin")
        return False

    def recipients(self, role: str) -> list[User]:
        if role == "owner":
            return [self.user]
        if role == "hr":
            return role_holders(object_session(self), "hr")
        if role == "mentor":
            return [i.mentor for i in self.items if i.mentor is not None and i.state != "cancelled"]
        return []

    def workflow_param(self, name: str) -> int:
        return int(getattr(self, name))


def role_holders(session: Any, role: str) -> list[User]:
    """Active users holding `role`, by name."""
    if session is None:
        return []
    return list(
        session.scalars(
            select(User).join(UserRole).where(UserRole.role == role, User.active.is_(True)).order_by(User.full_name)
        )
    )


class ProfessionalDeficit(Base):
    """A professional deficit of the member that the development plan answers: found at
    the contest's assessment (a low score on a criterion) or entered by the HR officer."""

    __tablename__ = "professional_deficits"

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("reserve_memberships.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20), default="manual")  # manual | assessment
    criterion_id: Mapped[int | None] = mapped_column(ForeignKey("contest_criteria.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    membership: Mapped[ReserveMembership] = relationship(back_populates="deficits")

    @property
    def source_label(self) -> str:
        return "по итогам оценки на конкурсе" if self.source == "assessment" else "внесён специалистом по кадрам"


class TermExtension(Base):
    """An order of the РУО extending a member's term in the reserve."""

    __tablename__ = "reserve_term_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("reserve_memberships.id", ondelete="CASCADE"))
    order_number: Mapped[str] = mapped_column(String(60))
    order_date: Mapped[date] = mapped_column(Date)
    previous_term_end: Mapped[date] = mapped_column(Date)
    new_term_end: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    membership: Mapped[ReserveMembership] = relationship(back_populates="extensions")

    @property
    def order_title(self) -> str:
        return f"приказ № {self.order_number} от {self.order_date.strftime('%d.%m.%Y')}"


@after_transition("reserve")
def cancel_open_plan_items(engine: Any, membership: ReserveMembership, event: Any) -> None:
    """After each step of a membership, in the same transaction: a membership that ends
    (appointed, excluded by HR or by the term's expiry) cancels its open plan items, so
    that their deadlines close and nobody is reminded of them."""
    if event.to_state not in ENDED_STATES or event.from_state == event.to_state:
        return
    label = engine.workflows.definitions["reserve"].states[event.to_state].label_ru
    for item in membership.items:
        if item.state not in ("accepted", "cancelled"):
            engine.fire(item, "cancel", None, reason=f"Членство в резерве прекращено: {label.lower()}")


register_owner_label("reserve", full="Резервист (владелец дела)", short="резервист")
register_case_page("reserve", "/reserve/{id}")
