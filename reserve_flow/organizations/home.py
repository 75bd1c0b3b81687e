"""The administrator's home-page line for the yearly monitoring import (core/web/home.py).
One query."""

from __future__ import annotations

from datetime import datetime

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from reserve_flow.core.actors import Actor
from reserve_flow.core.web import runtime
from reserve_flow.core.web.home import Task
from reserve_flow.organizations.models.monitoring import MonitoringYear


def monitoring_import(session: Session, user: Actor, now: datetime) -> list[Task]:
    """The last finished year's results are due once the year is over; until they are
    imported the shortlists compare candidates on older figures."""
    year = now.astimezone(runtime().tz).year - 1
    imported = session.scalar(
        select(MonitoringYear.imported_at).where(MonitoringYear.year == year, MonitoringYear.imported_at.is_not(None))
    )
    if imported is not None:
        return [
            Task(
                f"Мониторинг эффективности за {year} год загружен",
                url_for("monitoring.index"),
                count=0,
                note=f"Загружен {imported.astimezone(runtime().tz):%d.%m.%Y}",
            )
        ]
    return [
        Task(
            f"Загрузить результаты мониторинга эффективности за {year} год",
            url_for("monitoring.index"),
            note="Импорт из XLSX или CSV, целиком или никак",
        )
    ]
