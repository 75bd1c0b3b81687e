"""Helpers for history and programme tests: a vacancy run through the appointment
services up to the order's draft, and the order issued on a given day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from reserve_flow.appointments.services import orders
from reserve_flow.appointments.services import vacancies as appointment_service
from tests.appointment_fixtures import Appointment, act, attest, choose, draft, vacancy_version

JUSTIFICATION = "Опыт руководства школой 12 лет, высокий результат мониторинга эффективности в 2025 году"


def issue_on(runtime, district, vacancy_id: int, issued_on: date) -> None:
    """Issue the drafted order through the orders service as the HR officer, on `issued_on`
    (10:00 in Irkutsk): it takes the next number of that year."""
    clock = runtime.engine.clock
    runtime.engine.clock = lambda: datetime.combine(issued_on, time(2, 0), tzinfo=UTC)
    try:
        act(runtime, district, "hr", orders.issue, vacancy_id, vacancy_version(runtime, vacancy_id))
    finally:
        runtime.engine.clock = clock


def appoint_member(runtime, appointment: Appointment, membership_id: int, *, fail_first: int | None = None) -> int:
    """Shortlist the member (and `fail_first`, who fails attestation first), attest and
    draft; the candidate's id."""
    ids = [act(runtime, appointment.district, "hr", appointment_service.add_member, appointment.vacancy, m).id
           for m in ([fail_first] if fail_first else []) + [membership_id]]
    act(runtime, appointment.district, "hr", appointment_service.confirm_shortlist, appointment.vacancy,
        vacancy_version(runtime, appointment.vacancy))
    if fail_first:
        choose(runtime, appointment, ids[0])
        attest(runtime, appointment, False, conclusion="Не подтверждено знание нормативной базы")
    choose(runtime, appointment, ids[-1])
    attest(runtime, appointment, True)
    draft(runtime, appointment)
    return ids[-1]


def appoint_directly(runtime, reserve, organization_index: int, person_key: str) -> int:
    """A vacancy at the district's organization filled by `person_key` from outside the
    reserve (with a justification), attested and drafted; the vacancy's id."""
    district = reserve.district
    vacancy = act(runtime, district, "hr", appointment_service.open_vacancy,
                  organization_id=district.organizations[organization_index], reason="resignation",
                  planned_on=date(2027, 2, 1))
    appointment = Appointment(reserve, vacancy.id)
    candidate = act(runtime, district, "hr", appointment_service.add_direct, vacancy.id, district.users[person_key],
                    JUSTIFICATION)
    act(runtime, district, "hr", appointment_service.confirm_shortlist, vacancy.id,
        vacancy_version(runtime, vacancy.id))
    choose(runtime, appointment, candidate.id)
    attest(runtime, appointment, True)
    draft(runtime, appointment)
    return vacancy.id
