"""Deadlines in Russian working days: weekends, public holidays and transferred days."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from reserve_flow import workdays

IRKUTSK = ZoneInfo("Asia/Irkutsk")


def test_weekend_is_skipped():
    # Friday 27 Nov 2026 + 1 working day = Monday 30 Nov.
    assert workdays.add_days(date(2026, 11, 27), 1, "working") == date(2026, 11, 30)


def test_new_year_holidays_and_the_substituted_day_off_are_skipped():
    # 31 Dec 2026 is a substituted day off; 1-8 Jan 2027 are the New Year holidays.
    assert workdays.add_days(date(2026, 12, 30), 1, "working") == date(2027, 1, 11)


def test_transferred_working_saturday_counts():
    # Saturday 1 Nov 2025 was a working day (transferred from 3 Nov).
    assert workdays.is_working_day(date(2025, 11, 1))
    assert not workdays.is_working_day(date(2025, 11, 3))
    assert workdays.add_days(date(2025, 10, 31), 1, "working") == date(2025, 11, 1)


def test_calendar_days_count_every_day():
    assert workdays.add_days(date(2026, 12, 30), 3, "calendar") == date(2027, 1, 2)


def test_deadline_ends_at_the_end_of_its_last_local_day():
    # 18:30 UTC on Wednesday is already Thursday 02:30 in Irkutsk: counting starts from Thursday.
    opened = datetime(2026, 11, 25, 18, 30, tzinfo=timezone.utc)
    due = workdays.deadline_end(opened, 2, "working", IRKUTSK)
    assert due == datetime(2026, 12, 1, tzinfo=IRKUTSK)
    assert workdays.last_day_of(due, IRKUTSK) == date(2026, 11, 30)


def test_working_days_left_counts_today_and_stops_at_zero():
    due = datetime(2026, 12, 3, tzinfo=IRKUTSK)  # last day: Wednesday 2 Dec
    assert workdays.working_days_left(datetime(2026, 11, 27, 3, tzinfo=timezone.utc), due, IRKUTSK) == 4
    assert workdays.working_days_left(datetime(2026, 12, 2, 15, 59, tzinfo=timezone.utc), due, IRKUTSK) == 1
    assert workdays.working_days_left(datetime(2026, 12, 2, 16, 0, tzinfo=timezone.utc), due, IRKUTSK) == 0
