"""The yearly monitoring of heads' effectiveness (roadmap items 4, 5 and 7).

A year carries its own set of criteria (names and maximum points change from year to
year), and one result per organization: the head at the time, the total in percent,
the level, and the points per criterion.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reserve_flow.core.db import Base, UTCDateTime
from reserve_flow.organizations.models.organizations import Organization

MONITORING_LEVELS: dict[str, dict[str, str]] = {
    "optimal": {"ru": "оптимальный", "en": "optimal"},
    "acceptable": {"ru": "допустимый", "en": "acceptable"},
    "critical": {"ru": "критический", "en": "critical"},
}


class MonitoringYear(Base):
    """One monitoring campaign. `source_sha256` and friends describe the file its
    results came from (empty until the first import)."""

    __tablename__ = "monitoring_years"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    source_name: Mapped[str] = mapped_column(String(255), default="")
    source_sha256: Mapped[str] = mapped_column(String(64), default="")
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    criteria: Mapped[list[MonitoringCriterion]] = relationship(
        back_populates="monitoring_year", cascade="all, delete-orphan", order_by="MonitoringCriterion.position"
    )
    results: Mapped[list[MonitoringResult]] = relationship(
        back_populates="monitoring_year", cascade="all, delete-orphan"
    )


class MonitoringCriterion(Base):
    __tablename__ = "monitoring_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("monitoring_years.id", ondelete="CASCADE"))
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(300))
    max_points: Mapped[float] = mapped_column(Float)

    monitoring_year: Mapped[MonitoringYear] = relationship(back_populates="criteria")


class MonitoringResult(Base):
    """An organization's result in one year."""

    __tablename__ = "monitoring_results"
    __table_args__ = (UniqueConstraint("year_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("monitoring_years.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    head_name: Mapped[str] = mapped_column(String(200))
    total_percent: Mapped[float] = mapped_column(Float)
    level: Mapped[str] = mapped_column(String(20))
    source_row: Mapped[int] = mapped_column(default=0)  # the row of the imported file

    monitoring_year: Mapped[MonitoringYear] = relationship(back_populates="results")
    # Rankings sort by the organization's name and lists show it: load it with the result.
    organization: Mapped[Organization] = relationship(lazy="joined")
    scores: Mapped[list[MonitoringScore]] = relationship(
        back_populates="result", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def level_label(self) -> str:
        return MONITORING_LEVELS[self.level]["ru"]


class MonitoringScore(Base):
    __tablename__ = "monitoring_scores"
    __table_args__ = (UniqueConstraint("result_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("monitoring_results.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("monitoring_criteria.id", ondelete="CASCADE"))
    points: Mapped[float] = mapped_column(Float)

    result: Mapped[MonitoringResult] = relationship(back_populates="scores")
