"""People: users with their roles, login throttling."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from reserve_flow.core import actors
from reserve_flow.core.db import Base, UTCDateTime, utcnow

# Kept importable from here: the registry moved to its own module.
from reserve_flow.organizations.models.organizations import ORGANIZATION_KINDS, Organization  # noqa: F401

# The roles a user may hold; one person may hold several.
ROLES: dict[str, dict[str, str]] = {
    "applicant": {"ru": "Заявитель", "en": "Applicant"},
    "secretary": {"ru": "Секретарь комиссии", "en": "Commission secretary"},
    "member": {"ru": "Член комиссии", "en": "Commission member"},
    "chair": {"ru": "Председатель комиссии", "en": "Commission chair"},
    "hr": {"ru": "Специалист по кадрам", "en": "HR officer"},
    # The head of the РУО: signs the numbered orders (an order has effect only once signed).
    "signatory": {"ru": "Начальник РУО (подписывает приказы)", "en": "Head of the department (signs orders)"},
    # A head who mentors reserve members' internships; sees only their mentees.
    "mentor": {"ru": "Наставник", "en": "Mentor"},
    "admin": {"ru": "Администратор", "en": "Administrator"},
}


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    position: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The secret in the URL of the user's private calendar feed of deadlines; a new
    # one revokes the old URL, None: no feed.
    ics_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Moved on logout, a password change or reset and deactivation: a session carries the
    # version it was signed in with (get_id), and the login's user loader refuses an older one.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")

    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    # foreign_keys: organizations.head_user_id is a second path between the two tables.
    organization: Mapped[Organization | None] = relationship(foreign_keys=[organization_id])

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(r.role for r in self.role_rows)

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def is_active(self) -> bool:  # flask-login
        return self.active

    def get_id(self) -> str:  # flask-login: what the session and a remember-me cookie keep
        return f"{self.id}:{self.session_version}"

    def end_sessions(self) -> None:
        """Every session signed in before this (in any browser) stops working."""
        self.session_version = (self.session_version or 1) + 1

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class LoginThrottle(Base):
    """Failed logins per e-mail address; repeated failures make the next try wait."""

    __tablename__ = "login_throttles"
    __table_args__ = (UniqueConstraint("email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PeopleDirectory:
    """How the core finds users (core.actors.Directory)."""

    def get(self, session: Session, user_id: int) -> User | None:
        return session.get(User, user_id)

    def holding(self, session: Session, role: str) -> list[User]:
        return list(
            session.scalars(
                select(User).join(UserRole).where(UserRole.role == role, User.active.is_(True)).order_by(User.id)
            )
        )

    def by_feed_token(self, session: Session, token: str) -> User | None:
        return session.scalars(select(User).where(User.ics_token == token)).first()


for _code, _names in ROLES.items():
    actors.register_role(_code, **_names)
actors.register_directory(PeopleDirectory())
