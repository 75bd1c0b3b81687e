"""Deadlines counted in Russian working days (the official production calendar,
with substituted days off and working Saturdays, from the `holidays` package)."""

from __future__ import annotations

import threading
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

_lock = threading.Lock()


@lru_cache(maxsize=1)
def _calendar() -> holidays.HolidayBase:
    return holidays.country_holidays("RU")


def is_working_day(day: date) -> bool:
    """True for a working day of the Russian production calendar."""
    with _lock:  # the calendar fills years lazily; keep that single-threaded
        return _calendar().is_working_day(day)


def add_days(start: date, days: int, calendar: str) -> date:
    """The last day of a period of `days` days that begins the day after `start`.
    `calendar` is "working" (production calendar) or "calendar" (every day counts)."""
    if days < 0:
        raise ValueError("a period cannot be negative")
    if calendar == "calendar":
        return start + timedelta(days=days)
    day = start
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def deadline_end(opened_at: datetime, days: int, calendar: str, tz: ZoneInfo) -> datetime:
    """The moment a deadline passes: the end of its last day, local time (returned
    as the following local midnight, an exclusive bound, in the same zone)."""
    last_day = add_days(opened_at.astimezone(tz).date(), days, calendar)
    return datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=tz)


def last_day_of(due_at: datetime, tz: ZoneInfo) -> date:
    """The last day on which a deadline ending at `due_at` can still be met."""
    return (due_at.astimezone(tz) - timedelta(microseconds=1)).date()


def working_days_left(now: datetime, due_at: datetime, tz: ZoneInfo) -> int:
    """Working days from today (counted when it is one) to the deadline's last day; 0 when passed."""
    today = now.astimezone(tz).date()
    last = last_day_of(due_at, tz)
    count = 0
    day = today
    while day <= last:
        if is_working_day(day):
            count += 1
        day += timedelta(days=1)
    return count
