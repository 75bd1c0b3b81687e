"""Seeing time: the deadlines page of the secretary and the HR officer, each user's
own deadlines, and the private calendar feed (ICS) with its revocable URL."""

from __future__ import annotations

import re
from datetime import date

from icalendar import Calendar

from reserve_flow.core.deadlines.scheduler import scan_once
from reserve_flow.people.models import User
from tests.fixtures.scheduler import add_application, add_contest, fire, irkutsk
from tests.helpers import _csrf_token


def _two_contests(runtime, district):
    """The district's application submitted and then returned (the applicant must fix it
    by Mon 30 Nov); another contest's application submitted (its secretary checks by Wed 2 Dec)."""
    other_contest = add_contest(runtime, district, "secretary2", "Другова Нина Львовна")
    other = add_application(runtime, district, "applicant3", "Третьякова Вера Олеговна", contest_id=other_contest)
    fire(runtime, district.application_id, "submit", "applicant", district)
    fire(runtime, district.application_id, "return_for_fix", "secretary", district, reason="Нет подписи.")
    fire(runtime, other, "submit", "applicant3", district)
    return other


def test_secretary_sees_the_deadlines_of_their_contests_only(auth, client, district, runtime):
    other = _two_contests(runtime, district)
    auth.login("secretary@example.ru")
    html = client.get("/deadlines/").get_data(as_text=True)
    assert "Сроки по делам" in html
    assert f"Заявление № {district.application_id}: Заявителева Елена Андреевна" in html
    assert f'href="/applications/{district.application_id}"' in html
    assert "Возвращено на доработку" in html
    assert "владелец дела: Заявителева Елена Андреевна" in html  # whose turn
    assert "30.11.2026" in html and "осталось 3 рабочих дня" in html
    assert "Третьякова" not in html and f"Заявление № {other}" not in html


def test_hr_sees_every_deadline_overdue_first_with_escalations(auth, client, district, runtime):
    other = _two_contests(runtime, district)
    # Friday 4 Dec: the fix period (to Mon 30 Nov) lapsed, the other check (to Wed 2 Dec) passed.
    runtime.engine.clock = lambda: irkutsk(2026, 12, 4, 10)
    scan = scan_once(runtime, irkutsk(2026, 12, 4, 10))
    assert (scan.expiries, scan.escalations) == (1, 1)
    auth.login("hr@example.ru")
    html = client.get("/deadlines/").get_data(as_text=True)
    assert "Все открытые сроки района." in html
    overdue = html[html.index("Просроченные (1)") : html.index("Текущие")]
    assert f"Заявление № {other}: Третьякова Вера Олеговна" in overdue
    assert "секретарь комиссии: Другова Нина Львовна" in overdue
    assert "срок истёк" in overdue and "02.12.2026" in overdue
    assert "эскалация 04.12.2026 10:00" in overdue and "(получателей: 1)" in overdue
    assert f'href="/applications/{other}"' not in html  # HR does not open applications' files
    assert "Текущие (0)" in html  # the lapsed application's deadline is closed


def test_deadlines_page_is_for_secretaries_and_hr(auth, client, district, runtime):
    assert client.get("/deadlines/").status_code == 302
    for key in ("applicant", "member", "admin"):
        auth.login(f"{key}@example.ru")
        assert client.get("/deadlines/").status_code == 403
        auth.logout()


def test_own_deadlines_and_a_revocable_calendar_feed(auth, client, district, runtime):
    _two_contests(runtime, district)
    auth.login("applicant@example.ru")
    page = client.get("/deadlines/mine").get_data(as_text=True)
    assert "Возвращено на доработку" in page and "осталось 3 рабочих дня" in page
    assert "Ваша личная ссылка" not in page
    assert client.post("/deadlines/mine/feed-token").status_code == 400  # CSRF

    response = client.post("/deadlines/mine/feed-token", data={"csrf_token": _csrf_token(page)})
    assert response.status_code == 303
    page = client.get("/deadlines/mine").get_data(as_text=True)
    url = re.search(r"<code>(http://127\.0\.0\.1:5000/deadlines/feed/[^<]+\.ics)</code>", page).group(1)
    path = url.removeprefix("http://127.0.0.1:5000")
    auth.logout()

    feed = client.get(path)  # a calendar program: no login
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    calendar = Calendar.from_ical(feed.data)
    [event] = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == date(2026, 11, 30)
    assert event.decoded("dtend") == date(2026, 12, 1)
    assert str(event["summary"]) == (
        f"Последний день: Возвращено на доработку — Заявление № {district.application_id}: Заявителева Елена Андреевна"
    )
    assert str(event["url"]) == f"http://127.0.0.1:5000/applications/{district.application_id}"
    assert str(event["uid"]).startswith("deadline-")

    auth.login("applicant@example.ru")
    page = client.get("/deadlines/mine").get_data(as_text=True)
    client.post("/deadlines/mine/feed-token", data={"csrf_token": _csrf_token(page)})  # a new URL
    assert client.get(path).status_code == 404  # the old one is revoked
    with runtime.sessions() as s:
        token = s.get(User, district.users["applicant"]).ics_token
    assert client.get(f"/deadlines/feed/{token}.ics").status_code == 200
    client.post("/deadlines/mine/feed-token/revoke", data={"csrf_token": _csrf_token(page)})
    assert client.get(f"/deadlines/feed/{token}.ics").status_code == 404
    assert client.get("/deadlines/feed/.ics").status_code == 404


def test_secretary_feed_lists_the_checks_they_must_make(auth, client, district, runtime):
    """Their own deadlines are the ones where they must act: another secretary's check
    is not the district secretary's, and the applicant's fix period is no secretary's."""
    other = _two_contests(runtime, district)
    with runtime.transaction() as s:
        secretary2 = s.get(User, district.users["secretary2"])
        secretary2.ics_token = "t" * 43
    feed = Calendar.from_ical(client.get(f"/deadlines/feed/{'t' * 43}.ics").data)
    [event] = feed.walk("VEVENT")
    assert f"Заявление № {other}" in str(event["summary"])
    assert event.decoded("dtstart") == date(2026, 12, 2)
    auth.login("secretary@example.ru")
    assert "Сейчас нет сроков, по которым действовать нужно вам." in client.get("/deadlines/mine").get_data(
        as_text=True
    )
