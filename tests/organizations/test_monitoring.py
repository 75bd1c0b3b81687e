"""Effectiveness monitoring: the year and its criteria, the template that round-trips,
imports from XLSX and CSV (all or nothing, each bad row named), the audited replace,
the anti-crisis flag under 50 %, the overview and its export, and who sees what."""

from __future__ import annotations

import hashlib
import io
import json
import re

from openpyxl import load_workbook
from sqlalchemy import select

from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.core.files.tabular import read_table
from reserve_flow.organizations.models.monitoring import MonitoringResult, MonitoringScore, MonitoringYear
from reserve_flow.organizations.services import monitoring
from reserve_flow.people.models import User
from tests.fixtures.monitoring import (
    DDT,
    GOOD_ROWS,
    HEADERS,
    KINDERGARTEN,
    SCHOOL,
    count,
    csv_bytes,
    events,
    read_xlsx,
    results,
    upload,
    xlsx_bytes,
)
from tests.helpers import _csrf_token


def import_file(client, year, filename, content, **fields):
    return upload(client, f"/monitoring/{year}", f"/monitoring/{year}/import", filename, content, **fields)


def page_text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


# --- the year, the template, a round trip --------------------------------------------------


def test_admin_creates_a_year_downloads_its_template_fills_it_and_imports_it(client, runtime, admin):
    page = client.get("/monitoring/new")
    assert page.status_code == 200
    response = client.post(
        "/monitoring/new",
        data={
            "csrf_token": _csrf_token(page.get_data(as_text=True)),
            "year": "2025",
            "criteria-0-name": "Образовательные результаты",
            "criteria-0-max_points": "40",
            "criteria-1-name": "Кадровые условия",
            "criteria-1-max_points": "12,5",
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/monitoring/2025")
    created = events(runtime, "monitoring_year_created")
    assert json.loads(created[0].data)["criteria"] == [["Образовательные результаты", 40.0], ["Кадровые условия", 12.5]]

    template = client.get("/monitoring/2025/template.xlsx")
    assert template.status_code == 200
    assert template.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(template.data))
    sheet = book.worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == [
        "Организация",
        "Руководитель (ФИО)",
        "Итоговый балл, %",
        "Уровень",
        "Образовательные результаты (макс. 40)",
        "Кадровые условия (макс. 12,5)",
    ]
    assert sorted(r[0] for r in rows[1:]) == sorted([SCHOOL, KINDERGARTEN, DDT])
    assert book.worksheets[1].title == "Инструкция"

    # Filled in as the administrator would: totals, a level typed or chosen, the points.
    filled = {
        SCHOOL: ("Пантелеев Андрей Николаевич", 88, "Оптимальный", 36, 11),
        KINDERGARTEN: ("Морозова Елена Викторовна", 55.5, "допустимый", 22, 7.5),
        DDT: ("Зайцева Надежда Петровна", 47, None, 19, 5),
    }
    for row in sheet.iter_rows(min_row=2):
        head, total, level, first, second = filled[row[0].value]
        row[1].value, row[2].value, row[3].value, row[4].value, row[5].value = head, total, level, first, second
    buffer = io.BytesIO()
    book.save(buffer)
    content = buffer.getvalue()

    response = import_file(client, 2025, "Мониторинг 2025.xlsx", content)
    assert response.status_code == 303, page_text(response)
    imported = results(runtime, 2025)
    assert {name: (r.head_name, r.total_percent, r.level) for name, r in imported.items()} == {
        SCHOOL: ("Пантелеев Андрей Николаевич", 88.0, "optimal"),
        KINDERGARTEN: ("Морозова Елена Викторовна", 55.5, "acceptable"),
        DDT: ("Зайцева Надежда Петровна", 47.0, "critical"),  # the empty level follows the score
    }
    assert sorted(s.points for s in imported[KINDERGARTEN].scores) == [7.5, 22.0]

    [event] = events(runtime, "monitoring_imported")
    data = json.loads(event.data)
    assert data["year"] == 2025 and data["rows"] == 3 and data["flagged"] == 1 and data["replaced"] is False
    assert data["file_sha256"] == hashlib.sha256(content).hexdigest()
    assert data["levels"] == {"optimal": 1, "acceptable": 1, "critical": 1}
    assert event.actor_name == "Админов Алексей Николаевич"

    overview = page_text(client.get("/monitoring/2025"))
    assert overview.index("Нижнеангарская СОШ № 1") < overview.index("д/с «Северяночка»") < overview.index("ДДТ")
    assert "47 %" in overview and "менее 50 %" in overview


def test_a_csv_from_russian_excel_in_windows_1251_with_semicolons_imports(client, runtime, admin, year_2025):
    content = csv_bytes(HEADERS, GOOD_ROWS, encoding="cp1251", delimiter=";")
    response = import_file(client, 2025, "monitoring.csv", content)
    assert response.status_code == 303, page_text(response)
    imported = results(runtime, 2025)
    assert imported[DDT].total_percent == 42.5 and imported[DDT].level == "critical"
    assert sorted(s.points for s in imported[DDT].scores) == [8.5, 17.0]


def test_a_utf8_csv_with_bom_and_commas_imports(client, runtime, admin, year_2025):
    content = b"\xef\xbb\xbf" + csv_bytes(HEADERS, GOOD_ROWS, delimiter=",", decimal=",")
    response = import_file(client, 2025, "monitoring.csv", content)
    assert response.status_code == 303, page_text(response)
    assert results(runtime, 2025)[SCHOOL].total_percent == 91.5


def test_short_names_and_percent_signs_are_understood(client, runtime, admin, year_2025):
    rows = [["Нижнеангарская СОШ № 1", "Пантелеев А. Н.", "91,5 %", "оптимальный уровень", "37", "18"]]
    response = import_file(client, 2025, "m.csv", csv_bytes(HEADERS, rows))
    assert response.status_code == 303, page_text(response)
    assert results(runtime, 2025)[SCHOOL].total_percent == 91.5


# --- all or nothing ---------------------------------------------------------------------------


def test_bad_rows_import_nothing_and_each_is_named_with_its_reason(client, runtime, admin, year_2025):
    rows = [
        GOOD_ROWS[0],
        ["МБОУ «Несуществующая СОШ»", "Иванов И. И.", 70, "допустимый", 30, 10],  # row 3
        [KINDERGARTEN, "Морозова Е. В.", 104, "оптимальный", 30, 10],  # row 4
        [DDT, "Зайцева Н. П.", 60, "хороший", 30, 10],  # row 5
        [SCHOOL, "Пантелеев А. Н.", 70, "оптимальный", 30, 10],  # row 6
        [KINDERGARTEN, "Морозова Е. В.", 85, "допустимый", 45, 10],  # row 7
        [DDT, "", "много", "критический", 10, None],  # row 8
    ]
    audit_before = count(runtime, AuditEvent)
    response = import_file(client, 2025, "monitoring.xlsx", xlsx_bytes(HEADERS, rows))
    assert response.status_code == 400
    text = page_text(response)
    assert "Файл не загружен: ничего не изменено" in text
    assert "Строка 3: организация «МБОУ «Несуществующая СОШ»» не найдена в реестре" in text
    assert "Строка 4: итоговый балл 104 вне допустимого диапазона 0–100" in text
    assert "Строка 5: уровень «хороший» не из списка: оптимальный, допустимый, критический" in text
    assert "Строка 6: организация «Нижнеангарская СОШ № 1» уже указана в строке 2" in text
    assert (
        "Строка 6: уровень «оптимальный» не соответствует итоговому баллу 70 %: при таком балле уровень «допустимый»"
    ) in text
    assert "Строка 7: балл по критерию «Образовательные результаты» 45 вне допустимого диапазона 0–40" in text
    assert "Строка 7: уровень «допустимый» не соответствует итоговому баллу 85 %" in text
    assert "Строка 8: не указан руководитель" in text
    assert "Строка 8: итоговый балл «много» — не число" in text
    assert "Строка 8: не заполнен балл по критерию «Кадровые условия»" in text
    assert "Строка 2:" not in text  # the good row is not blamed
    assert count(runtime, MonitoringResult) == 0 and count(runtime, MonitoringScore) == 0
    assert count(runtime, AuditEvent) == audit_before


def test_a_file_whose_columns_do_not_match_the_years_criteria_is_refused(client, runtime, admin, year_2025):
    headers = HEADERS[:4] + ["Образовательные результаты (макс. 40)", "Инновационная деятельность"]
    response = import_file(client, 2025, "m.xlsx", xlsx_bytes(headers, [GOOD_ROWS[0]]))
    assert response.status_code == 400
    text = page_text(response)
    assert "столбец «Инновационная деятельность» не относится к шаблону" in text
    assert "нет столбца критерия «Кадровые условия»" in text
    assert count(runtime, MonitoringResult) == 0


def test_a_year_already_imported_is_refused_unless_replace_is_chosen_which_is_audited(
    client, runtime, admin, year_2025
):
    first = xlsx_bytes(HEADERS, GOOD_ROWS)
    assert import_file(client, 2025, "first.xlsx", first).status_code == 303

    second_rows = [row[:] for row in GOOD_ROWS[:2]]
    second_rows[1][2], second_rows[1][3] = 81, "оптимальный"
    second = xlsx_bytes(HEADERS, second_rows)
    response = import_file(client, 2025, "second.xlsx", second)
    assert response.status_code == 400
    assert "Результаты мониторинга за 2025 год уже загружены из файла «first.xlsx»" in page_text(response)
    assert "Заменить загруженные результаты" in page_text(response)
    assert len(results(runtime, 2025)) == 3 and len(events(runtime, "monitoring_imported")) == 1

    response = import_file(client, 2025, "second.xlsx", second, replace="y")
    assert response.status_code == 303
    replaced = results(runtime, 2025)
    assert set(replaced) == {SCHOOL, KINDERGARTEN}
    assert replaced[KINDERGARTEN].level == "optimal"
    assert count(runtime, MonitoringScore) == 4  # the old scores went with the old results
    first_event, second_event = events(runtime, "monitoring_imported")
    data = json.loads(second_event.data)
    assert data["replaced"] is True and data["replaced_results"] == 3 and data["rows"] == 2
    assert data["replaced_file"] == {"file_name": "first.xlsx", "file_sha256": hashlib.sha256(first).hexdigest()}
    assert second_event.reason == "замена ранее загруженных результатов"
    assert "заменено прежних: 3" in page_text(client.get("/monitoring/2025"))


def test_criteria_are_frozen_once_results_exist_and_clearing_them_is_audited(client, runtime, admin, year_2025):
    assert import_file(client, 2025, "m.xlsx", xlsx_bytes(HEADERS, GOOD_ROWS)).status_code == 303
    response = client.get("/monitoring/2025/criteria", follow_redirects=True)
    assert "критерии менять нельзя" in page_text(response)

    page = client.get("/monitoring/2025").get_data(as_text=True)
    token = re.search(
        r'action="/monitoring/2025/clear".*?name="csrf_token" type="hidden" value="([^"]+)"', page, re.S
    ).group(1)
    refused = client.post("/monitoring/2025/clear", data={"csrf_token": token, "reason": " "})
    assert refused.status_code == 400 and "Укажите причину удаления результатов" in page_text(refused)
    assert count(runtime, MonitoringResult) == 3

    response = client.post("/monitoring/2025/clear", data={"csrf_token": token, "reason": "Ошибка в критериях"})
    assert response.status_code == 303
    assert count(runtime, MonitoringResult) == 0
    [cleared] = events(runtime, "monitoring_cleared")
    assert cleared.reason == "Ошибка в критериях" and json.loads(cleared.data)["deleted"] == 3
    assert client.get("/monitoring/2025/criteria").status_code == 200


# --- flags, overview, history, export ------------------------------------------------------------


def test_a_score_under_50_percent_is_flagged_everywhere_it_is_listed(client, runtime, admin, year_2025):
    rows = [row[:] for row in GOOD_ROWS]
    rows[1][2:6] = [50, "допустимый", 20, 10]  # exactly 50 %: acceptable, not flagged
    assert import_file(client, 2025, "m.xlsx", xlsx_bytes(HEADERS, rows)).status_code == 303

    overview = client.get("/monitoring/2025").get_data(as_text=True)
    flagged_rows = [r for r in re.findall(r'<tr class="flagged">(.*?)</tr>', overview, re.S)]
    assert len(flagged_rows) == 1 and "ДДТ" in flagged_rows[0] and "антикризисная программа" in flagged_rows[0]

    registry = client.get("/organizations/").get_data(as_text=True)
    assert len(re.findall(r'<tr class="flagged">', registry)) == 1

    with runtime.sessions() as s:
        ddt_id = s.scalar(select(MonitoringResult.organization_id).where(MonitoringResult.total_percent < 50))
    history = page_text(client.get(f"/organizations/{ddt_id}"))
    assert "42,5 %" in history and "критический" in history and "3 из 3" in history
    assert "антикризисная программа" in history
    assert "<svg" in history  # the sparkline, without JavaScript
    assert "Руководители и приказы" in history

    assert monitoring.is_flagged(49.99) and not monitoring.is_flagged(50.0)


def test_the_overview_ranks_by_score_filters_by_kind_and_exports_to_xlsx(client, runtime, admin, year_2025):
    rows = [row[:] for row in GOOD_ROWS]
    rows[1][2:6] = [91.5, "оптимальный", 38, 17]  # a tie with the school
    assert import_file(client, 2025, "m.xlsx", xlsx_bytes(HEADERS, rows)).status_code == 303

    exported = client.get("/monitoring/2025/export.xlsx")
    assert exported.status_code == 200
    sheet = read_xlsx(exported.data)
    assert sheet[0][:7] == [
        "Место",
        "Организация",
        "Вид",
        "Руководитель",
        "Итоговый балл, %",
        "Уровень",
        "Антикризисная программа (менее 50 %)",
    ]
    # Equal totals share the place (then by short name); the next place counts both.
    assert [(r[0], r[1], r[4], r[5], r[6]) for r in sheet[1:]] == [
        (1, KINDERGARTEN, 91.5, "оптимальный", None),
        (1, SCHOOL, 91.5, "оптимальный", None),
        (3, DDT, 42.5, "критический", "да"),
    ]
    assert sheet[1][7:] == [38, 17]

    schools = page_text(client.get("/monitoring/2025?kind=kindergarten"))
    assert "д/с «Северяночка»" in schools and "Нижнеангарская СОШ № 1" not in schools
    only_kindergartens = read_xlsx(client.get("/monitoring/2025/export.xlsx?kind=kindergarten").data)
    assert [r[1] for r in only_kindergartens[1:]] == [KINDERGARTEN]


# --- files that are not what they claim, sizes, CSRF ----------------------------------------------


def test_forged_and_unsupported_files_are_refused_in_russian(client, runtime, admin, year_2025):
    cases = [
        ("monitoring.xlsx", "Организация;Руководитель\n".encode(), "не является книгой Excel"),
        ("monitoring.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "XLS (Excel 97–2003) не поддерживаются"),
        ("monitoring.csv", xlsx_bytes(HEADERS, GOOD_ROWS), "не является текстовым файлом CSV"),
        ("monitoring.pdf", b"%PDF-1.4 ...", "Поддерживаются только файлы XLSX и CSV"),
        ("monitoring.xlsx", b"PK\x03\x04 broken", "повреждён"),
        ("monitoring.csv", b"", "Файл пуст"),
    ]
    for filename, content, message in cases:
        response = import_file(client, 2025, filename, content)
        assert response.status_code == 400, filename
        assert message in page_text(response), (filename, page_text(response)[:2000])
    token = _csrf_token(client.get("/monitoring/2025").get_data(as_text=True))
    no_file = client.post("/monitoring/2025/import", data={"csrf_token": token}, content_type="multipart/form-data")
    assert no_file.status_code == 400 and "Выберите файл для загрузки" in page_text(no_file)
    assert count(runtime, MonitoringResult) == 0
    assert events(runtime, "monitoring_imported") == []


def test_uploads_over_the_configured_size_are_refused(client, runtime, app, admin, year_2025):
    runtime.settings["uploads"]["max_size_mb"] = 1
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    big = csv_bytes(HEADERS, GOOD_ROWS) + b" " * (1024 * 1024 + 10)
    response = import_file(client, 2025, "m.csv", big)
    assert response.status_code == 400
    assert "Файл больше 1 МБ" in page_text(response)

    huge = b"x" * (3 * 1024 * 1024)
    response = import_file(client, 2025, "m.csv", huge)
    assert response.status_code == 413
    assert "Файл больше 1 МБ" in page_text(response)
    assert count(runtime, MonitoringResult) == 0


def test_an_import_without_the_csrf_token_is_refused(client, runtime, admin, year_2025):
    response = client.post(
        "/monitoring/2025/import",
        data={"file": (io.BytesIO(xlsx_bytes(HEADERS, GOOD_ROWS)), "m.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert count(runtime, MonitoringResult) == 0


# --- who sees what --------------------------------------------------------------------------------


def test_hr_secretary_and_chair_read_monitoring_but_cannot_change_it(client, auth, runtime, district, year_2025):
    with runtime.transaction() as s:
        admin_user = s.get(User, district.users["admin"])
        year = s.scalar(select(MonitoringYear).where(MonitoringYear.year == 2025))
        content = xlsx_bytes(HEADERS, GOOD_ROWS)
        monitoring.import_results(
            s, admin_user, year, read_table(content, "m.xlsx"), now=runtime.now(), sha256="0" * 64, filename="m.xlsx"
        )
    organization_id = district.organizations[0]
    for key in ("hr", "secretary", "chair"):
        auth.login(f"{key}@example.ru")
        for url in (
            "/monitoring/",
            "/monitoring/2025",
            "/monitoring/2025/export.xlsx",
            "/organizations/",
            f"/organizations/{organization_id}",
        ):
            assert client.get(url).status_code == 200, (key, url)
        overview = client.get("/monitoring/2025").get_data(as_text=True)
        assert "/monitoring/2025/import" not in overview and "template.xlsx" not in overview
        for url in (
            "/monitoring/new",
            "/monitoring/2025/criteria",
            "/monitoring/2025/template.xlsx",
            "/monitoring/2025/template.csv",
        ):
            assert client.get(url).status_code == 404, (key, url)
        token = _csrf_token(client.get("/monitoring/2025").get_data(as_text=True))
        response = client.post(
            "/monitoring/2025/import",
            data={
                "csrf_token": token,
                "replace": "y",
                "file": (io.BytesIO(xlsx_bytes(HEADERS, GOOD_ROWS[:1])), "m.xlsx"),
            },
            content_type="multipart/form-data",
        )
        assert response.status_code == 404
        assert client.post("/monitoring/2025/clear", data={"csrf_token": token, "reason": "x"}).status_code == 404
        auth.logout()
    assert count(runtime, MonitoringResult) == 3


def test_applicants_members_and_the_public_see_nothing_of_monitoring(client, auth, runtime, district, year_2025):
    organization_id = district.organizations[0]
    urls = (
        "/monitoring/",
        "/monitoring/2025",
        "/monitoring/2025/export.xlsx",
        "/monitoring/new",
        "/organizations/",
        f"/organizations/{organization_id}",
        "/organizations/import",
    )
    for url in urls:
        assert client.get(url).status_code == 302, url  # to the login page
    public = client.get("/public/").get_data(as_text=True)
    assert "/monitoring" not in public
    for key in ("applicant", "member"):
        auth.login(f"{key}@example.ru")
        for url in urls:
            assert client.get(url).status_code == 404, (key, url)
        assert "/monitoring/" not in client.get("/").get_data(as_text=True)
        auth.logout()


def test_an_unknown_year_is_404(client, admin):
    assert client.get("/monitoring/1999").status_code == 404


# --- the demo --------------------------------------------------------------------------------------


def test_the_demo_has_two_years_of_monitoring_with_one_school_under_50_percent(runtime):
    from reserve_flow.core.audit.chain import verify_chain
    from reserve_flow.demo.district import seed_demo

    seed_demo(runtime)
    with runtime.sessions() as s:
        summaries = monitoring.years(s)
        assert [y.year.year for y in summaries] == [2026, 2025]
        newest, older = summaries
        assert newest.flagged == 1 and older.flagged == 0
        levels = [r.level for r in newest.year.results]
        assert levels.count("critical") == 1
        assert 2 <= levels.count("acceptable") <= 4
        assert levels.count("optimal") > len(levels) / 2
        assert all(len(r.scores) == len(newest.year.criteria) for r in newest.year.results)
        assert verify_chain(s).ok
    assert len(events(runtime, "monitoring_imported")) == 2
