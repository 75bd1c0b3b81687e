"""The administrator's home-page line for accounts (core/web/home.py). One query."""

from __future__ import annotations

from datetime import datetime

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reserve_flow.core.actors import Actor
from reserve_flow.core.web.home import Task
from reserve_flow.people.models import User


def admin_users(session: Session, user: Actor, now: datetime) -> list[Task]:
    counts = dict(session.execute(select(User.active, func.count()).group_by(User.active)).all())
    active, blocked = counts.get(True, 0), counts.get(False, 0)
    return [
        Task(
            f"Пользователи: активных {active}, отключённых {blocked}",
            url_for("admin.users"),
            count=0,
            note="Создайте учётную запись новому сотруднику или отключите ушедшего",
        )
    ]
