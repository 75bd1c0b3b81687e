"""Deadlines in Russian working days: weekends, public holidays and transferred days."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from reserve_flow.core import workdays

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
    opened = datetime(2026, 11, 25, 18, 30, tzinfo=UTC)
    due = workdays.deadline_end(opened, 2, "working", IRKUTSK)
    assert due == datetime(2026, 12, 1, tzinfo=IRKUTSK)
    assert workdays.last_day_of(due, IRKUTSK) == date(2026, 11, 30)


def test_a_freshly_opened_period_shows_all_its_days_and_the_last_day_says_so():
    # Opened Wednesday 25 Nov 2026, 10:00 Irkutsk, for 5 working days: Thu 26 .. Wed 2 Dec.
    opened = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    due = workdays.deadline_end(opened, 5, "working", IRKUTSK)
    assert workdays.days_left(opened, due, IRKUTSK) == 5
    assert workdays.describe_left(opened, due, IRKUTSK) == "осталось 5 рабочих дней"
    # Friday: Mon 30, Tue 1, Wed 2 remain; the weekend does not count.
    friday = datetime(2026, 11, 27, 3, tzinfo=UTC)
    assert workdays.describe_left(friday, due, IRKUTSK) == "осталось 3 рабочих дня"
    saturday = datetime(2026, 11, 28, 3, tzinfo=UTC)
    assert workdays.describe_left(saturday, due, IRKUTSK) == "осталось 3 рабочих дня"
    tuesday = datetime(2026, 12, 1, 3, tzinfo=UTC)
    assert workdays.describe_left(tuesday, due, IRKUTSK) == "остался 1 рабочий день"
    # The whole last day, to its local midnight (16:00 UTC), is "the last day".
    assert workdays.describe_left(datetime(2026, 12, 1, 16, 0, tzinfo=UTC), due, IRKUTSK) == "последний день"
    assert workdays.describe_left(datetime(2026, 12, 2, 15, 59, tzinfo=UTC), due, IRKUTSK) == "последний день"
    assert workdays.describe_left(datetime(2026, 12, 2, 16, 0, tzinfo=UTC), due, IRKUTSK) == "срок истёк"


def test_days_left_across_a_holiday_a_substituted_day_off_and_a_working_saturday():
    # Opened Thursday 18 Feb 2027 for 3 working days: Fri 19, Saturday 20 (a working
    # Saturday, transferred), then Sun 21, Mon 22 (the substituted day off) and Tue 23
    # (Defender of the Fatherland Day) are skipped: the last day is Wed 24 Feb.
    opened = datetime(2027, 2, 18, 2, tzinfo=UTC)
    due = workdays.deadline_end(opened, 3, "working", IRKUTSK)
    assert workdays.last_day_of(due, IRKUTSK) == date(2027, 2, 24)
    assert workdays.days_left(opened, due, IRKUTSK) == 3
    assert workdays.days_left(datetime(2027, 2, 19, 2, tzinfo=UTC), due, IRKUTSK) == 2
    for day in (20, 21, 22, 23):  # Sat 20 counts as a working day, the rest are off
        assert workdays.days_left(datetime(2027, 2, day, 2, tzinfo=UTC), due, IRKUTSK) == 1
    assert workdays.day_counting_back(date(2027, 2, 24), 1, "working") == date(2027, 2, 20)
    assert workdays.day_counting_back(date(2027, 2, 24), 2, "working") == date(2027, 2, 19)


def test_calendar_periods_count_every_day():
    opened = datetime(2026, 12, 30, 2, tzinfo=UTC)
    due = workdays.deadline_end(opened, 3, "calendar", IRKUTSK)  # Dec 31, Jan 1, Jan 2
    assert workdays.describe_left(opened, due, IRKUTSK, "calendar") == "осталось 3 дня"
    assert workdays.day_counting_back(date(2027, 1, 2), 1, "calendar") == date(2027, 1, 1)


@pytest.mark.parametrize(
    ("days", "text"),
    [
        (1, "остался 1 рабочий день"),
        (2, "осталось 2 рабочих дня"),
        (4, "осталось 4 рабочих дня"),
        (5, "осталось 5 рабочих дней"),
        (11, "осталось 11 рабочих дней"),
        (12, "осталось 12 рабочих дней"),
        (21, "остался 21 рабочий день"),
        (22, "осталось 22 рабочих дня"),
        (25, "осталось 25 рабочих дней"),
        (111, "осталось 111 рабочих дней"),
        (0, "последний день"),
    ],
)
def test_left_text_russian_plurals(days, text):
    assert workdays.left_text(days, expired=False) == text
    assert workdays.left_text(days, expired=True) == "срок истёк"
