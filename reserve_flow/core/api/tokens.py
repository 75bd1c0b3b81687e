"""Personal API tokens: a secret shown once, kept only as its SHA-256, with an expiry,
revocable. Each use moves `last_used_at` (an audit event per request would swamp the
chain); creating and revoking a token are audit events, and every write made with a
token is audited by the engine's and the services' own events, which name the user."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from reserve_flow.core.actors import Actor, directory
from reserve_flow.core.audit.chain import append_event
from reserve_flow.core.db import Base, UTCDateTime, unit_of_work
from reserve_flow.core.errors import NotFound, Refused

# What a token starts with, so that a leaked one is recognisable (secret scanners, logs).
PREFIX = "rf_"
DEFAULT_DAYS = 90
MAX_DAYS = 366


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # SHA-256 hex of the whole secret: the secret itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters, so that the owner can tell their tokens apart.
    hint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def active_at(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


class TokenRefused(Refused):
    """A token cannot be made or revoked as asked; str() says why, in Russian."""


class TokenNotFound(NotFound):
    """No such token of this user."""


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown once, to the owner, and never again


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(session: Session, user: Actor, now: datetime, *, name: str = "", days: int = DEFAULT_DAYS) -> NewToken:
    """A new token of `user` valid for `days` days, committed and audited; its secret
    is in the answer only."""
    name = (name or "").strip() or "Токен API"
    if len(name) > 100:
        raise TokenRefused("Название токена — не длиннее 100 знаков.")
    if not 1 <= days <= MAX_DAYS:
        raise TokenRefused(f"Срок действия токена — от 1 до {MAX_DAYS} дней.")
    if not user.active:
        raise TokenRefused("Учётная запись отключена: токен для неё не выдаётся.")
    secret = PREFIX + secrets.token_urlsafe(32)
    with unit_of_work(session):
        token = ApiToken(
            user_id=user.id,
            name=name,
            token_hash=digest(secret),
            hint=secret[:10],
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
        session.add(token)
        session.flush()
        append_event(
            session,
            kind="api_token_created",
            actor=user,
            subject_type="api_token",
            subject_id=token.id,
            now=now,
            data={"name": name, "expires_at": token.expires_at.isoformat(), "hint": token.hint},
        )
    return NewToken(token, secret)


def tokens_of(session: Session, user: Actor) -> list[ApiToken]:
    """The user's tokens, newest first (revoked and expired ones too, marked as such)."""
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())))


def revoke_token(session: Session, actor: Actor, token_id: int, now: datetime) -> ApiToken:
    """Revoke one of the actor's tokens (an administrator may revoke anyone's), committed
    and audited. Revoking a revoked token is refused, so the journal shows one revocation."""
    with unit_of_work(session):
        token = session.get(ApiToken, token_id)
        if token is None or (token.user_id != actor.id and not actor.has_role("admin")):
            raise TokenNotFound(f"token {token_id} not found")
        if token.revoked_at is not None:
            raise TokenRefused("Этот токен уже отозван.")
        token.revoked_at = now
        append_event(
            session,
            kind="api_token_revoked",
            actor=actor,
            subject_type="api_token",
            subject_id=token.id,
            now=now,
            data={"name": token.name, "hint": token.hint, "owner_id": token.user_id},
        )
        return token


def authenticate(session: Session, secret: str, now: datetime) -> Actor | None:
    """The active user whose unrevoked, unexpired token `secret` is, or None. Records
    the use (last_used_at) and commits it, apart from whatever the request then does."""
    token = session.scalars(select(ApiToken).where(ApiToken.token_hash == digest(secret))).first()
    if token is None or not token.active_at(now):
        return None
    user = directory().get(session, token.user_id)
    if user is None or not user.active:
        return None
    with unit_of_work(session):
        session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
    return user
