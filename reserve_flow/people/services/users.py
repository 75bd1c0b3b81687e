"""Users, their roles and passwords (Argon2id), and login throttling."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
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


def _wait_needed(failures: int, last_failure_at: datetime, now: datetime, free_tries: int, max_wait: int) -> int:
    """Seconds to wait before the next try: none for the first `free_tries` failures,
    then doubling from 2 s per further failure, capped at `max_wait`."""
    if failures < free_tries:
        return 0
    wait = min(max_wait, 2 ** (failures - free_tries + 1))
    remaining = (last_failure_at + timedelta(seconds=wait) - now).total_seconds()
    return max(0, int(remaining + 0.999))


def authenticate(
    session: Session, email: str, password: str, now: datetime, *, free_tries: int = 3, max_wait: int = 900
) -> LoginResult:
    """Check a login. Repeated failures for one e-mail make the next try wait (the
    password is then not even checked).

    Two short transactions, so that simultaneous tries cannot share one free try: the
    first takes the e-mail's failure row under its lock, decides whether this try may be
    checked and, if so, counts it as a failure before the password is looked at; the
    second, after the (slow) password check, which holds no lock, clears the count on
    success. Tries that come at once are thus counted one by one, and no more of them
    are checked than the throttle allows; a try that has to wait is not counted."""
    email = normalize_email(email)
    with unit_of_work(session):
        failures, wait = _claim_try(session, email, now, free_tries, max_wait)
    if wait:
        return LoginResult(wait_seconds=wait, throttled=True)
    with unit_of_work(session):
        user = session.scalar(select(User).where(func.lower(User.email) == email))
        try:
            _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
            ok = user is not None and user.active
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok:
            return LoginResult(wait_seconds=_wait_needed(failures, now, now, free_tries, max_wait))
        session.execute(delete(LoginThrottle).where(LoginThrottle.email == email))
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        return LoginResult(user=user)


def _claim_try(session: Session, email: str, now: datetime, free_tries: int, max_wait: int) -> tuple[int, int]:
    """Lock the e-mail's failure row (made by its first try, with an upsert that a
    simultaneous first try cannot break on the unique e-mail) and either count this try as a failure,
    returning the new count and 0, or, when the try comes too soon, leave the row as it
    is and return the seconds to wait."""
    dialect_insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgresql_insert
    table = LoginThrottle.__table__
    # The conflict's update changes nothing; it is there so that PostgreSQL locks the row
    # (a plain DO NOTHING would not) and SQLite takes its write lock, until commit.
    upsert = (
        dialect_insert(table)
        .values(email=email, failures=0, last_failure_at=now)
        .on_conflict_do_update(index_elements=[table.c.email], set_={"email": email})
        .returning(table.c.failures, table.c.last_failure_at)
    )
    failures, last_failure_at = session.execute(upsert).one()
    wait = _wait_needed(failures, last_failure_at, now, free_tries, max_wait)
    if wait:
        return failures, wait
    session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.email == email)
        .values(failures=LoginThrottle.failures + 1, last_failure_at=now)
    )
    return failures + 1, 0
