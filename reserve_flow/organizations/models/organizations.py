"""The district's educational organizations (ОО): the registry the administrator keeps."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reserve_flow.core.db import Base

if TYPE_CHECKING:
    from reserve_flow.people.models import User

ORGANIZATION_KINDS: dict[str, dict[str, str]] = {
    "school": {"ru": "Общеобразовательная организация", "en": "School"},
    "kindergarten": {"ru": "Дошкольная образовательная организация", "en": "Kindergarten"},
    "additional": {"ru": "Организация дополнительного образования", "en": "Additional education"},
}
# The head position the reserve is formed for, by kind of organization (public pages say so).
HEAD_POSITIONS: dict[str, str] = {
    "school": "руководитель общеобразовательной организации",
    "kindergarten": "руководитель дошкольной образовательной организации",
    "additional": "руководитель организации дополнительного образования",
}


class Organization(Base):
    """One ОО. Closed organizations are deactivated, never deleted: their monitoring
    history and the appointments made to them stay readable."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    full_name: Mapped[str] = mapped_column(String(400), unique=True)
    short_name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(400), default="")
    # The head as written in documents; kept even when the head has no account.
    head_name: Mapped[str] = mapped_column(String(200), default="")
    # The head's account, when they have one (set by the administrator or by an appointment).
    # use_alter: users.organization_id points back here, and the cycle needs one side added later.
    head_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", use_alter=True))
    # ИНН of the legal entity (10 digits): the most reliable key when importing registries.
    inn: Mapped[str | None] = mapped_column(String(12), unique=True, index=True)
    phone: Mapped[str] = mapped_column(String(60), default="")
    email: Mapped[str] = mapped_column(String(320), default="")
    active: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(default=1)

    head_user: Mapped[User | None] = relationship(foreign_keys=[head_user_id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def kind_label(self) -> str:
        return ORGANIZATION_KINDS.get(self.kind, {"ru": self.kind})["ru"]

    def __repr__(self) -> str:
        return f"<Organization {self.short_name}>"
