"""Generated meeting protocols, numbered per calendar year.

A number is taken from the year's counter row in the protocol's own transaction: the
counter's update holds a row lock until commit, so concurrent generations queue up and
get consecutive numbers; a rolled-back generation takes none. The unique (year, number)
constraint guards the rule even against code that bypasses the counter.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reserve_flow.contest.models.contests import Contest
from reserve_flow.core.db import Base, UTCDateTime
from reserve_flow.core.files.references import refers_to_files


class ProtocolCounter(Base):
    __tablename__ = "protocol_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)


class Protocol(Base):
    __tablename__ = "protocols"
    __table_args__ = (UniqueConstraint("year", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id"))
    year: Mapped[int]
    number: Mapped[int]
    issued_on: Mapped[date] = mapped_column(Date)
    # Paths relative to the uploads folder (outside any served folder), with each file's SHA-256.
    docx_path: Mapped[str] = mapped_column(String(500))
    docx_sha256: Mapped[str] = mapped_column(String(64))
    pdf_path: Mapped[str] = mapped_column(String(500))
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    contest: Mapped[Contest] = relationship()

    @property
    def title(self) -> str:
        return f"Протокол № {self.number} от {self.issued_on.strftime('%d.%m.%Y')}"


refers_to_files(Protocol.docx_path, Protocol.pdf_path)
