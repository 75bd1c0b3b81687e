"""Each demo account's first page after login says what to do next, at a desktop's and at
a phone's width, fits the phone's screen, and passes axe-core's serious checks."""

from __future__ import annotations

import pytest

from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.pages import check_page, login, logout

pytestmark = pytest.mark.browser

# Each role's demo account and the task its home page must name.
NEXT_TASKS = {
    "applicant": ("applicant1@demo.reserve-flow.ru", "Загрузите документы, дайте согласие и подайте заявление"),
    "secretary": ("secretary@demo.reserve-flow.ru", "Проверить документы: заявление № 2"),
    "member": ("member1@demo.reserve-flow.ru", "Оценить кандидата: Хабитуев Баир Цыренович"),
    "chair": ("chair@demo.reserve-flow.ru", "Закрыть голосование и объявить решение"),
    "hr": ("hr@demo.reserve-flow.ru", "Составить и согласовать план развития"),
    "mentor": ("mentor@demo.reserve-flow.ru", "Написать отзыв о стажировке"),
    "admin": ("admin@demo.reserve-flow.ru", "Мониторинг эффективности за"),
}


def test_each_roles_home_page_names_its_next_task_on_desktop_and_phone(browser, live_demo, screenshot):
    for width_name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport, locale="ru-RU")
        page = context.new_page()
        for role, (email, task) in NEXT_TASKS.items():
            login(page, live_demo.url, email, live_demo.password)
            assert page.url == f"{live_demo.url}/", role
            assert page.get_by_role("heading", name="Что сделать сейчас").is_visible(), role
            assert page.get_by_text(task).first.is_visible(), f"{role} at {width_name}: «{task}» not shown"
            # The header's badge counts what waits for the user (the applicant's draft is one).
            badge = page.locator("header .who a", has_text="Что сделать").locator(".badge")
            assert badge.is_visible() or role == "admin", f"{role} at {width_name}: no task count in the header"
            # «Выйти» stays on the screen.
            box = page.get_by_role("button", name="Выйти").bounding_box()
            assert box is not None and box["x"] + box["width"] <= viewport["width"], f"{role}: «Выйти» off screen"
            check_page(page, f"home page of {role} at {width_name}")
            screenshot(page, f"home-{role}-{width_name}")
            logout(page)
        context.close()
