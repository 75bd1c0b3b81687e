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


def end_of(day: date, tz: ZoneInfo) -> datetime:
    """The moment a deadline whose last day is `day` passes: the next local midnight."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)


def last_day_of(due_at: datetime, tz: ZoneInfo) -> date:
    """The last day on which a deadline ending at `due_at` can still be met."""
    return (due_at.astimezone(tz) - timedelta(microseconds=1)).date()


def _counts(day: date, calendar: str) -> bool:
    return calendar == "calendar" or is_working_day(day)


def days_left(now: datetime, due_at: datetime, tz: ZoneInfo, calendar: str = "working") -> int:
    """Days of the period still ahead after today: the working (or, for a "calendar"
    period, all) days from tomorrow to the last day. Today is not counted, because it
    is already under way: a 5-day period opened today has 5 left, and on its last day
    none is left ("последний день"). 0 as well once the deadline has passed."""
    today = now.astimezone(tz).date()
    last = last_day_of(due_at, tz)
    count = 0
    day = today + timedelta(days=1)
    while day <= last:
        if _counts(day, calendar):
            count += 1
        day += timedelta(days=1)
    return count


def day_counting_back(last_day: date, days: int, calendar: str) -> date:
    """The day from whose start `days` days of the period are left: the `days`-th
    working (or calendar) day before `last_day`, so that days_left() then equals `days`."""
    day = last_day
    counted = 0
    while counted < days:
        day -= timedelta(days=1)
        if _counts(day, calendar):
            counted += 1
    return day


def plural(n: int, one: str, few: str, many: str) -> str:
    """The Russian form for a count: 1 день, 2 дня, 5 дней, 11 дней, 21 день."""
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def left_text(days: int, expired: bool, calendar: str = "working") -> str:
    """What users read instead of a timestamp: «осталось 3 рабочих дня», «остался
    1 рабочий день», «последний день» (0 days left: today is the last one), «срок истёк»."""
    if expired:
        return "срок истёк"
    if days <= 0:
        return "последний день"
    if calendar == "calendar":
        noun = plural(days, "день", "дня", "дней")
    else:
        noun = plural(days, "рабочий день", "рабочих дня", "рабочих дней")
    verb = plural(days, "остался", "осталось", "осталось")
    return f"{verb} {days} {noun}"


def describe_left(now: datetime, due_at: datetime, tz: ZoneInfo, calendar: str = "working") -> str:
    """left_text() for a deadline ending at `due_at`, seen at `now`."""
    expired = now >= due_at
    return left_text(0 if expired else days_left(now, due_at, tz, calendar), expired, calendar)
