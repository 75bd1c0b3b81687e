"""What happens to a vacancy when people change their minds or their places: the
selected candidate withdrawn during attestation, a draft order redone for the same
person, a person wanted on two vacancies at once or appointed elsewhere meanwhile,
reserve members whose term has ended. Each refusal leaves the case as it was."""

from __future__ import annotations

from datetime import date

from sqlalchemy import update

from reserve_flow.models import ReserveMembership
from reserve_flow.services import appointments as appointment_service
from tests.appointment_fixtures import (  # noqa: F401  (fixtures)
    Appointment,
    act,
    appointment,
    commission,
    reserve,
)
from tests.conftest import load_user

FIRST, SECOND = "Заявителева Елена Андреевна", "Второв Сергей Павлович"


def eligible_ids(runtime, appointment: Appointment) -> list[int]:
    with runtime.sessions() as s:
        vacancy = appointment_service.get_vacancy(s, load_user(s, appointment.district, "hr"), appointment.vacancy)
        return [m.id for m in appointment_service.eligible_members(runtime, s, vacancy)]


def test_members_whose_term_has_ended_are_not_offered(runtime, appointment, client, auth):
    with runtime.transaction() as s:  # the term ended yesterday; the nightly job has not excluded them yet
        s.execute(update(ReserveMembership).where(ReserveMembership.id == appointment.reserve.first)
                  .values(term_end=date(2026, 11, 24)))
    assert eligible_ids(runtime, appointment) == [appointment.reserve.second]

    auth.login("hr@example.ru")
    html = client.get(f"/appointments/{appointment.vacancy}").get_data(as_text=True)
    offered = html.split('id="add-member"')[1].split("</section>")[0]
    assert SECOND in offered and FIRST not in offered
