"""What happens to a vacancy when people change their minds or their places: the
selected candidate withdrawn during attestation, a draft order redone for the same
person, a person wanted on two vacancies at once or appointed elsewhere meanwhile,
reserve members whose term has ended. Each refusal leaves the case as it was."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select, update

from reserve_flow.appointments.models import AppointmentOrder, AttestationSession, VacancyCandidate
from reserve_flow.appointments.services import vacancies as appointment_service
from reserve_flow.appointments.services.vacancies import AppointmentRefused
from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.core.notifications.models import OutboxMessage
from reserve_flow.core.workflow.errors import ReasonRequired
from reserve_flow.reserve.models.membership import ReserveMembership
from tests.appointments.test_appointment_pages import post
from tests.appointments.test_orders import second_vacancy
from tests.core.test_concurrency import race
from tests.fixtures.appointment import (
    Appointment,
    act,
    attest,
    choose,
    draft,
    issue_signed,
    shortlist,
    vacancy_state,
    vacancy_version,
)
from tests.helpers import load_user

FIRST, SECOND = "Заявителева Елена Андреевна", "Второв Сергей Павлович"


def eligible_ids(runtime, appointment: Appointment) -> list[int]:
    with runtime.sessions() as s:
        vacancy = appointment_service.get_vacancy(s, load_user(s, appointment.district, "hr"), appointment.vacancy)
        return [m.id for m in appointment_service.eligible_members(runtime, s, vacancy)]


def test_members_whose_term_has_ended_are_not_offered(runtime, appointment, client, auth):
    with runtime.transaction() as s:  # the term ended yesterday; the nightly job has not excluded them yet
        s.execute(
            update(ReserveMembership)
            .where(ReserveMembership.id == appointment.reserve.first)
            .values(term_end=date(2026, 11, 24))
        )
    assert eligible_ids(runtime, appointment) == [appointment.reserve.second]

    auth.login("hr@example.ru")
    html = client.get(f"/appointments/{appointment.vacancy}").get_data(as_text=True)
    offered = html.split('id="add-member"')[1].split("</section>")[0]
    assert SECOND in offered and FIRST not in offered


def case(runtime, vacancy_id: int) -> dict:
    """What a refused action must leave as it was: the vacancy's state and version, its
    candidates, attestation sessions, order and audit trail."""
    with runtime.sessions() as s:
        return {
            "state": vacancy_state(runtime, vacancy_id),
            "version": vacancy_version(runtime, vacancy_id),
            "candidates": sorted(
                s.execute(select(VacancyCandidate.id, VacancyCandidate.status, VacancyCandidate.status_note)).all()
            ),
            "sessions": s.scalar(select(func.count()).select_from(AttestationSession)),
            "orders": sorted(
                s.execute(select(AppointmentOrder.id, AppointmentOrder.start_on, AppointmentOrder.number)).all()
            ),
            "audit": s.scalar(select(func.count()).select_from(AuditEvent)),
        }


def candidate_row(runtime, candidate_id: int) -> tuple[str, str]:
    with runtime.sessions() as s:
        row = s.get(VacancyCandidate, candidate_id)
        return row.status, row.status_note


def withdraw_selected(runtime, appointment: Appointment, reason: str) -> None:
    act(
        runtime,
        appointment.district,
        "hr",
        appointment_service.withdraw_selected,
        appointment.vacancy,
        vacancy_version(runtime, appointment.vacancy),
        reason,
    )


# --- the selected candidate withdrawn during attestation ---


@pytest.mark.parametrize("attested", [False, True], ids=["before the session", "after passing it"])
def test_a_selected_candidate_who_declines_is_withdrawn_and_another_can_be_chosen(runtime, appointment, attested):
    first, second = shortlist(runtime, appointment, appointment.reserve.first, appointment.reserve.second)
    choose(runtime, appointment, first)
    if attested:
        attest(runtime, appointment, attested=True)
    before = case(runtime, appointment.vacancy)
    with pytest.raises(ReasonRequired):
        withdraw_selected(runtime, appointment, "  ")
    assert case(runtime, appointment.vacancy) == before

    withdraw_selected(runtime, appointment, "Отказалась от назначения: переезжает в другой район")
    assert vacancy_state(runtime, appointment.vacancy) == "shortlisted"
    assert candidate_row(runtime, first) == ("withdrawn", "Отказалась от назначения: переезжает в другой район")
    with runtime.sessions() as s:
        event = s.scalars(
            select(AuditEvent).where(AuditEvent.subject_type == "appointment").order_by(AuditEvent.id.desc())
        ).first()
        assert event.reason == "Отказалась от назначения: переезжает в другой район"
        told = s.scalars(
            select(OutboxMessage.recipient_id).where(OutboxMessage.template == "appointment.withdraw_selected")
        ).all()
        assert set(told) == {appointment.user("applicant")}
    choose(runtime, appointment, second)
    assert vacancy_state(runtime, appointment.vacancy) == "attestation"
    attest(runtime, appointment, attested=True)  # the new candidate's own session counts, not the first's


def test_hr_withdraws_the_selected_candidate_from_the_vacancy_page(runtime, appointment, client, auth):
    first, second = shortlist(runtime, appointment, appointment.reserve.first, appointment.reserve.second)
    choose(runtime, appointment, first)
    vacancy_id = appointment.vacancy
    auth.login("hr@example.ru")
    page = client.get(f"/appointments/{vacancy_id}").get_data(as_text=True)
    assert "Исключить кандидата: вернуться к списку" in page
    before = case(runtime, vacancy_id)
    url = f"/appointments/{vacancy_id}/selected/withdraw"
    refused = post(client, vacancy_id, url, {"reason": ""})
    assert refused.status_code == 400 and "причин" in refused.get_data(as_text=True).lower()
    assert case(runtime, vacancy_id) == before
    assert post(client, vacancy_id, url, {"reason": "Выбыла из резерва по собственному желанию"}).status_code == 303
    page = client.get(f"/appointments/{vacancy_id}").get_data(as_text=True)
    row = page.split(f'id="candidate-{first}"')[1].split("</tr>")[0]
    assert "исключён из списка" in row and "Выбыла из резерва по собственному желанию" in row
    assert "Направить на аттестацию" in page.split(f'id="candidate-{second}"')[1].split("</tr>")[0]
    assert "Исключить кандидата: вернуться к списку" not in page


# --- a draft redone for the same candidate ---


def two_days_on(runtime) -> None:
    runtime.engine.clock = lambda: datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


def drafted_for_tomorrow(runtime, appointment: Appointment) -> int:
    """The second member selected, attested and their draft dated 26.11.2026; the candidate's id."""
    (candidate,) = shortlist(runtime, appointment, appointment.reserve.second)
    choose(runtime, appointment, candidate)
    attest(runtime, appointment, attested=True)
    draft(runtime, appointment, start_on=date(2026, 11, 26))
    return candidate


def test_a_draft_whose_date_passed_is_redone_for_the_same_candidate_and_issued(runtime, appointment):
    candidate = drafted_for_tomorrow(runtime, appointment)
    two_days_on(runtime)
    before = case(runtime, appointment.vacancy)
    with pytest.raises(ReasonRequired):
        act(
            runtime,
            appointment.district,
            "hr",
            appointment_service.revise_draft,
            appointment.vacancy,
            vacancy_version(runtime, appointment.vacancy),
            "",
        )
    assert case(runtime, appointment.vacancy) == before

    act(
        runtime,
        appointment.district,
        "hr",
        appointment_service.revise_draft,
        appointment.vacancy,
        vacancy_version(runtime, appointment.vacancy),
        "Дата назначения прошла, пока проект согласовывали",
    )
    assert vacancy_state(runtime, appointment.vacancy) == "attestation"
    assert candidate_row(runtime, candidate) == ("selected", "")
    after = case(runtime, appointment.vacancy)
    assert after["orders"] == [] and after["sessions"] == before["sessions"]

    draft(runtime, appointment, start_on=date(2026, 12, 1))  # the passed attestation still counts
    order = issue_signed(runtime, appointment.district, appointment.vacancy)
    assert order.title == "Приказ № 1-к от 27.11.2026" and order.start_on == date(2026, 12, 1)
    assert vacancy_state(runtime, appointment.vacancy) == "closed"
    assert candidate_row(runtime, candidate)[0] == "appointed"


def test_hr_redoes_an_outdated_draft_from_the_vacancy_page(runtime, appointment, client, auth):
    drafted_for_tomorrow(runtime, appointment)
    two_days_on(runtime)
    vacancy_id = appointment.vacancy
    auth.login("hr@example.ru")
    page = client.get(f"/appointments/{vacancy_id}").get_data(as_text=True)
    assert "Дата назначения 26.11.2026 уже прошла" in page and ">Присвоить номер и передать на подпись<" not in page
    assert "Переделать проект приказа" in page
    before = case(runtime, vacancy_id)
    refused = post(client, vacancy_id, f"/appointments/{vacancy_id}/revise", {"reason": " "})
    assert refused.status_code == 400 and "причин" in refused.get_data(as_text=True).lower()
    assert case(runtime, vacancy_id) == before
    assert (
        post(client, vacancy_id, f"/appointments/{vacancy_id}/revise", {"reason": "Дата назначения прошла"}).status_code
        == 303
    )

    page = client.get(f"/appointments/{vacancy_id}").get_data(as_text=True)
    assert 'id="draft"' in page and SECOND in page.split('id="draft"')[1].split("</section>")[0]
    assert "Дата назначения прошла" in page  # in the history
    outdated = post(client, vacancy_id, f"/appointments/{vacancy_id}/draft", {"grounds": ""})
    assert outdated.status_code == 400 and "исправьте трудовой договор" in outdated.get_data(as_text=True)
    corrected = {
        "number": "17",
        "signed_on": "2026-11-25",
        "term": "5",
        "probation_months": "0",
        "start_on": "2026-12-01",
    }
    assert post(client, vacancy_id, f"/appointments/{vacancy_id}/contract", corrected).status_code == 303
    assert post(client, vacancy_id, f"/appointments/{vacancy_id}/draft", {"grounds": ""}).status_code == 303
    page = client.get(f"/appointments/{vacancy_id}").get_data(as_text=True)
    assert vacancy_state(runtime, vacancy_id) == "order_drafted" and ">Присвоить номер и передать на подпись<" in page
    assert "уже прошла" not in page


# --- one person, two vacancies ---

JUSTIFICATION = "Двенадцать лет руководил сельской школой соседнего района; в резерве нет кандидатов с таким опытом."


def row_of(html: str, candidate_id: int) -> str:
    return html.split(f'id="candidate-{candidate_id}"')[1].split("</tr>")[0]


def test_a_person_selected_on_another_vacancy_cannot_be_selected_until_withdrawn_there(
    runtime, appointment, client, auth
):
    kindergarten = second_vacancy(runtime, appointment)
    first, second = shortlist(runtime, appointment, appointment.reserve.first, appointment.reserve.second)
    (there,) = shortlist(runtime, kindergarten, appointment.reserve.first)
    choose(runtime, kindergarten, there)
    before = case(runtime, appointment.vacancy)
    with pytest.raises(
        AppointmentRefused,
        match=f"{FIRST} выбрать нельзя: уже выбран\\(а\\) по вакансии № {kindergarten.vacancy} \\(д/с «Северяночка»\\)",
    ):
        choose(runtime, appointment, first)
    assert case(runtime, appointment.vacancy) == before

    auth.login("hr@example.ru")
    html = client.get(f"/appointments/{appointment.vacancy}").get_data(as_text=True)
    assert f"уже выбран(а) по вакансии № {kindergarten.vacancy}" in row_of(html, first)
    assert "Направить на аттестацию" not in row_of(html, first)
    assert "Направить на аттестацию" in row_of(html, second)
    compare = client.get(f"/appointments/{appointment.vacancy}/compare").get_data(as_text=True)
    assert f"уже выбран(а) по вакансии № {kindergarten.vacancy}" in compare

    withdraw_selected(runtime, kindergarten, "Предпочла вакансию в школе")
    html = client.get(f"/appointments/{appointment.vacancy}").get_data(as_text=True)
    assert "уже выбран" not in html and "Направить на аттестацию" in row_of(html, first)
    choose(runtime, appointment, first)
    assert vacancy_state(runtime, appointment.vacancy) == "attestation"


def test_one_person_selected_on_two_vacancies_at_the_same_moment_is_selected_once(runtime, appointment):
    kindergarten = second_vacancy(runtime, appointment)
    (here,) = shortlist(runtime, appointment, appointment.reserve.first)
    (there,) = shortlist(runtime, kindergarten, appointment.reserve.first)

    def selecting(vacancy: Appointment, candidate_id: int):
        def job(session):
            hr, version = load_user(session, appointment.district, "hr"), vacancy_version(runtime, vacancy.vacancy)
            return lambda: appointment_service.select_candidate(
                runtime, session, hr, vacancy.vacancy, version, candidate_id
            )

        return job

    outcomes = race(runtime, [selecting(appointment, here), selecting(kindergarten, there)])
    # The second waits for the first's lock, then sees the selection.
    (refused,) = [o for o in outcomes if o != "ok"]
    assert isinstance(refused, AppointmentRefused) and "уже выбран(а) по вакансии" in str(refused)
    with runtime.sessions() as s:
        assert (
            s.scalar(select(func.count()).select_from(VacancyCandidate).where(VacancyCandidate.status == "selected"))
            == 1
        )


def test_an_outsider_appointed_elsewhere_after_being_listed_cannot_be_selected(runtime, appointment, client, auth):
    kindergarten = second_vacancy(runtime, appointment)
    outsider = appointment.user("member2")
    here = act(
        runtime,
        appointment.district,
        "hr",
        appointment_service.add_direct,
        appointment.vacancy,
        outsider,
        JUSTIFICATION,
    ).id
    act(
        runtime,
        appointment.district,
        "hr",
        appointment_service.confirm_shortlist,
        appointment.vacancy,
        vacancy_version(runtime, appointment.vacancy),
    )
    there = act(
        runtime,
        appointment.district,
        "hr",
        appointment_service.add_direct,
        kindergarten.vacancy,
        outsider,
        JUSTIFICATION,
    ).id
    act(
        runtime,
        appointment.district,
        "hr",
        appointment_service.confirm_shortlist,
        kindergarten.vacancy,
        vacancy_version(runtime, kindergarten.vacancy),
    )
    choose(runtime, kindergarten, there)
    attest(runtime, kindergarten, attested=True)
    draft(runtime, kindergarten)
    runtime.engine.clock = lambda: datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # an hour after the listing
    issue_signed(runtime, appointment.district, kindergarten.vacancy)

    before = case(runtime, appointment.vacancy)
    with pytest.raises(
        AppointmentRefused,
        match=f"назначен\\(а\\) по вакансии № {kindergarten.vacancy} "
        "\\(д/с «Северяночка»\\), Приказ № 1-к от 25.11.2026",
    ):
        choose(runtime, appointment, here)
    assert case(runtime, appointment.vacancy) == before

    auth.login("hr@example.ru")
    html = client.get(f"/appointments/{appointment.vacancy}").get_data(as_text=True)
    assert "Приказ № 1-к от 25.11.2026, после включения в этот список" in row_of(html, here)
    assert "Направить на аттестацию" not in row_of(html, here)
    compare = client.get(f"/appointments/{appointment.vacancy}/compare").get_data(as_text=True)
    assert "Приказ № 1-к от 25.11.2026, после включения в этот список" in compare


def test_the_compare_page_marks_members_who_left_the_reserve(runtime, appointment, client, auth):
    kindergarten = second_vacancy(runtime, appointment)
    shortlist(runtime, appointment, appointment.reserve.first, appointment.reserve.second)
    (there,) = shortlist(runtime, kindergarten, appointment.reserve.first)
    choose(runtime, kindergarten, there)
    attest(runtime, kindergarten, attested=True)
    draft(runtime, kindergarten)
    issue_signed(runtime, appointment.district, kindergarten.vacancy)
    auth.login("hr@example.ru")
    compare = client.get(f"/appointments/{appointment.vacancy}/compare").get_data(as_text=True)
    assert compare.count("выбыл(а) из кадрового резерва: назначен руководителем") == 1


def test_the_compare_page_prints_without_javascript(runtime, appointment, client, auth):
    shortlist(runtime, appointment, appointment.reserve.first, appointment.reserve.second)
    auth.login("hr@example.ru")
    compare = client.get(f"/appointments/{appointment.vacancy}/compare").get_data(as_text=True)
    assert "onclick" not in compare and "window.print" not in compare
    link = f"/appointments/{appointment.vacancy}/compare?print=1"
    assert f'href="{link}">Версия для печати' in compare
    printable = client.get(link).get_data(as_text=True)
    # The same comparison, marked for the stylesheet that leaves out the site's header and menu.
    assert 'class="styles-reserve page-appointments-compare print-view"' in printable
    assert "Сравнение кандидатов на должность" in printable and "Ctrl+P" in printable
