"""A journey across roles on a phone's screen, as the people would click it from their
home pages: the applicant whose application came back replaces the document and submits
it again, the secretary checks and admits it, and a commission member finds the
candidate waiting for a score. Every page on the way fits 390 px and passes axe-core."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE
from tests.browser.pages import check_page, follow, login, logout

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
APPLICANT = "applicant3@demo.reserve-flow.ru"  # Мельникова: her application was returned for correction


def test_returned_application_is_fixed_checked_and_reaches_the_commission(browser, live_demo, screenshot):
    context = browser.new_context(viewport=PHONE, locale="ru-RU")
    page = context.new_page()
    candidate = live_demo.accounts[APPLICANT]

    # The applicant: the home page says what to fix and leads to the application.
    login(page, live_demo.url, APPLICANT, live_demo.password)
    follow(page, page.get_by_role("link", name="Заявление на конкурс").first)
    check_page(page, "the applicant's application page")
    screenshot(page, "journey-1-applicant-returned")
    # The returned document (the criminal record certificate) is replaced by a new file.
    returned = page.locator(".kind", has_text="Справка об отсутствии судимости")
    returned.locator("input[type=file]").set_input_files(
        {"name": "spravka.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    follow(page, returned.get_by_role("button", name="Заменить", exact=True))
    assert page.get_by_text("Документ заменён: «spravka.pdf».").is_visible()
    follow(page, page.get_by_role("button", name="Подать исправленное заявление"))
    assert page.get_by_text("Подано, на проверке документов").first.is_visible()
    check_page(page, "the resubmitted application")
    page.goto(f"{live_demo.url}/")
    assert page.get_by_text("Секретарь комиссии проверяет документы").first.is_visible()
    logout(page)

    # The secretary: the application is among the documents to check; admitted from there.
    login(page, live_demo.url, "secretary@demo.reserve-flow.ru", live_demo.password)
    follow(page, page.get_by_role("link", name=f"Проверить документы: заявление № 3, {candidate}"))
    check_page(page, "the secretary's check page")
    screenshot(page, "journey-2-secretary-check")
    follow(page, page.get_by_role("button", name="Допустить к конкурсу"))
    check_page(page, "the check page after admission")
    page.goto(f"{live_demo.url}/")
    assert page.get_by_role("link", name=f"Проверить документы: заявление № 3, {candidate}").count() == 0
    logout(page)

    # A member: the admitted candidate now waits for this member's score.
    login(page, live_demo.url, "member1@demo.reserve-flow.ru", live_demo.password)
    follow(page, page.get_by_role("link", name=f"Оценить кандидата: {candidate}"))
    assert candidate in page.content()
    check_page(page, "the member's scoring page")
    screenshot(page, "journey-3-member-score")
    context.close()


def test_wide_tables_scroll_in_their_box_on_a_phone(browser, live_demo, screenshot):
    """The pages with the widest tables (the reserve, users, the audit journal, vacancies...)
    and the other lists each role opens keep the page itself within the phone's width."""
    context = browser.new_context(viewport=PHONE, locale="ru-RU")
    page = context.new_page()
    for email, paths in (
        (
            "hr@demo.reserve-flow.ru",
            [
                "/reserve/",
                "/appointments",
                "/appointments/1",
                "/orders",
                "/deadlines/",
                "/organizations/",
                "/programme/",
            ],
        ),
        (
            "admin@demo.reserve-flow.ru",
            ["/admin/users", "/admin/audit", "/admin/outbox/", "/monitoring/", "/workflows"],
        ),
        ("secretary@demo.reserve-flow.ru", ["/applications/", "/check/", "/contests/", "/commission/"]),
        (
            "applicant1@demo.reserve-flow.ru",
            ["/applicant/", "/applicant/profile", "/notifications/", "/deadlines/mine"],
        ),
        ("mentor@demo.reserve-flow.ru", ["/reserve/"]),
    ):
        login(page, live_demo.url, email, live_demo.password)
        for path in paths:
            page.goto(live_demo.url + path)
            assert page.locator("main h1").first.is_visible(), path
            check_page(page, f"{path} as {email}")
            screenshot(page, "phone" + path.rstrip("/").replace("/", "-"))
        logout(page)
    context.close()


def test_the_menu_on_a_phone_opens_one_group_at_a_time_within_the_screen(browser, live_demo, screenshot):
    context = browser.new_context(viewport=PHONE, locale="ru-RU")
    page = context.new_page()
    login(page, live_demo.url, "hr@demo.reserve-flow.ru", live_demo.password)
    menu = page.get_by_role("navigation", name="Разделы")
    reserve, appointments = menu.locator("summary", has_text="Резерв"), menu.locator("summary", has_text="Назначения")
    reserve.click()
    reservists = menu.get_by_role("link", name="Резервисты")
    assert reservists.is_visible()
    appointments.click()
    # Opening another group closed the first; the open one's links lie within the screen.
    assert not reservists.is_visible()
    vacancies = menu.get_by_role("link", name="Вакансии и назначения")
    box = vacancies.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    check_page(page, "the phone menu opened")
    screenshot(page, "phone-menu-open")
    follow(page, vacancies)
    assert page.url.endswith("/appointments")
    context.close()
