"""The menu: each role sees its groups of links and no one else's, every link it is
shown opens for it, and the page being viewed is marked in its group."""

from __future__ import annotations

import re

import pytest

from reserve_flow.core.web.menu import menu_for
from reserve_flow.people.services.users import create_user
from tests.helpers import PASSWORD

PUBLIC = [
    ("Конкурсы", "/public/"),
    ("Состав резерва", "/public/reserve"),
    ("Назначенные руководители", "/public/appointments"),
]
CONTEST_COMMISSION = [("Конкурсы комиссии", "/contests/"), ("Заявления", "/applications/")]
APPOINTING = [("Организации", "/organizations/"), ("Мониторинг эффективности", "/monitoring/")]
VACANCIES = ("Вакансии и назначения", "/appointments")
ORDERS = ("Приказы о назначении", "/orders")

MENUS = {
    "applicant": {
        "Конкурс": [
            ("Мои заявления", "/applicant/"),
            ("Профиль заявителя", "/applicant/profile"),
            ("Мои согласия", "/my/consents"),
        ],
        "Резерв": [("Мой резерв", "/reserve/")],
    },
    "secretary": {
        "Конкурс": [*CONTEST_COMMISSION, ("Проверка документов", "/check/"), ("Оценка и голосование", "/commission/")],
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
        "Назначения": [VACANCIES, ORDERS, *APPOINTING],
    },
    "mentor": {
        "Резерв": [("Резервисты", "/reserve/")],
    },
    "admin": {
        "Конкурс": CONTEST_COMMISSION,
        "Резерв": [("Резервисты", "/reserve/"), ("Программа формирования резерва", "/programme/")],
        "Назначения": [VACANCIES, ORDERS, *APPOINTING],
        "Администрирование": [
            ("Пользователи", "/admin/users"),
            ("Журнал аудита", "/admin/audit"),
            ("Недоставленные письма", "/admin/outbox/"),
            ("Шаблон приказа о назначении", "/admin/order-template"),
            ("Уничтожение данных", "/admin/destruction"),
        ],
    },
}


def nav_of(html: str) -> tuple[list[tuple[str, str]], dict[str, list[tuple[str, str]]]]:
    """The nav's links outside the groups, and each group's title with its links."""
    nav = re.search(r"<nav[^>]*>(.*?)</nav>", html, re.S).group(1)
    link = re.compile(r'<a href="([^"]+)"[^>]*>([^<]+)</a>')
    groups = {
        m.group(1): [(label, href) for href, label in link.findall(m.group(2))]
        for m in re.finditer(r"<summary>([^<]+)</summary>(.*?)</details>", nav, re.S)
    }
    loose = re.sub(r"<details.*?</details>", "", nav, flags=re.S)
    return [(label, href) for href, label in link.findall(loose)], groups


@pytest.fixture
def mentor(runtime, district):
    with runtime.transaction() as s:
        create_user(
            s, email="mentor@example.ru", full_name="Наставникова Вера Павловна", password=PASSWORD, roles=["mentor"]
        )


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
    assert '<details name="site-menu" class="current">\n      <summary>Резерв</summary>' in html
    assert '<a href="/programme/" aria-current="page">Программа формирования резерва</a>' in html
    assert html.count(' aria-current="page"') == 1 and html.count(' class="current">') == 1


def test_a_link_to_a_blueprint_not_registered_stays_out_of_the_menu(app):
    endpoints = {e: f for e, f in app.view_functions.items() if not e.startswith("appointments.")}
    with app.test_request_context("/"):
        groups = {g.title: [link.label for link in g.links] for g in menu_for(frozenset({"hr"}), endpoints, None)}
        assert groups["Назначения"] == ["Приказы о назначении", "Организации", "Мониторинг эффективности"]
        groups = {
            g.title: [link.label for link in g.links] for g in menu_for(frozenset({"hr"}), app.view_functions, None)
        }
        assert groups["Назначения"][0] == "Вакансии и назначения"
