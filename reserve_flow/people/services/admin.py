"""The administrator's work on people: roles, activation, password resets. Every
change is an audit event, so the chain shows who gave whom which rights."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reserve_flow.core.audit.chain import append_event
from reserve_flow.core.db import unit_of_work
from reserve_flow.people import passwords
from reserve_flow.people.models import ROLES, User, UserRole
from reserve_flow.people.services.users import UserError, create_user, hash_password

if TYPE_CHECKING:
    from reserve_flow.runtime import Runtime


def users(session: Session, role: str | None = None, query: str = "") -> list[User]:
    statement = select(User).order_by(User.full_name)
    if role:
        statement = statement.join(UserRole).where(UserRole.role == role)
    if query.strip():
        pattern = f"%{query.strip().lower()}%"
        statement = statement.where(func.lower(User.full_name).like(pattern) | func.lower(User.email).like(pattern))
    return list(session.scalars(statement))


def create_user_by_admin(
    rt: Runtime, session: Session, admin: User, *, email: str, full_name: str, password: str, roles: list[str]
) -> User:
    """A new account made by an administrator, with the audit event naming its roles; committed.
    Raises UserError."""
    with unit_of_work(session):
        user = create_user(
            session,
            email=email,
            full_name=full_name,
            password=password,
            roles=roles,
            password_min_length=rt.settings["app"]["password_min_length"],
        )
        append_event(
            session,
            kind="user_created",
            actor=admin,
            subject_type="user",
            subject_id=user.id,
            now=rt.now(),
            data={"roles": sorted(user.roles)},
            personal={"email": user.email},
        )
        return user


def update_user(
    rt: Runtime,
    session: Session,
    admin: User,
    user: User,
    *,
    full_name: str,
    roles: list[str],
    active: bool,
    new_password: str = "",
) -> None:
    """Change a user's name, roles, activity or password, committed. An administrator cannot take
    away their own administrator role or deactivate themselves (nobody would be left to undo it)."""
    with unit_of_work(session):
        _update_user(
            rt, session, admin, user, full_name=full_name, roles=roles, active=active, new_password=new_password
        )


def _update_user(
    rt: Runtime,
    session: Session,
    admin: User,
    user: User,
    *,
    full_name: str,
    roles: list[str],
    active: bool,
    new_password: str,
) -> None:
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise UserError(f"Неизвестная роль: {', '.join(unknown)}")
    if not full_name.strip():
        raise UserError("Укажите фамилию, имя и отчество")
    if user.id == admin.id and ("admin" not in roles or not active):
        raise UserError("Нельзя снять роль администратора или отключить собственную учётную запись.")
    if new_password:
        passwords.check(new_password, rt.settings["app"]["password_min_length"])
    before = {"full_name": user.full_name, "roles": sorted(user.roles), "active": user.active}
    user.full_name = full_name.strip()
    wanted = list(dict.fromkeys(roles))
    user.role_rows = [row for row in user.role_rows if row.role in wanted]
    user.role_rows.extend(UserRole(role=r) for r in wanted if r not in user.roles)
    if new_password or (user.active and not active):
        user.end_sessions()  # a reset password or a closed account leaves no session behind
    user.active = active
    if new_password:
        user.password_hash = hash_password(new_password)
    after = {"full_name": user.full_name, "roles": sorted(wanted), "active": active}
    changes = {k: {"было": before[k], "стало": after[k]} for k in before if before[k] != after[k]}
    if new_password:
        changes["password"] = "сброшен администратором"
    if changes:
        name = changes.pop("full_name", None)
        append_event(
            session,
            kind="user_changed",
            actor=admin,
            subject_type="user",
            subject_id=user.id,
            now=rt.now(),
            data=changes,
            personal={"full_name": name} if name else None,
        )
