"""The programme for forming the reserve: targets and events kept by the HR officer,
actual values computed from data this test builds, the chart, and the yearly report
(XLSX and PDF) with the same figures."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from reserve_flow.appointments.services import vacancies as appointment_service
from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.reserve.models.membership import ReserveMembership
from reserve_flow.reserve.models.programme import ProgrammeTarget, ReserveProgramme
from reserve_flow.reserve.services import plan as plan_service
from reserve_flow.reserve.services import programme as service
from tests.fixtures.appointment import Appointment, act
from tests.fixtures.history import JUSTIFICATION, appoint_directly, appoint_member, issue_on
from tests.fixtures.reserve import (
    PDF,
    add_item,
    as_user,
    confirm,
    course,
    internship,
    post,
    upload,
)
from tests.fixtures.scheduler import irkutsk


def build(runtime, reserve) -> None:
    """2026: the first member (school) agrees a plan due 20.12.2026 and completes it on
    25.11.2026 (an internship held); the second (kindergarten) agrees a plan due 10.12.2026
    and does nothing. 15.01.2027: the first is appointed head of the school by order № 1-к;
    20.01.2027: «mentor2», outside the reserve, head of the additional education
    organization by order № 2-к."""
    first, second = reserve.first, reserve.second
    course_id = add_item(runtime, reserve, first, course(due=date(2026, 12, 15), starts_on=None, ends_on=None))
    internship_id = add_item(runtime, reserve, first, _internship(reserve))
    confirm(runtime, reserve, "hr", first)
    confirm(runtime, reserve, "applicant", first)
    for item_id, kind in ((course_id, "certificate"), (internship_id, "report")):
        upload(
            runtime, reserve, "applicant", first, item_id, kind=kind, name=f"{kind}.pdf", content=PDF + kind.encode()
        )
        as_user(runtime, reserve, "applicant", plan_service.submit_item, first, item_id)
    as_user(runtime, reserve, "mentor", plan_service.review_item, first, internship_id, "Стажировку прошла успешно")
    for item_id in (course_id, internship_id):
        as_user(runtime, reserve, "hr", plan_service.accept_item, first, item_id)
    with runtime.transaction() as s:
        s.get(ReserveMembership, second).position_kind = "kindergarten"
    add_item(runtime, reserve, second, course(due=date(2026, 12, 10), starts_on=None, ends_on=None))
    confirm(runtime, reserve, "hr", second)
    confirm(runtime, reserve, "applicant2", second)
    school = Appointment(
        reserve,
        act(
            runtime,
            reserve.district,
            "hr",
            appointment_service.open_vacancy,
            organization_id=reserve.district.organizations[0],
            reason="retirement",
            planned_on=date(2027, 2, 1),
        ).id,
    )
    appoint_member(runtime, school, first)
    additional = appoint_directly(runtime, reserve, 2, "mentor2")
    runtime.engine.clock = lambda: irkutsk(2027, 1, 15, 11)
    issue_on(runtime, reserve.district, school.vacancy, date(2027, 1, 15))
    runtime.engine.clock = lambda: irkutsk(2027, 1, 20, 11)
    issue_on(runtime, reserve.district, additional, date(2027, 1, 20))


def _internship(reserve):
    """An internship in December 2026."""
    data = internship(reserve, due=date(2026, 12, 20))
    data.starts_on, data.ends_on = date(2026, 12, 1), date(2026, 12, 14)
    return data


def test_actual_values_are_computed_from_the_data(runtime, reserve):
    build(runtime, reserve)
    today = date(2027, 1, 20)
    with runtime.sessions() as s:
        actual_2026 = service.actual_values(runtime, s, 2026, today)
        actual_2027 = service.actual_values(runtime, s, 2027, today)
        actual_2028 = service.actual_values(runtime, s, 2028, today)
    values = {code: a.value for code, a in actual_2026.items()}
    assert values == {
        "members_school": 1,
        "members_kindergarten": 1,
        "members_additional": 0,
        "vacancies_filled": None,
        "plan_on_time": 50.0,
        "internships": 1,
        "appointed": 0,
    }
    assert actual_2026["members_school"].note == "на 31.12.2026"
    assert actual_2026["plan_on_time"].note == "в срок 1 из 2"
    assert actual_2026["vacancies_filled"].note == "нет закрытых вакансий"
    values = {code: a.value for code, a in actual_2027.items()}
    assert values == {
        "members_school": 0,
        "members_kindergarten": 1,
        "members_additional": 0,
        "vacancies_filled": 50.0,
        "plan_on_time": None,
        "internships": 0,
        "appointed": 1,
    }
    assert actual_2027["vacancies_filled"].note == "из резерва 1 из 2"
    with runtime.sessions() as s:
        assert [(d.organization, d.order) for d in service.direct_appointments(s, 2027, today)] == [
            ("ДДТ", "Приказ № 2-к от 20.01.2027")
        ]
        assert service.direct_appointments(s, 2026, today) == []
    assert actual_2027["members_kindergarten"].note == "на 20.01.2027"
    with runtime.sessions() as s:
        before_second = service.actual_values(runtime, s, 2027, date(2027, 1, 15))["vacancies_filled"]
    assert (before_second.value, before_second.note) == (100.0, "из резерва 1 из 1")
    assert {a.value for a in actual_2028.values()} == {None}


def test_hr_keeps_the_programme_and_reports_the_year(runtime, reserve, client, auth):
    build(runtime, reserve)
    auth.login("hr@example.ru")
    response = post(
        client,
        "/programme/",
        {
            "title": "Программа формирования кадрового резерва руководителей ОО",
            "first_year": "2026",
            "last_year": "2028",
            "approved_by": "постановление администрации МО № 15 от 01.02.2026",
        },
        token_from="/programme/",
    )
    assert response.status_code == 303
    with runtime.sessions() as s:
        programme_id = s.scalars(select(ReserveProgramme.id)).one()
    base = f"/programme/{programme_id}"
    targets = {
        "t:members_school:2026": "2",
        "t:members_kindergarten:2026": "1",
        "t:plan_on_time:2026": "80",
        "t:internships:2026": "1",
        "t:appointed:2027": "2",
        "t:vacancies_filled:2027": "50",
    }
    assert post(client, f"{base}/targets", targets, token_from=base).status_code == 303
    assert (
        post(
            client,
            f"{base}/events",
            {
                "year": "2026",
                "title": "Семинар для резервистов «Школа молодого руководителя»",
                "planned_on": "2026-12-01",
                "responsible": "РУО, специалист по кадрам",
            },
            token_from=base,
        ).status_code
        == 303
    )
    with runtime.sessions() as s:
        event_id = s.get(ReserveProgramme, programme_id).events[0].id
    assert (
        post(
            client,
            f"{base}/events/{event_id}/held",
            {"held_on": "2026-12-02", "note": "18 участников"},
            token_from=base,
        ).status_code
        == 303
    )

    html = client.get(base).get_data(as_text=True)
    assert "<svg" in html and "2026, цель: 80 %" in html and "2026, факт: 50 %" in html  # the chart's bars
    assert "в срок 1 из 2" in html

    xlsx = client.get(f"{base}/report/2026.xlsx")
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.data))
    rows = {r[0]: r for r in book["Показатели"].iter_rows(min_row=4, values_only=True)}
    assert rows["Резервисты на должность руководителя общеобразовательной организации"][2:5] == (2, 1, 50)
    assert rows["Доля резервистов, выполнивших план развития в срок"][2:5] == (80, 50, 62.5)
    assert rows["Проведено стажировок резервистов"][2:5] == (1, 1, 100)
    assert rows["Доля вакансий руководителей, замещённых из резерва"][3:] == (None, None, "нет закрытых вакансий")
    events = list(book["Мероприятия"].iter_rows(min_row=4, values_only=True))
    assert events[0][0].startswith("Семинар для резервистов") and events[0][3].date() == date(2026, 12, 2)
    composition = dict(book["Состав резерва"].iter_rows(min_row=4, values_only=True))
    assert composition["Назначен руководителем"] == 1 and composition["План развития согласован"] == 1

    pdf = client.get(f"{base}/report/2026.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    text = " ".join(text.split())
    assert "ОТЧЁТ О РЕАЛИЗАЦИИ ПРОГРАММЫ ЗА 2026 ГОД" in text
    assert "постановление администрации МО № 15 от 01.02.2026" in text
    assert "Фактические значения — на 31.12.2026" in text
    assert "80 50 62,5 в срок 1 из 2" in text
    assert "Семинар для резервистов" in text and "02.12.2026" in text
    assert "Заявителева" not in text  # no personal data in a report to publish
    assert "Назначения руководителей вне кадрового резерва в 2026 году: 0" in text

    book = load_workbook(io.BytesIO(client.get(f"{base}/report/2027.xlsx").data))
    rows = {r[0]: r for r in book["Показатели"].iter_rows(min_row=4, values_only=True)}
    assert rows["Доля вакансий руководителей, замещённых из резерва"][2:] == (50, 50, 100, "из резерва 1 из 2")
    sheet = book["Назначения вне резерва"]
    assert "в 2027 году: 1" in sheet["A1"].value
    (direct,) = sheet.iter_rows(min_row=4, values_only=True)
    assert direct[0] == "ДДТ" and direct[2] == "Приказ № 2-к от 20.01.2027"
    # The public page names whom an order appointed: the justification (about that person) stays with staff.
    assert JUSTIFICATION not in [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    pdf = client.get(f"{base}/report/2027.pdf")
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages).split())
    assert "Назначения руководителей вне кадрового резерва в 2027 году: 1" in text
    assert "Приказ № 2-к от 20.01.2027" in text and "Опыт руководства школой 12 лет" not in text
    assert "Опытов" not in text  # the appointee is not named in a report to publish
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.kind == "programme_report")) == 4


def test_programme_refusals_change_nothing(runtime, reserve, client, auth):
    auth.login("hr@example.ru")
    post(
        client,
        "/programme/",
        {"title": "Программа", "first_year": "2026", "last_year": "2028"},
        token_from="/programme/",
    )
    with runtime.sessions() as s:
        programme_id = s.scalars(select(ReserveProgramme.id)).one()
    base = f"/programme/{programme_id}"
    assert post(client, f"{base}/targets", {"t:plan_on_time:2026": "75"}, token_from=base).status_code == 303
    refused = post(
        client, f"{base}/targets", {"t:plan_on_time:2026": "120", "t:internships:2027": "много"}, token_from=base
    )
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "значение вне допустимых пределов" in text and "«много» — не число" in text
    refused = post(
        client, "/programme/", {"title": "", "first_year": "2028", "last_year": "2026"}, token_from="/programme/"
    )
    assert refused.status_code == 400 and "укажите период" in refused.get_data(as_text=True)
    with runtime.sessions() as s:
        assert [(t.indicator, t.year, t.value) for t in s.scalars(select(ProgrammeTarget))] == [
            ("plan_on_time", 2026, 75.0)
        ]
        assert s.scalar(select(func.count()).select_from(ReserveProgramme)) == 1
    auth.logout()
    auth.login("admin@example.ru")  # sees, does not edit
    assert client.get(base).status_code == 200
    refused = post(client, f"{base}/targets", {"t:plan_on_time:2026": "10"}, token_from=base)
    assert refused.status_code == 400 and "Программу ведёт специалист по кадрам." in refused.get_data(as_text=True)
    auth.logout()
    auth.login("applicant@example.ru")
    assert client.get(base).status_code == 404
    assert client.get(f"{base}/report/2026.pdf").status_code == 404
