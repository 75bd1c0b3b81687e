"""The administrator's home-page line for mail that could not be delivered (core/web/home.py)."""

from __future__ import annotations

from datetime import datetime

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reserve_flow.core.actors import Actor
from reserve_flow.core.notifications.models import OutboxMessage
from reserve_flow.core.web.home import Task


def failed_messages(session: Session, user: Actor, now: datetime) -> list[Task]:
    failed = session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "failed"))
    if not failed:
        return []
    return [
        Task(
            f"Не доставлено писем: {failed}",
            url_for("admin_outbox.index"),
            count=failed,
            note="Проверьте адреса и почтовый сервер, затем отправьте снова",
        )
    ]
