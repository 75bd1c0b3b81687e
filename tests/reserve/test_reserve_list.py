"""The reserve list: its filters, its XLSX and CSV exports, who sees it, and the
public page with full names and reserved positions only."""

from __future__ import annotations

import csv
import io
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import select

from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.reserve.models.membership import ReserveMembership
from reserve_flow.reserve.services import membership as reserve_service
from reserve_flow.reserve.services import plan as plan_service
from tests.fixtures.privacy import consent_to_publish
from tests.fixtures.reserve import (
    agreed_plan,
    as_user,
    membership_version,
    upload,
)


def names(html: str) -> list[str]:
    return [n for n in ("Заявителева Елена Андреевна", "Второв Сергей Павлович") if n in html]


def build(runtime, reserve) -> None:
    """The first member with half the plan done; the second reserved for a kindergarten, with no plan."""
    course_id, _ = agreed_plan(runtime, reserve, reserve.first)
    upload(runtime, reserve, "applicant", reserve.first, course_id)
    as_user(runtime, reserve, "applicant", plan_service.submit_item, reserve.first, course_id)
    as_user(runtime, reserve, "hr", plan_service.accept_item, reserve.first, course_id)
    with runtime.transaction() as s:
        s.get(ReserveMembership, reserve.second).position_kind = "kindergarten"


def test_the_list_filters_by_kind_state_term_and_readiness(runtime, reserve, client, auth):
    build(runtime, reserve)
    auth.login("hr@example.ru")
    html = client.get("/reserve/").get_data(as_text=True)
    assert names(html) == ["Заявителева Елена Андреевна", "Второв Сергей Павлович"]
    assert "1 из 2 (50 %)" in html and "нет плана" in html
    cases = {
        "kind=kindergarten": ["Второв Сергей Павлович"],
        "kind=school": ["Заявителева Елена Андреевна"],
        "state=developing": ["Заявителева Елена Андреевна"],
        "state=excluded": [],
        "readiness=partial": ["Заявителева Елена Андреевна"],
        "readiness=none": ["Второв Сергей Павлович"],
        "readiness=full": [],
        "term_end_by=2029-11-24": [],
        "term_end_by=2029-11-25": ["Заявителева Елена Андреевна", "Второв Сергей Павлович"],
        "kind=school&readiness=none": [],
    }
    for query, expected in cases.items():
        assert names(client.get(f"/reserve/?{query}").get_data(as_text=True)) == expected, query


def test_exports_carry_the_filtered_list(runtime, reserve, client, auth):
    build(runtime, reserve)
    auth.login("hr@example.ru")
    response = client.get("/reserve/export.xlsx?kind=school")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="reserve-2026-11-25.xlsx"')
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Кадровый резерв руководителей образовательных организаций на 25.11.2026"
    assert list(rows[2]) == reserve_service.EXPORT_HEADER
    assert len(rows) == 4
    row = rows[3]
    assert row[1] == "Заявителева Елена Андреевна"
    assert row[4] == "руководитель общеобразовательной организации"
    assert row[6].date() == date(2026, 11, 25) and row[7].date() == date(2029, 11, 25)  # typed dates
    assert (row[8], row[9]) == ("Выполняет план развития", 50)

    response = client.get("/reserve/export.csv")
    assert response.mimetype == "text/csv"
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads UTF-8 with the mark
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert table[0] == reserve_service.EXPORT_HEADER
    assert [r[1] for r in table[1:]] == ["Второв Сергей Павлович", "Заявителева Елена Андреевна"]
    assert table[1][4] == "руководитель дошкольной образовательной организации"
    assert table[1][7] == "25.11.2029" and table[1][8] == "Включён в резерв, план не согласован"
    with runtime.sessions() as s:  # each export of the list is an access to personal data, audited
        exports = s.scalars(
            select(AuditEvent).where(AuditEvent.kind == "personal_data_exported").order_by(AuditEvent.seq)
        )
        assert [(e.payload["format"], e.payload["rows"]) for e in exports] == [("xlsx", 1), ("csv", 2)]


def test_the_public_page_shows_names_and_positions_only(runtime, reserve, client, auth):
    build(runtime, reserve)
    for key in ("applicant", "applicant2"):
        consent_to_publish(runtime, reserve.user(key), ["reserve_list"])
    html = client.get("/public/reserve").get_data(as_text=True)  # nobody logged in
    assert "Заявителева Елена Андреевна" in html and "Второв Сергей Павлович" in html
    assert "руководитель дошкольной образовательной организации" in html
    for private in ("@example.ru", "2029", "Выполняет план", "Конкурс на включение", "Управление образовательной"):
        assert private not in html
    as_user(
        runtime,
        reserve,
        "hr",
        reserve_service.exclude,
        reserve.second,
        membership_version(runtime, reserve.second),
        "own_request",
        "",
    )
    assert "Второв" not in client.get("/public/reserve").get_data(as_text=True)


def test_who_sees_the_list(runtime, reserve, client, auth):
    auth.login("applicant@example.ru")  # a member: to their own page
    assert client.get("/reserve/").headers["Location"].endswith(f"/reserve/{reserve.first}")
    assert client.get(f"/reserve/{reserve.second}").status_code == 404
    assert client.get("/reserve/export.csv").status_code == 404
    auth.logout()
    auth.login("admin@example.ru")
    assert names(client.get("/reserve/").get_data(as_text=True)) == [
        "Заявителева Елена Андреевна",
        "Второв Сергей Павлович",
    ]
    auth.logout()
    assert client.get("/reserve/").status_code == 302  # to the login page


def test_deadline_pages_link_to_the_member_and_the_item(runtime, reserve, client, auth):
    course_id, _ = agreed_plan(runtime, reserve, reserve.first)
    auth.login("hr@example.ru")  # the overview: the term and the items
    html = client.get("/deadlines/").get_data(as_text=True)
    assert f"/reserve/items/{course_id}" in html and f"/reserve/{reserve.first}" in html
    auth.logout()
    auth.login("applicant@example.ru")  # the member's own: the items to do
    assert f"/reserve/items/{course_id}" in client.get("/deadlines/mine").get_data(as_text=True)
    response = client.get(f"/reserve/items/{course_id}")
    assert response.headers["Location"].endswith(f"/reserve/{reserve.first}#item-{course_id}")
    auth.logout()
    auth.login("admin@example.ru")
    assert "Изменён план развития резервиста" in client.get("/admin/audit").get_data(as_text=True)
