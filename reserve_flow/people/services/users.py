"""Users, their roles and passwords (Argon2id), and login throttling."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reserve_flow.core.db import unit_of_work
from reserve_flow.core.errors import Refused
from reserve_flow.core.notifications.models import OutboxMessage
from reserve_flow.people import passwords
from reserve_flow.people.models import ROLES, LoginThrottle, User, UserRole

_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so that timing does not tell which exist.
_DUMMY_HASH = _hasher.hash("reserve-flow: no such user")


class UserError(Refused):
    """A user cannot be created or changed as asked; the text says why, in Russian."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))


def tell_owner_of_signup_attempt(session: Session, user: User, now: datetime) -> None:
    """Queue an e-mail to the owner of an address someone tried to register again
    (templates/core/email/people.signup_attempt.*), in the caller's transaction: the
    registration page answers as for a new address, so it does not tell who has an account."""
    session.add(
        OutboxMessage(
            dedupe_key=f"signup-attempt:{user.id}:{secrets.token_hex(8)}",
            channel="email",
            recipient_id=user.id,
            template="people.signup_attempt",
            context=json.dumps({"email": user.email}, ensure_ascii=False),
            created_at=now,
            next_attempt_at=now,
        )
    )


def end_sessions(session: Session, user: User) -> None:
    """Sign `user` out everywhere (their logout): every session cookie issued so far stops working; committed."""
    with unit_of_work(session):
        user.end_sessions()


def normalize_email(email: str) -> str:
    return email.strip().lower()


def create_user(
    session: Session,
    *,
    email: str,
    full_name: str,
    password: str,
    roles: list[str] | tuple[str, ...],
    position: str = "",
    organization_id: int | None = None,
    password_min_length: int = passwords.DEFAULT_MIN_LENGTH,
) -> User:
    """Create a user with the given roles, in the caller's transaction: a building block of
    the services that make accounts (registration, the administrator's, the CLI and demo
    seeding), which commit it with their own records. Raises UserError on a taken e-mail,
    an unknown role, and WeakPassword on a password the policy refuses (people/passwords.py)."""
    email = normalize_email(email)
    if "@" not in email:
        raise UserError(f"Некорректный адрес электронной почты: {email!r}")
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise UserError(f"Неизвестная роль: {', '.join(unknown)} (допустимы: {', '.join(ROLES)})")
    passwords.check(password, password_min_length)
    if not full_name.strip():
        raise UserError("Укажите фамилию, имя и отчество")
    if session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        raise UserError(f"Пользователь с адресом {email} уже есть")
    user = User(
        email=email,
        full_name=full_name.strip(),
        password_hash=hash_password(password),
        position=position,
        organization_id=organization_id,
    )
    user.role_rows = [UserRole(role=r) for r in dict.fromkeys(roles)]
    session.add(user)
    session.flush()
    return user


@dataclass
class LoginResult:
    user: User | None = None
    wait_seconds: int = 0  # before the next try may be made
    throttled: bool = False  # this try came too soon and was not checked


def _wait_needed(throttle: LoginThrottle | None, now: datetime, free_tries: int, max_wait: int) -> int:
    """Seconds to wait before the next try: none for the first `free_tries` failures,
    then doubling from 2 s per further failure, capped at `max_wait`."""
    if throttle is None or throttle.failures < free_tries:
        return 0
    wait = min(max_wait, 2 ** (throttle.failures - free_tries + 1))
    remaining = (throttle.last_failure_at + timedelta(seconds=wait) - now).total_seconds()
    return max(0, int(remaining + 0.999))


def authenticate(
    session: Session, email: str, password: str, now: datetime, *, free_tries: int = 3, max_wait: int = 900
) -> LoginResult:
    """Check a login. Repeated failures for one e-mail make the next try wait (the
    password is then not even checked). The failure count is committed with the answer."""
    with unit_of_work(session):
        return _authenticate(session, normalize_email(email), password, now, free_tries, max_wait)


def _authenticate(
    session: Session, email: str, password: str, now: datetime, free_tries: int, max_wait: int
) -> LoginResult:
    throttle = session.scalar(select(LoginThrottle).where(LoginThrottle.email == email))
    wait = _wait_needed(throttle, now, free_tries, max_wait)
    if wait:
        return LoginResult(wait_seconds=wait, throttled=True)
    user = session.scalar(select(User).where(func.lower(User.email) == email))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
        ok = user is not None and user.active
    except (VerificationError, InvalidHashError):
        ok = False
    if ok:
        if throttle is not None:
            session.delete(throttle)
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        return LoginResult(user=user)
    if throttle is None:
        throttle = LoginThrottle(email=email, failures=0)
        session.add(throttle)
    throttle.failures += 1
    throttle.last_failure_at = now
    return LoginResult(wait_seconds=_wait_needed(throttle, now, free_tries, max_wait))
