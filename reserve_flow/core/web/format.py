"""Russian formatting of dates, times, counts and sizes, shared by every template."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, current_app

from reserve_flow.core.workdays import plural


def format_datetime(moment: datetime | None) -> str:
    """dd.mm.yyyy HH:MM in the configured time zone."""
    if moment is None:
        return ""
    return moment.astimezone(current_app.extensions["reserve_flow"].tz).strftime("%d.%m.%Y %H:%M")


def format_date(day: date | datetime | None) -> str:
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = day.astimezone(current_app.extensions["reserve_flow"].tz).date()
    return day.strftime("%d.%m.%Y")


def format_size(size: int) -> str:
    """A file size the Russian way: 980 Б, 1,5 КБ, 2,3 МБ."""
    if size < 1024:
        return f"{size} Б"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} КБ".replace(".", ",")
    return f"{size / (1024 * 1024):.1f} МБ".replace(".", ",")


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(datetime=format_datetime, date=format_date, size=format_size)
    app.jinja_env.globals.update(plural=plural)
