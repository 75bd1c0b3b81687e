"""Helpers for history and programme tests: a vacancy run through the appointment
services up to the order's draft, and the order then marked issued by hand."""

from __future__ import annotations

from datetime import date

from reserve_flow.models import User, Vacancy
from reserve_flow.services import appointments as appointment_service
from tests.appointment_fixtures import Appointment, act, attest, choose, draft, vacancy_version

JUSTIFICATION = "Опыт руководства школой 12 лет, высокий результат мониторинга эффективности в 2025 году"


def issue_by_hand(runtime, district, vacancy_id: int, number: int, issued_on: date) -> None:
    """The orders service is written by another helper in parallel: number the drafted
    order and fire issue_order, the reserve's appoint and close as it will, in one transaction."""
    with runtime.transaction() as s:
        hr = s.get(User, district.users["hr"])
        vacancy = s.get(Vacancy, vacancy_id)
        order = vacancy.order
        order.year, order.number, order.issued_on = issued_on.year, number, issued_on
        order.docx_path, order.pdf_path = f"orders/{number}.docx", f"orders/{number}.pdf"
        order.docx_sha256, order.pdf_sha256 = "d" * 64, "p" * 64
        order.issued_at, order.issued_by_id = runtime.now(), hr.id
        runtime.engine.fire(vacancy, "issue_order", hr, data={"order_id": order.id, "number": order.number_label})
        candidate = order.candidate
        if candidate.membership is not None:
            runtime.engine.fire(candidate.membership, "appoint", hr, data={"order_id": order.id})
        candidate.status = "appointed"
        vacancy.organization.head_user_id = candidate.user_id
        vacancy.organization.head_name = candidate.user.full_name
        runtime.engine.fire(vacancy, "close", hr)


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
