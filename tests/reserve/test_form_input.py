"""Input a form cannot read (a date or a number that is not one) in the reserve's and the
appointments' forms: 400 with a Russian message naming the field, the page again with
what the user typed, and nothing written."""

from __future__ import annotations

from sqlalchemy import func, select

from reserve_flow.appointments.models import Vacancy
from reserve_flow.reserve.models.programme import ProgrammeEvent, ReserveProgramme
from tests.fixtures.reserve import course, membership_version, post, snapshot
from tests.reserve.test_reserve_plan import form_of


def test_a_bad_order_date_is_refused_naming_the_field_and_keeps_the_input(runtime, reserve, client, auth):
    m = reserve.second
    auth.login("hr@example.ru")
    before = snapshot(runtime)
    refused = post(
        client,
        f"/reserve/{m}/extend",
        {
            "version": membership_version(runtime, m),
            "order_number": "123-к",
            "order_date": "01.09.2029",
            "new_term_end": "2030-06-30",
        },
        token_from=f"/reserve/{m}",
    )
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "Дата приказа: Неверное значение даты." in text
    assert 'value="123-к"' in text and 'value="01.09.2029"' in text and 'value="2030-06-30"' in text
    assert snapshot(runtime) == before


def test_a_plan_item_with_hours_that_are_not_a_number_is_refused(runtime, reserve, client, auth):
    m = reserve.first
    auth.login("hr@example.ru")
    before = snapshot(runtime)
    refused = post(
        client,
        f"/reserve/{m}/items",
        form_of(course(title="Курсы по финансам"), version=membership_version(runtime, m), hours="семьдесят два"),
        token_from=f"/reserve/{m}",
    )
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "Объём, часов: Неверное целое число." in text
    assert 'value="Курсы по финансам"' in text and 'value="семьдесят два"' in text
    assert snapshot(runtime) == before


def test_a_form_without_its_version_is_not_a_step(runtime, reserve, client, auth):
    m = reserve.first
    auth.login("hr@example.ru")
    before = snapshot(runtime)
    assert (
        post(client, f"/reserve/{m}/plan/confirm", {"version": "вчерашняя"}, token_from=f"/reserve/{m}").status_code
        == 400
    )
    assert snapshot(runtime) == before


def test_a_vacancy_with_a_bad_planned_date_is_not_opened(runtime, reserve, client, auth):
    auth.login("hr@example.ru")
    refused = post(
        client,
        "/appointments/open",
        {
            "organization_id": reserve.district.organizations[0],
            "reason": "retirement",
            "planned_on": "в феврале",
            "position": "директор",
            "reason_note": "уходит на пенсию",
        },
        token_from="/appointments",
    )
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "Планируемая дата назначения: Неверное значение даты." in text
    assert 'value="директор"' in text and "уходит на пенсию</textarea>" in text
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Vacancy)) == 0


def test_a_programme_event_with_a_bad_year_is_refused(runtime, reserve, client, auth):
    auth.login("hr@example.ru")
    refused = post(
        client,
        "/programme/",
        {"title": "Программа", "first_year": "двадцать шестой", "last_year": "2028"},
        token_from="/programme/",
    )
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "Первый год: Неверное целое число." in text and 'value="двадцать шестой"' in text
    post(
        client,
        "/programme/",
        {"title": "Программа", "first_year": "2026", "last_year": "2028"},
        token_from="/programme/",
    )
    with runtime.sessions() as s:
        programme_id = s.scalars(select(ReserveProgramme.id)).one()
    base = f"/programme/{programme_id}"
    refused = post(
        client, f"{base}/events", {"year": "2026", "title": "Семинар", "planned_on": "весной"}, token_from=base
    )
    assert refused.status_code == 400 and "Планируемая дата: Неверное значение даты." in refused.get_data(as_text=True)
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ProgrammeEvent)) == 0
