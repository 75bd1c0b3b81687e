"""The personnel reserve: who is in it, from which contest, until when.

Only the row an inclusion creates lives here for now; the reserve membership's own
workflow (development plan, readiness, appointment, exclusion) comes with the reserve
issue, which will make this class a workflow subject.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reserve_flow.db import Base, UTCDateTime
from reserve_flow.models.people import User


class ReserveMembership(Base):
    __tablename__ = "reserve_memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # One membership per included application.
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id"))
    included_on: Mapped[date] = mapped_column(Date)
    term_end: Mapped[date] = mapped_column(Date)  # included_on + the contest's reserve term
    # The kinds of organization whose head positions the member is reserved for
    # (the contest's organization_kinds, comma-separated).
    position_kind: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(40), default="included")
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}
