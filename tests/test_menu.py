"""The menu: each role sees its groups of links and no one else's, every link it is
shown opens for it, and the page being viewed is marked in its group."""

from __future__ import annotations

import re

import pytest
from flask import Blueprint

from reserve_flow.services.users import create_user
from tests.conftest import PASSWORD

PUBLIC = [("Конкурсы", "/public/"), ("Состав резерва", "/public/reserve")]
CONTEST_COMMISSION = [("Конкурсы комиссии", "/contests/"), ("Заявления", "/applications/")]
APPOINTING = [("Организации", "/organizations/"), ("Мониторинг эффективности", "/monitoring/")]

MENUS = {
    "applicant": {
        "Конкурс": [("Мои заявления", "/applicant/"), ("Профиль заявителя", "/applicant/profile")],
        "Резерв": [("Мой резерв", "/reserve/")],
    },
    "secretary": {
        "Конкурс": [*CONTEST_COMMISSION, ("Проверка документов", "/check/"),
                    ("Оценка и голосование", "/commission/")],
        "Назначения": APPOINTING,
    },
    "chair": {
        "Конкурс": [*CONTEST_COMMISSION, ("Оценка и голосование", "/commission/")],
        "Назначения": APPOINTING,
    },
    "member": {
        "Конкурс": [*CONTEST_COMMISSION, ("Оценка и голосование", "/commission/")],
    },
    "hr": {
        "Резерв": [("Резервисты", "/reserve/"), ("Программа формирования резерва", "/programme/")],
        "Назначения": APPOINTING,
    },
    "mentor": {
        "Резерв": [("Резервисты", "/reserve/")],
    },
    "admin": {
        "Конкурс": CONTEST_COMMISSION,
        "Резерв": [("Резервисты", "/reserve/"), ("Программа формирования резерва", "/programme/")],
        "Назначения": APPOINTING,
        "Администрирование": [("Пользователи", "/admin/users"), ("Журнал аудита", "/admin/audit"),
                              ("Недоставленные письма", "/admin/outbox/")],
    },
}


def nav_of(html: str) -> tuple[list[tuple[str, str]], dict[str, list[tuple[str, str]]]]:
    """The nav's links outside the groups, and each group's title with its links."""
    nav = re.search(r"<nav[^>]*>(.*?)</nav>", html, re.S).group(1)
    link = re.compile(r'<a href="([^"]+)"[^>]*>([^<]+)</a>')
    groups = {m.group(1): [(label, href) for href, label in link.findall(m.group(2))]
              for m in re.finditer(r"<summary>([^<]+)</summary>(.*?)</details>", nav, re.S)}
    loose = re.sub(r"<details.*?</details>", "", nav, flags=re.S)
    return [(label, href) for href, label in link.findall(loose)], groups


@pytest.fixture
def mentor(runtime, district):
    with runtime.transaction() as s:
        create_user(s, email="mentor@example.ru", full_name="Наставникова Вера Павловна", password=PASSWORD,
                    roles=["mentor"])


@pytest.mark.parametrize("role", sorted(MENUS))
def test_each_role_sees_its_own_groups_and_every_link_opens(auth, client, district, mentor, role):
    auth.login(f"{role}@example.ru")
    loose, groups = nav_of(client.get("/").get_data(as_text=True))
    assert loose == [*PUBLIC, ("Процессы", "/workflows")]
    assert groups == MENUS[role]
    for links in groups.values():
        for _label, href in links:
            assert client.get(href).status_code in (200, 302), href  # 302: a member's own plan page


def test_a_visitor_sees_the_public_pages_and_registration_only(client, district):
    loose, groups = nav_of(client.get("/").get_data(as_text=True))
    assert loose == [*PUBLIC, ("Регистрация заявителя", "/register")]
    assert groups == {}


def test_the_page_being_viewed_is_marked_in_its_group(auth, client, district):
    auth.login("hr@example.ru")
    html = client.get("/programme/").get_data(as_text=True)
    assert '<details class="current">\n      <summary>Резерв</summary>' in html
    assert '<a href="/programme/" aria-current="page">Программа формирования резерва</a>' in html
    assert html.count(' aria-current="page"') == 1 and html.count('<details class="current">') == 1


def test_appointments_join_the_hr_menu_once_their_blueprint_is_registered(app, auth, client, district):
    appointments = Blueprint("appointments", __name__, url_prefix="/appointments")
    appointments.add_url_rule("/", "index", lambda: "назначения")
    app.register_blueprint(appointments)
    auth.login("hr@example.ru")
    _, groups = nav_of(client.get("/").get_data(as_text=True))
    assert groups["Назначения"] == [("Вакансии и назначения", "/appointments/"), *APPOINTING]
    auth.logout()
    auth.login("admin@example.ru")
    _, groups = nav_of(client.get("/").get_data(as_text=True))
    assert groups["Назначения"] == APPOINTING
