"""Applicants: the profile an applicant fills in once (their consents are the privacy
domain's, reserve_flow/privacy/models.py). The full name, the e-mail, the current organization
and the position are on User; everything else an eligibility check needs is here."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reserve_flow.core.db import Base, UTCDateTime, utcnow
from reserve_flow.people.models import User

# Levels of education as the contest's eligibility rules name them.
EDUCATION_LEVELS: dict[str, str] = {
    "higher": "высшее образование",
    "secondary_vocational": "среднее профессиональное образование",
}


class ApplicantProfile(Base):
    """One per applicant user; created at registration, completed before applying."""

    __tablename__ = "applicant_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    birth_date: Mapped[date | None] = mapped_column(Date)
    phone: Mapped[str] = mapped_column(String(40), default="")
    education_level: Mapped[str] = mapped_column(String(40), default="")
    # Institutions, years and specialities, as written in the diplomas.
    education: Mapped[str] = mapped_column(Text, default="")
    # The employer when it is not one of the district's organizations (User.organization_id).
    employer_name: Mapped[str] = mapped_column(String(400), default="")
    teaching_years: Mapped[int | None]
    management_years: Mapped[int | None]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")

    def missing_fields(self) -> list[str]:
        """Russian names of what must still be filled in before applying to a contest."""
        missing = []
        if self.birth_date is None:
            missing.append("дата рождения")
        if not self.phone.strip():
            missing.append("телефон")
        if self.education_level not in EDUCATION_LEVELS or not self.education.strip():
            missing.append("образование")
        if not self.user.position.strip():
            missing.append("должность")
        if self.user.organization_id is None and not self.employer_name.strip():
            missing.append("место работы")
        if self.teaching_years is None:
            missing.append("стаж педагогической работы")
        if self.management_years is None:
            missing.append("стаж руководящей работы")
        return missing

    @property
    def employer(self) -> str:
        organization = self.user.organization
        return organization.full_name if organization is not None else self.employer_name
