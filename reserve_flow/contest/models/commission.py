"""The commission's work on admitted applications: conflict-of-interest declarations,
scores, the meeting's attendance, votes and each vote's recorded result.

Each "once" of the domain is also a unique constraint, so that two requests racing
each other cannot both succeed: one recusal, one score per criterion and one vote per
member and application, one attendance mark per member and contest, one result per vote.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reserve_flow.core.db import Base, UTCDateTime
from reserve_flow.people.models import User


class Recusal(Base):
    """A member's declared conflict of interest on an application: from then on they
    neither score nor vote on it, and their earlier scores are not counted."""

    __tablename__ = "recusals"
    __table_args__ = (UniqueConstraint("application_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    comment: Mapped[str] = mapped_column(Text)
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime)

    member: Mapped[User] = relationship(lazy="joined")


class Score(Base):
    """One member's score of one criterion of one application (0..the criterion's maximum)."""

    __tablename__ = "scores"
    __table_args__ = (
        UniqueConstraint("application_id", "member_id", "criterion_id"),
        CheckConstraint("value >= 0", name="value_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("contest_criteria.id", ondelete="CASCADE"))
    value: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MeetingAttendance(Base):
    """Whether a commission member is present at the contest's meeting, as the secretary
    marked it. Only present members vote; the protocol lists the present and the absent."""

    __tablename__ = "meeting_attendance"
    __table_args__ = (UniqueConstraint("contest_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    present: Mapped[bool]
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    marked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class Vote(Base):
    """A member's vote on an application: include in the reserve or not. Cast once."""

    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("application_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    include: Mapped[bool]
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime)


class VoteResult(Base):
    """The tally the chair closed a vote with, kept as it was for the protocol. The
    include / not_include guards recount the votes and require this record to agree."""

    __tablename__ = "vote_results"

    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True)
    eligible: Mapped[int]  # members present and not recused, who could vote
    quorum: Mapped[int]
    votes_for: Mapped[int]
    votes_against: Mapped[int]
    # The chair's explicit casting vote on a tie when the chair had not voted; None otherwise.
    casting_vote: Mapped[bool | None]
    decision: Mapped[str] = mapped_column(String(20))  # include | not_include
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
