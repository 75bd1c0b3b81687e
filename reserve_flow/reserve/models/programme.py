"""The district's programme for forming the reserve (roadmap item 11): its period, a
target per indicator and year, and its planned events. Actual values are not stored:
services/programme.py computes them from the reserve's data whenever they are shown."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reserve_flow.core.db import Base, UTCDateTime


class ReserveProgramme(Base):
    __tablename__ = "reserve_programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(400))
    first_year: Mapped[int]
    last_year: Mapped[int]
    # The act that approved it, as the report cites it (e.g. «постановление … № 12 от 01.02.2022»).
    approved_by: Mapped[str] = mapped_column(String(400), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    targets: Mapped[list[ProgrammeTarget]] = relationship(back_populates="programme", cascade="all, delete-orphan")
    events: Mapped[list[ProgrammeEvent]] = relationship(
        back_populates="programme",
        cascade="all, delete-orphan",
        order_by="ProgrammeEvent.year, ProgrammeEvent.planned_on, ProgrammeEvent.id",
    )

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year, self.last_year + 1))

    @property
    def period(self) -> str:
        return f"{self.first_year}–{self.last_year}"


class ProgrammeTarget(Base):
    """The value an indicator (services/programme.py INDICATORS) should reach in a year."""

    __tablename__ = "programme_targets"
    __table_args__ = (UniqueConstraint("programme_id", "indicator", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("reserve_programmes.id", ondelete="CASCADE"))
    indicator: Mapped[str] = mapped_column(String(40))
    year: Mapped[int]
    value: Mapped[float]

    programme: Mapped[ReserveProgramme] = relationship(back_populates="targets")


class ProgrammeEvent(Base):
    """A planned event of the programme (a seminar for the reserve, a school of young
    heads, a contest), and when it was actually held."""

    __tablename__ = "programme_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("reserve_programmes.id", ondelete="CASCADE"))
    year: Mapped[int]
    title: Mapped[str] = mapped_column(String(400))
    planned_on: Mapped[date | None] = mapped_column(Date)
    responsible: Mapped[str] = mapped_column(String(200), default="")
    held_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")

    programme: Mapped[ReserveProgramme] = relationship(back_populates="events")
