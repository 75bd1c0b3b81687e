"""The appointment workflow through its services: a vacancy from open to a drafted
order with a failed attestation on the way, and the refusals that keep it honest."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from reserve_flow.appointments.models import AppointmentOrder, AttestationSession, VacancyCandidate
from reserve_flow.appointments.services import vacancies as appointment_service
from reserve_flow.appointments.services.vacancies import AppointmentRefused
from reserve_flow.core.workflow.errors import GuardFailed
from tests.fixtures.appointment import (
    act,
    attest,
    choose,
    contract,
    draft,
    events,
    pre_hire,
    shortlist,
    vacancy_state,
    vacancy_version,
)


def candidate(runtime, candidate_id: int) -> VacancyCandidate:
    with runtime.sessions() as s:
        row = s.get(VacancyCandidate, candidate_id)
        s.expunge(row)
        return row


def test_failed_attestation_returns_to_the_shortlist_and_marks_the_candidate(runtime, appointment):
    first, second = shortlist(runtime, appointment, appointment.reserve.first, appointment.reserve.second)
    assert vacancy_state(runtime, appointment.vacancy) == "shortlisted"
    choose(runtime, appointment, first)
    assert vacancy_state(runtime, appointment.vacancy) == "attestation"
    attest(runtime, appointment, attested=False, conclusion="Не представлена программа развития организации")
    assert vacancy_state(runtime, appointment.vacancy) == "shortlisted"
    assert candidate(runtime, first).status == "not_attested"
    with pytest.raises(AppointmentRefused, match="не прошёл аттестацию"):
        choose(runtime, appointment, first)
    choose(runtime, appointment, second)
    attest(runtime, appointment, attested=True)
    order = draft(runtime, appointment)
    assert vacancy_state(runtime, appointment.vacancy) == "order_drafted"
    # No protocol was generated for the fixture's contest: the order cites the commission's decision.
    assert order.number is None and order.grounds.splitlines() == [
        "Решение конкурсной комиссии («Конкурс на включение в резерв руководителей ОО, 2026»): "
        "включение в кадровый резерв 25.11.2026",
        "Решение аттестационной комиссии от 25.11.2026: аттестован",
        "Заявление кандидата о согласии на назначение",
    ]
    kinds = [e.kind for e in events(runtime, appointment.vacancy)]
    assert kinds.count("attestation_recorded") == 2 and "candidate_added" in kinds


def test_direct_candidate_without_justification_is_refused_and_nothing_is_written(runtime, appointment):
    outsider = appointment.user("member2")
    before = len(events(runtime, appointment.vacancy))
    for text in ("", "Хороший человек"):
        with pytest.raises(AppointmentRefused, match="только с письменным обоснованием"):
            act(
                runtime, appointment.district, "hr", appointment_service.add_direct, appointment.vacancy, outsider, text
            )
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(VacancyCandidate)) == 0
    assert len(events(runtime, appointment.vacancy)) == before
    justification = "Единственный кандидат с опытом руководства сельской школой; в резерве нет кандидатов этого вида."
    added = act(
        runtime,
        appointment.district,
        "hr",
        appointment_service.add_direct,
        appointment.vacancy,
        outsider,
        justification,
    )
    assert added.direct
    last = events(runtime, appointment.vacancy)[-1]
    assert last.kind == "direct_candidate_added" and last.payload["justification"] == justification
    assert "justification" not in json.loads(last.data)  # free text stays erasable, out of the hash


def test_draft_and_attestation_refusals_leave_the_vacancy_as_it_was(runtime, appointment):
    (first,) = shortlist(runtime, appointment, appointment.reserve.first)
    choose(runtime, appointment, first)
    version = vacancy_version(runtime, appointment.vacancy)
    with pytest.raises(AppointmentRefused, match="после того, как кандидат аттестован"):
        contract(runtime, appointment)
    with pytest.raises(AppointmentRefused, match="ещё не наступила"):
        attest(runtime, appointment, attested=True, held_on=date(2026, 12, 1))
    with pytest.raises(AppointmentRefused, match="заключение"):
        attest(runtime, appointment, attested=False)
    with pytest.raises(AppointmentRefused, match="не принят"):
        attest(runtime, appointment, attested=True, name="протокол.pdf", content=b"<html>not a pdf</html>")
    assert vacancy_version(runtime, appointment.vacancy) == version
    attest(runtime, appointment, attested=True)
    version = vacancy_version(runtime, appointment.vacancy)  # a recorded session is a change of the case
    with pytest.raises(GuardFailed, match="не собраны документы перед назначением: Сведения о доходах"):
        act(runtime, appointment.district, "hr", appointment_service.draft_order, appointment.vacancy, version)
    pre_hire(runtime, appointment)
    version = vacancy_version(runtime, appointment.vacancy)
    with pytest.raises(GuardFailed, match="трудовой договор с кандидатом не внесён"):
        act(runtime, appointment.district, "hr", appointment_service.draft_order, appointment.vacancy, version)
    with pytest.raises(AppointmentRefused, match="дата начала работы 01.11.2026 уже прошла"):
        contract(runtime, appointment, start_on=date(2026, 11, 1))
    assert vacancy_state(runtime, appointment.vacancy) == "attestation"
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(AppointmentOrder)) == 0
        assert s.scalar(select(func.count()).select_from(AttestationSession)) == 1
    assert vacancy_version(runtime, appointment.vacancy) == version


def test_a_vacancy_whose_start_fails_is_not_left_behind(runtime, district, monkeypatch):
    """The vacancy is inserted under a savepoint; when the workflow's start fails after
    it, the whole opening rolls back, on SQLite too (its savepoint once committed the
    vacancy early, leaving one with no deadline and no audit event)."""
    from reserve_flow.appointments.models import Vacancy
    from reserve_flow.core.audit.models import AuditEvent
    from reserve_flow.people.models import User

    def failing_start(*_args, **_kwargs):
        raise RuntimeError("the start fails")

    monkeypatch.setattr(runtime.engine, "start", failing_start)
    with runtime.sessions() as s, pytest.raises(RuntimeError):
        appointment_service.open_vacancy(
            runtime,
            s,
            s.get(User, district.users["hr"]),
            organization_id=district.organizations[2],
            reason="retirement",
            planned_on=date(2027, 2, 1),
        )
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Vacancy)) == 0
        assert s.scalar(select(func.count()).where(AuditEvent.subject_type == "vacancy")) == 0
