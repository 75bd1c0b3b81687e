"""The registry of organizations: the administrator's list with filters, create, edit,
deactivate; imports from XLSX and CSV (all or nothing, matched by ИНН or full name),
the template round trip; and who may see or change what."""

from __future__ import annotations

import io
import json
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from reserve_flow.appointments.models import Vacancy
from reserve_flow.appointments.services import vacancies as appointments
from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.core.workflow.errors import ConcurrentChange
from reserve_flow.organizations.models.organizations import Organization
from reserve_flow.organizations.services import organizations as service
from reserve_flow.people.models import User
from tests.fixtures.monitoring import (
    DDT,
    KINDERGARTEN,
    SCHOOL,
    count,
    csv_bytes,
    events,
    upload,
    xlsx_bytes,
)
from tests.helpers import _csrf_token

INN_1, INN_2, INN_3 = "0317001236", "0317004565", "0317007894"
HEADERS = [
    "Вид организации",
    "Полное наименование",
    "Краткое наименование",
    "Адрес",
    "ИНН",
    "Телефон",
    "Электронная почта",
    "Руководитель (ФИО)",
]


def page_text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def organizations(runtime) -> dict[str, Organization]:
    with runtime.sessions() as s:
        return {o.full_name: o for o in s.scalars(select(Organization))}


def form_data(client, url, **values):
    page = client.get(url).get_data(as_text=True)
    data = {
        "csrf_token": _csrf_token(page),
        "kind": "school",
        "full_name": "",
        "short_name": "",
        "address": "",
        "inn": "",
        "phone": "",
        "email": "",
        "head_name": "",
        "head_user_id": "0",
    }
    version = re.search(r'id="version" name="version" type="hidden" value="(\d+)"', page)
    if version:
        data["version"] = version.group(1)
    data.update(values)
    return data


def import_registry(client, filename, content):
    return upload(client, "/organizations/import", "/organizations/import", filename, content)


# --- create, edit, deactivate --------------------------------------------------------------------


def test_admin_adds_an_organization_and_it_is_audited(client, runtime, admin):
    response = client.post(
        "/organizations/new",
        data=form_data(
            client,
            "/organizations/new",
            kind="school",
            full_name="МБОУ «Кичерская СОШ»",
            short_name="Кичерская СОШ",
            address="с. Кичера, ул. Школьная, 2",
            inn=INN_1,
            phone="8 (30130) 4-11-11",
            email="Kichera@School.RU",
            head_name="Аюшеева Дарима Цыреновна",
        ),
    )
    assert response.status_code == 303
    added = organizations(runtime)["МБОУ «Кичерская СОШ»"]
    assert (added.inn, added.email, added.active, added.head_name) == (
        INN_1,
        "kichera@school.ru",
        True,
        "Аюшеева Дарима Цыреновна",
    )
    [event] = events(runtime, "organization_created")
    assert event.subject_id == added.id and json.loads(event.data)["inn"] == INN_1
    assert "Кичерская СОШ" in page_text(client.get(response.headers["Location"]))


def test_a_wrong_inn_a_taken_name_or_a_bad_email_is_refused_in_russian_and_nothing_is_saved(client, runtime, admin):
    before = (count(runtime, Organization), count(runtime, AuditEvent))
    response = client.post(
        "/organizations/new",
        data=form_data(
            client,
            "/organizations/new",
            full_name='мбоу  "Нижнеангарская СОШ № 1"',
            short_name="Дубль",
            inn="0317001237",
            email="не-почта",
        ),
    )
    assert response.status_code == 400
    text = page_text(response)
    assert "организация с наименованием «МБОУ «Нижнеангарская СОШ № 1»» уже есть в реестре" in text
    assert "ИНН «0317001237» с ошибкой: не сходится контрольная цифра" in text
    assert "некорректный адрес электронной почты «не-почта»" in text
    assert (count(runtime, Organization), count(runtime, AuditEvent)) == before


def test_an_edit_records_what_changed_and_a_stale_edit_is_refused(client, runtime, admin, district):
    organization_id = district.organizations[1]
    url = f"/organizations/{organization_id}/edit"
    stale = form_data(
        client,
        url,
        kind="kindergarten",
        full_name=KINDERGARTEN,
        short_name="д/с «Северяночка»",
        head_name="Морозова Елена Викторовна",
        head_user_id=str(district.users["hr"]),
    )
    fresh = dict(stale, phone="8 (30130) 4-22-22")
    assert client.post(url, data=fresh).status_code == 303
    with runtime.sessions() as s:
        saved = s.get(Organization, organization_id)
        assert (saved.phone, saved.head_user_id, saved.version) == ("8 (30130) 4-22-22", district.users["hr"], 2)
    [event] = events(runtime, "organization_updated")
    assert json.loads(event.data)["changed"]["phone"] == ["", "8 (30130) 4-22-22"]

    response = client.post(url, data=dict(stale, phone="8 (30130) 4-33-33"))
    assert response.status_code == 409
    assert "только что изменил другой пользователь" in page_text(response)
    with runtime.sessions() as s:
        assert s.get(Organization, organization_id).phone == "8 (30130) 4-22-22"


def test_the_head_can_be_linked_to_an_account_and_takes_its_name(client, runtime, admin, district):
    organization_id = district.organizations[2]
    url = f"/organizations/{organization_id}/edit"
    response = client.post(
        url,
        data=form_data(
            client, url, kind="additional", full_name=DDT, short_name="ДДТ", head_user_id=str(district.users["member2"])
        ),
    )
    assert response.status_code == 303
    page = page_text(client.get(f"/organizations/{organization_id}"))
    assert "Оценщиков Пётр Ильич" in page and "member2@example.ru" in page


def test_a_deactivated_organization_leaves_lists_and_templates_but_keeps_its_page(
    client, runtime, admin, district, year_2025
):
    organization_id = district.organizations[2]
    page = client.get(f"/organizations/{organization_id}").get_data(as_text=True)
    version = re.search(r'id="version" name="version" type="hidden" value="(\d+)"', page).group(1)
    response = client.post(
        f"/organizations/{organization_id}/deactivate", data={"csrf_token": _csrf_token(page), "version": version}
    )
    assert response.status_code == 303
    assert organizations(runtime)[DDT].active is False
    assert len(events(runtime, "organization_deactivated")) == 1

    assert "ДДТ" not in page_text(client.get("/organizations/"))
    assert "ДДТ" in page_text(client.get("/organizations/?status=inactive"))
    template = load_workbook(io.BytesIO(client.get("/monitoring/2025/template.xlsx").data)).worksheets[0]
    assert DDT not in [row[0] for row in template.iter_rows(values_only=True)]
    assert "Организация закрыта" in page_text(client.get(f"/organizations/{organization_id}"))


def test_the_list_filters_by_kind_and_by_name(client, admin):
    kindergartens = page_text(client.get("/organizations/?kind=kindergarten"))
    assert "д/с «Северяночка»" in kindergartens and "Нижнеангарская СОШ № 1" not in kindergartens
    found = page_text(client.get("/organizations/?q=ддт"))
    assert "ДДТ" in found and "Северяночка" not in found


# --- import ----------------------------------------------------------------------------------------


def test_an_xlsx_import_adds_new_and_updates_existing_matched_by_name_or_inn(client, runtime, admin, district):
    with runtime.transaction() as s:
        s.get(Organization, district.organizations[2]).inn = INN_3
        s.get(Organization, district.organizations[0]).phone = "8 (30130) 4-11-11"
    rows = [
        # Matched by full name written with other quotes and case; the empty phone keeps the old one.
        [
            "школа",
            'мбоу "нижнеангарская сош № 1"',
            "Нижнеангарская СОШ № 1",
            "пгт Нижнеангарск, ул. Победы, 41",
            INN_1,
            None,
            None,
            "Пантелеев Андрей Николаевич",
        ],
        # Matched by ИНН: renamed.
        [
            "дополнительное образование",
            "МБУ ДО «Северо-Байкальский Дом детского творчества»",
            "ДДТ",
            None,
            INN_3,
            None,
            None,
            "Зайцева Надежда Петровна",
        ],
        [
            "детский сад",
            "МБДОУ детский сад «Солнышко»",
            "д/с «Солнышко»",
            "пгт Новый Уоян",
            INN_2,
            None,
            "solnyshko@example.ru",
            "Данилова Марина Сергеевна",
        ],
    ]
    content = xlsx_bytes(HEADERS, rows)
    response = import_registry(client, "Реестр ОО.xlsx", content)
    assert response.status_code == 303, page_text(response)
    assert "Добавлено организаций: 1, обновлено: 2" in page_text(client.get("/organizations/"))
    found = organizations(runtime)
    assert len(found) == 4
    school = found[SCHOOL]
    assert (school.inn, school.phone, school.head_name) == (INN_1, "8 (30130) 4-11-11", "Пантелеев Андрей Николаевич")
    renamed = found["МБУ ДО «Северо-Байкальский Дом детского творчества»"]
    assert renamed.id == district.organizations[2] and renamed.head_name == "Зайцева Надежда Петровна"
    added = found["МБДОУ детский сад «Солнышко»"]
    assert (added.kind, added.inn, added.active) == ("kindergarten", INN_2, True)
    [event] = events(runtime, "organizations_imported")
    data = json.loads(event.data)
    assert (data["created"], data["updated"], data["unchanged"], data["file_name"]) == (1, 2, 0, "Реестр ОО.xlsx")


def test_a_cp1251_csv_with_semicolons_imports(client, runtime, admin):
    rows = [["школа", "МБОУ «Кумора СОШ»", "Куморская СОШ", "с. Кумора", INN_1, "", "", "Голубева Т. А."]]
    content = csv_bytes(HEADERS, rows, encoding="cp1251", delimiter=";")
    response = import_registry(client, "reestr.csv", content)
    assert response.status_code == 303, page_text(response)
    assert organizations(runtime)["МБОУ «Кумора СОШ»"].head_name == "Голубева Т. А."


def test_bad_rows_import_nothing_and_each_is_named(client, runtime, admin):
    rows = [
        ["школа", "МБОУ «Новая СОШ»", "Новая СОШ", "", INN_1, "", "", ""],  # 2: fine
        ["лицей-интернат", "МБОУ «Лицей»", "Лицей", "", "", "", "", ""],  # 3: unknown kind
        ["школа", "МБОУ «Ещё СОШ»", "Ещё СОШ", "", "12345", "", "", ""],  # 4: bad ИНН
        ["школа", "МБОУ «новая СОШ»", "Новая", "", "", "", "", ""],  # 5: duplicate of row 2
        ["детский сад", "", "Без имени", "", "", "", "", ""],  # 6: no full name
        ["школа", "МБОУ «Третья СОШ»", "", "", INN_1, "", "", ""],  # 7: ИНН again, no short name
    ]
    before = (count(runtime, Organization), count(runtime, AuditEvent))
    response = import_registry(client, "reestr.xlsx", xlsx_bytes(HEADERS, rows))
    assert response.status_code == 400
    text = page_text(response)
    assert "Файл не загружен" in text
    assert "Строка 3: вид организации «лицей-интернат» не распознан" in text
    assert "Строка 4: ИНН «12345» должен состоять из 10 цифр" in text
    assert "Строка 5: организация уже указана в строке 2" in text
    assert "Строка 6: не указано полное наименование" in text
    assert "Строка 7: ИНН 0317001236 уже указан в строке 2" in text
    assert "Строка 7: не указано краткое наименование" in text
    assert "Строка 2:" not in text
    assert (count(runtime, Organization), count(runtime, AuditEvent)) == before


def test_a_file_without_the_required_columns_is_refused(client, runtime, admin):
    response = import_registry(client, "r.csv", csv_bytes(["Наименование ОО", "Адрес"], [["МБОУ «Х»", "с. Х"]]))
    assert response.status_code == 400
    text = page_text(response)
    assert "неизвестный столбец «Наименование ОО»" in text
    assert "нет обязательного столбца «Вид организации»" in text


def test_the_template_round_trips_with_an_edit_and_a_new_row(client, runtime, admin):
    template = client.get("/organizations/template.xlsx")
    assert template.status_code == 200
    book = load_workbook(io.BytesIO(template.data))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == HEADERS
    assert sheet.max_row == 4  # the three organizations of the district
    for row in sheet.iter_rows(min_row=2):
        if row[1].value == KINDERGARTEN:
            row[5].value = "8 (30130) 4-55-55"
    sheet.append(["школа", "МБОУ «Холоднинская СОШ»", "Холоднинская СОШ", "с. Холодное", INN_2, "", "", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    response = import_registry(client, "organizations.xlsx", buffer.getvalue())
    assert response.status_code == 303, page_text(response)
    found = organizations(runtime)
    assert found[KINDERGARTEN].phone == "8 (30130) 4-55-55"
    assert found["МБОУ «Холоднинская СОШ»"].inn == INN_2
    data = json.loads(events(runtime, "organizations_imported")[0].data)
    assert (data["created"], data["updated"], data["unchanged"]) == (1, 1, 2)

    csv_template = client.get("/organizations/template.csv")
    assert csv_template.data.startswith(b"\xef\xbb\xbf")
    assert "Вид организации;Полное наименование" in csv_template.data.decode("utf-8-sig")


def test_a_renamed_non_spreadsheet_is_refused(client, runtime, admin):
    response = import_registry(client, "reestr.xlsx", b"%PDF-1.7 not a workbook")
    assert response.status_code == 400
    assert "не является книгой Excel" in page_text(response)
    assert count(runtime, Organization) == 3


# --- who may do what -------------------------------------------------------------------------------


def test_staff_read_the_registry_but_only_the_administrator_changes_it(client, auth, runtime, district):
    organization_id = district.organizations[0]
    for key in ("hr", "secretary", "chair"):
        auth.login(f"{key}@example.ru")
        assert client.get("/organizations/").status_code == 200
        assert client.get(f"/organizations/{organization_id}").status_code == 200
        page = client.get(f"/organizations/{organization_id}").get_data(as_text=True)
        assert "/edit" not in page and "Закрыть организацию" not in page
        for url in (
            "/organizations/new",
            f"/organizations/{organization_id}/edit",
            "/organizations/import",
            "/organizations/template.xlsx",
        ):
            assert client.get(url).status_code == 404, (key, url)
        token = _csrf_token(page)
        assert (
            client.post(
                f"/organizations/{organization_id}/deactivate", data={"csrf_token": token, "version": "1"}
            ).status_code
            == 404
        )
        auth.logout()
    assert organizations(runtime)[SCHOOL].active is True


def test_applicants_get_404_and_unknown_organizations_are_404(client, auth, district):
    auth.login("applicant@example.ru")
    assert client.get("/organizations/").status_code == 404
    assert client.get(f"/organizations/{district.organizations[0]}").status_code == 404
    auth.logout()
    auth.login("admin@example.ru")
    assert client.get("/organizations/999").status_code == 404
    assert client.get("/organizations/999/edit").status_code == 404


def test_two_simultaneous_edits_of_one_organization_do_not_overwrite_each_other(runtime, district):
    organization_id = district.organizations[0]
    first, second = runtime.sessions(), runtime.sessions()
    try:
        mine, theirs = first.get(Organization, organization_id), second.get(Organization, organization_id)
        data = service.OrganizationData(kind="school", full_name=SCHOOL, short_name="Нижнеангарская СОШ № 1")
        service.update_organization(
            first,
            mine,
            first.get(User, district.users["admin"]),
            service.OrganizationData(**{**data.__dict__, "phone": "1"}),
            1,
            runtime.now(),
        )
        first.commit()
        with pytest.raises(ConcurrentChange):
            service.update_organization(
                second,
                theirs,
                second.get(User, district.users["admin"]),
                service.OrganizationData(**{**data.__dict__, "phone": "2"}),
                1,
                runtime.now(),
            )
        second.rollback()
    finally:
        first.close()
        second.close()
    assert organizations(runtime)[SCHOOL].phone == "1"


def test_an_organization_with_an_open_vacancy_is_not_closed(client, runtime, admin, district):
    """The HR officer's vacancy would be left with nowhere to appoint to: closing waits."""
    organization_id = district.organizations[2]
    with runtime.sessions() as s:
        vacancy = appointments.open_vacancy(
            runtime,
            s,
            s.get(User, district.users["hr"]),
            organization_id=organization_id,
            reason="retirement",
            planned_on=date(2027, 2, 1),
        )
    page = client.get(f"/organizations/{organization_id}").get_data(as_text=True)
    version = re.search(r'id="version" name="version" type="hidden" value="(\d+)"', page).group(1)
    response = client.post(
        f"/organizations/{organization_id}/deactivate",
        data={"csrf_token": _csrf_token(page), "version": version},
        follow_redirects=True,
    )
    assert f"В организации открыта вакансия руководителя № {vacancy.id}" in page_text(response)
    assert organizations(runtime)[DDT].active is True
    assert events(runtime, "organization_deactivated") == []
    with runtime.sessions() as s:
        assert s.get(Vacancy, vacancy.id).state == "open"
