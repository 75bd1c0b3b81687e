"""Appointments kept consistent when several things happen to one vacancy, one person or
one organization at once: two HR officers on one shortlist, a member appointed elsewhere
or excluded while shortlisted, an organization edited or closed while its order is
being issued, a form submitted twice, a date that passed while a draft waited. Each ends
in a clear refusal or conflict, never a 500 or a silent overwrite."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from reserve_flow.appointments.models import AppointmentOrder, AttestationSession, Vacancy, VacancyCandidate
from reserve_flow.appointments.services import orders
from reserve_flow.appointments.services import vacancies as appointment_service
from reserve_flow.appointments.services.vacancies import AppointmentRefused
from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.core.workflow.errors import ConcurrentChange
from reserve_flow.organizations.models.organizations import Organization
from reserve_flow.reserve.models.membership import ReserveMembership
from reserve_flow.reserve.services import membership as reserve_service
from tests.appointments.test_orders import drafted, files_under, second_vacancy
from tests.fixtures.appointment import (
    MEMBERS,
    Appointment,
    act,
    attest,
    choose,
    draft,
    issue_signed,
    number_order,
    shortlist,
    vacancy_state,
    vacancy_version,
)
from tests.fixtures.reserve import PDF, post
from tests.helpers import load_user

FIRST = "Заявителева Елена Андреевна"  # applicant, the reserve's first member


def stale_vacancy(runtime, appointment: Appointment):
    """A session that has read the vacancy with its shortlist (as a request in flight
    has) and the HR officer in it; the read transaction is closed so others can write.
    The rows read are returned too: held, they stay in the session's identity map."""
    s = runtime.sessions()
    hr = load_user(s, appointment.district, "hr")
    vacancy = s.get(Vacancy, appointment.vacancy)
    _ = vacancy.organization.version, vacancy.order, list(vacancy.candidates)
    s.commit()
    return s, hr, vacancy


def test_the_same_member_added_twice_at_once_is_a_conflict_not_a_500(runtime, appointment):
    s, hr, _held = stale_vacancy(runtime, appointment)
    with s:
        act(
            runtime,
            appointment.district,
            "hr",
            appointment_service.add_member,
            appointment.vacancy,
            appointment.reserve.first,
        )
        with pytest.raises(ConcurrentChange, match="другой пользователь"):
            appointment_service.add_member(runtime, s, hr, appointment.vacancy, appointment.reserve.first)
    with runtime.sessions() as check:
        assert check.scalar(select(func.count()).select_from(VacancyCandidate)) == 1


def test_a_withdrawal_makes_a_concurrent_selection_of_that_candidate_a_conflict(runtime, appointment):
    first, _ = shortlist(runtime, appointment, appointment.reserve.first, appointment.reserve.second)
    version = vacancy_version(runtime, appointment.vacancy)
    s, hr, _held = stale_vacancy(runtime, appointment)
    with s:
        act(
            runtime,
            appointment.district,
            "hr",
            appointment_service.withdraw_candidate,
            appointment.vacancy,
            first,
            "Отказался от назначения",
        )
        with pytest.raises(ConcurrentChange):
            appointment_service.select_candidate(runtime, s, hr, appointment.vacancy, version, first)
    assert vacancy_state(runtime, appointment.vacancy) == "shortlisted"
    with runtime.sessions() as check:
        assert check.get(VacancyCandidate, first).status == "withdrawn"


def test_a_shortlist_edit_makes_an_open_selection_form_stale(runtime, appointment, client, auth):
    (first,) = shortlist(runtime, appointment, appointment.reserve.first)
    version = vacancy_version(runtime, appointment.vacancy)  # the form the other officer has open
    act(
        runtime,
        appointment.district,
        "hr",
        appointment_service.add_member,
        appointment.vacancy,
        appointment.reserve.second,
    )
    auth.login("hr@example.ru")
    page = f"/appointments/{appointment.vacancy}"
    stale = post(client, f"{page}/select", {"version": str(version), "candidate_id": str(first)}, token_from=page)
    assert stale.status_code == 409
    assert vacancy_state(runtime, appointment.vacancy) == "shortlisted"


def test_a_member_appointed_elsewhere_cannot_be_selected_and_the_page_says_so(runtime, appointment, client, auth):
    kindergarten = second_vacancy(runtime, appointment)
    first, second = shortlist(runtime, appointment, appointment.reserve.first, appointment.reserve.second)
    drafted(runtime, kindergarten, appointment.reserve.first)
    issue_signed(runtime, appointment.district, kindergarten.vacancy)
    with pytest.raises(AppointmentRefused, match=f"{FIRST}.*не состоит в кадровом резерве"):
        choose(runtime, appointment, first)
    assert vacancy_state(runtime, appointment.vacancy) == "shortlisted"

    auth.login("hr@example.ru")
    html = client.get(f"/appointments/{appointment.vacancy}").get_data(as_text=True)
    row = html.split(f'id="candidate-{first}"')[1].split("</tr>")[0]
    assert "выбыл(а) из кадрового резерва: назначен руководителем" in row
    assert "Направить на аттестацию" not in row
    other = html.split(f'id="candidate-{second}"')[1].split("</tr>")[0]
    assert "Направить на аттестацию" in other


def test_a_member_excluded_while_shortlisted_cannot_be_selected(runtime, appointment):
    (first,) = shortlist(runtime, appointment, appointment.reserve.first)
    with runtime.sessions() as s:
        version = s.get(ReserveMembership, appointment.reserve.first).version
    act(
        runtime,
        appointment.district,
        "hr",
        reserve_service.exclude,
        appointment.reserve.first,
        version,
        "own_request",
        "",
    )
    with pytest.raises(AppointmentRefused, match="не состоит в кадровом резерве"):
        choose(runtime, appointment, first)
    assert vacancy_state(runtime, appointment.vacancy) == "shortlisted"


def test_signing_when_the_organization_was_edited_meanwhile_is_a_conflict(runtime, appointment):
    drafted(runtime, appointment, appointment.reserve.second)
    number_order(runtime, appointment.district, appointment.vacancy)
    version = vacancy_version(runtime, appointment.vacancy)
    s, _hr, _held = stale_vacancy(runtime, appointment)
    with s:
        signatory = load_user(s, appointment.district, "signatory")
        with runtime.transaction() as other:  # the administrator saves the organization's card
            organization = other.get(Organization, appointment.district.organizations[0])
            organization.phone = "+7 (30130) 4-12-34"
        with pytest.raises(ConcurrentChange):
            orders.sign(runtime, s, signatory, appointment.vacancy, version)
    assert vacancy_state(runtime, appointment.vacancy) == "order_numbered"
    with runtime.sessions() as check:
        order = check.scalar(select(AppointmentOrder))
        assert order.number == 1 and order.signed_at is None  # the number stays taken, unsigned
        assert check.get(Organization, appointment.district.organizations[0]).head_user_id != appointment.user(
            "applicant2"
        )


def test_an_order_for_an_organization_closed_meanwhile_is_refused(runtime, appointment):
    drafted(runtime, appointment, appointment.reserve.second)
    with runtime.transaction() as s:
        s.get(Organization, appointment.district.organizations[0]).active = False
    with pytest.raises(AppointmentRefused, match="закрыт"):
        issue_signed(runtime, appointment.district, appointment.vacancy)
    assert vacancy_state(runtime, appointment.vacancy) == "order_drafted"
    with runtime.sessions() as check:
        assert check.scalar(select(AppointmentOrder.number)) is None
    assert files_under(runtime) == []


def test_an_order_whose_start_date_passed_while_drafted_is_refused(runtime, appointment):
    (candidate,) = shortlist(runtime, appointment, appointment.reserve.second)
    choose(runtime, appointment, candidate)
    attest(runtime, appointment, attested=True)
    draft(runtime, appointment, start_on=date(2026, 11, 26))
    runtime.engine.clock = lambda: datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # two days on
    with pytest.raises(AppointmentRefused, match="26.11.2026 в проекте приказа уже прошла"):
        issue_signed(runtime, appointment.district, appointment.vacancy)
    assert vacancy_state(runtime, appointment.vacancy) == "order_drafted"
    with runtime.sessions() as check:
        assert check.scalar(select(AppointmentOrder.number)) is None
    assert files_under(runtime) == []


def test_a_draft_made_twice_at_once_is_a_conflict_not_a_500(runtime, appointment):
    (candidate,) = shortlist(runtime, appointment, appointment.reserve.second)
    choose(runtime, appointment, candidate)
    attest(runtime, appointment, attested=True)
    version = vacancy_version(runtime, appointment.vacancy)
    s, hr, _held = stale_vacancy(runtime, appointment)  # the same form submitted twice
    with s:
        draft(runtime, appointment)
        with pytest.raises(ConcurrentChange):
            appointment_service.draft_order(runtime, s, hr, appointment.vacancy, version)
    with runtime.sessions() as check:
        assert check.scalar(select(func.count()).select_from(AppointmentOrder)) == 1


def test_an_attestation_form_submitted_twice_records_one_session(runtime, appointment):
    (candidate,) = shortlist(runtime, appointment, appointment.reserve.second)
    choose(runtime, appointment, candidate)
    version = vacancy_version(runtime, appointment.vacancy)
    attest(runtime, appointment, attested=True)
    with pytest.raises(ConcurrentChange):
        act(
            runtime,
            appointment.district,
            "hr",
            appointment_service.record_attestation,
            appointment.vacancy,
            version,
            held_on=date(2026, 11, 25),
            members=MEMBERS,
            attested=True,
            conclusion="",
            stream=io.BytesIO(PDF),
            filename="протокол аттестации.pdf",
        )
    with runtime.sessions() as check:
        assert check.scalar(select(func.count()).select_from(AttestationSession)) == 1


def test_a_position_longer_than_its_column_is_refused_in_russian(runtime, appointment):
    with pytest.raises(AppointmentRefused, match="не длиннее 300 символов"):
        act(
            runtime,
            appointment.district,
            "hr",
            appointment_service.open_vacancy,
            organization_id=appointment.district.organizations[1],
            reason="resignation",
            planned_on=date(2027, 2, 1),
            position="заведующий " * 40,
        )
    with runtime.sessions() as check:
        assert check.scalar(select(func.count()).select_from(Vacancy)) == 1  # the fixture's only


def test_two_vacancies_opened_for_one_organization_at_once_leave_one(runtime, appointment, monkeypatch):
    """The service's check can miss a vacancy another HR officer opened a moment ago;
    the database's partial unique index still holds, and the second is told in Russian."""
    monkeypatch.setattr(appointment_service, "OPEN_STATES", ())  # the check sees nothing, as in a race
    with runtime.sessions() as s:
        events_before = s.scalar(select(func.count()).select_from(AuditEvent))
    with pytest.raises(AppointmentRefused, match="только что открыта другая вакансия"):
        act(
            runtime,
            appointment.district,
            "hr",
            appointment_service.open_vacancy,
            organization_id=appointment.district.organizations[0],
            reason="resignation",
            planned_on=date(2027, 3, 1),
        )
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Vacancy)) == 1
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == events_before
    # A cancelled vacancy no longer counts: the organization may get a new one.
    act(
        runtime,
        appointment.district,
        "hr",
        appointment_service.cancel,
        appointment.vacancy,
        vacancy_version(runtime, appointment.vacancy),
        "Штатное расписание изменено",
    )
    act(
        runtime,
        appointment.district,
        "hr",
        appointment_service.open_vacancy,
        organization_id=appointment.district.organizations[0],
        reason="resignation",
        planned_on=date(2027, 3, 1),
    )
