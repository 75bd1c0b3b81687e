"""The home page: each role's sections, filled by the domains through the registry, with
the next step and the days left; the header's badge is their count."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import event

from reserve_flow.core.web.home import Task, register_home_section
from reserve_flow.demo.district import seed_demo
from tests.helpers import NOW, AuthActions


def _text(page: str) -> str:
    main = page.split("<main>")[1].split("</main>")[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def _badge(page: str) -> str | None:
    found = re.search(r"Что сделать\s*<span class=\"badge\"[^>]*>(\d+)</span>", page)
    return found.group(1) if found else None


def test_each_demo_role_sees_its_next_task_with_a_link_and_days_left(runtime, client, auth):
    seed = seed_demo(runtime)
    expected = {
        "applicant3@demo.reserve-flow.ru": ("Исправьте документы по замечаниям секретаря", "/applicant/applications/"),
        "secretary@demo.reserve-flow.ru": ("Проверить документы: заявление № 2", "/check/2"),
        "member2@demo.reserve-flow.ru": ("Проголосовать: Гончарова Ирина Васильевна", "/commission/applications/5"),
        "chair@demo.reserve-flow.ru": ("Закрыть голосование и объявить решение", "/commission/applications/5"),
        "hr@demo.reserve-flow.ru": ("Сформируйте список кандидатов из резерва", "/appointments/"),
        "mentor@demo.reserve-flow.ru": ("Написать отзыв о стажировке: Соколов Алексей Игоревич", "/reserve/items/"),
        "admin@demo.reserve-flow.ru": ("Пользователи: активных", "/admin/users"),
    }
    for email, (task, link) in expected.items():
        auth.login(email, seed.password)
        page = client.get("/").get_data(as_text=True)
        assert task in _text(page), email
        assert f'href="{link}' in page, email
        auth.logout()
    auth.login("applicant3@demo.reserve-flow.ru", seed.password)
    page = client.get("/").get_data(as_text=True)
    assert "осталось 5 рабочих дней" in _text(page)
    # The returned application is the one thing waiting for her: the badge says 1, on every page.
    assert _badge(page) == "1"
    assert _badge(client.get("/notifications/").get_data(as_text=True)) == "1"
    # One page named «Мои заявления» only: the home page links the applicant's own.
    assert "Заявления на участие в конкурсах" not in page


def test_a_section_registered_for_a_role_shows_to_that_role_and_counts_in_the_badge(runtime, make_app):
    seed = seed_demo(runtime)
    app = make_app(runtime)
    register_home_section(
        app,
        "secretary",
        "Приказы на подпись",
        lambda session, user, now: [Task("Подписать приказ № 7-к", "/orders/7", count=2)],
        position=500,
    )
    client = app.test_client()
    auth = AuthActions(client)
    auth.login("secretary@demo.reserve-flow.ru", seed.password)
    page = client.get("/").get_data(as_text=True)
    assert "Приказы на подпись" in _text(page) and 'href="/orders/7"' in page
    assert _badge(page) == "3"  # one application to check and the two orders
    auth.logout()
    auth.login("hr@demo.reserve-flow.ru", seed.password)
    assert "Приказы на подпись" not in client.get("/").get_data(as_text=True)


def _statements_for_home(runtime, client) -> int:
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(runtime.db, "before_cursor_execute", count)
    try:
        assert client.get("/").status_code == 200
    finally:
        event.remove(runtime.db, "before_cursor_execute", count)
    return len(statements)


def test_the_home_page_asks_the_database_as_often_for_many_tasks_as_for_one(runtime, client, auth):
    seed = seed_demo(runtime)
    counts = {}
    # Two reservists: three plan items to do against one; the same sections otherwise.
    for email in ("applicant7@demo.reserve-flow.ru", "applicant9@demo.reserve-flow.ru"):
        auth.login(email, seed.password)
        counts[email] = _statements_for_home(runtime, client)
        auth.logout()
    assert counts["applicant7@demo.reserve-flow.ru"] == counts["applicant9@demo.reserve-flow.ru"], counts


def test_plan_items_past_their_day_show_as_overdue_to_the_hr_officer(runtime, client, auth):
    seed = seed_demo(runtime)
    auth.login("hr@demo.reserve-flow.ru", seed.password)
    assert "Просрочен пункт плана" not in client.get("/").get_data(as_text=True)
    # Seven weeks on: the district seminar (due in 45 days) has not been reported on.
    runtime.engine.clock = lambda: NOW + timedelta(days=49)
    page = client.get("/").get_data(as_text=True)
    assert "Просрочен пункт плана: Районный семинар «Школа молодого руководителя»" in _text(page)
    assert '<li class="task overdue">' in page and "срок истёк" in _text(page)
