"""Fixtures for appointment tests: a vacancy at the district's school (its head
retiring), opened by the HR officer on top of the `reserve` fixture's two members, and
helpers acting through the appointment services."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select

from reserve_flow.appointments.models import Vacancy
from reserve_flow.appointments.services import vacancies as appointment_service
from reserve_flow.core.audit.models import AuditEvent
from tests.conftest import load_user
from tests.reserve_fixtures import PDF, Reserve, commission, reserve  # noqa: F401  (fixtures)

PLANNED_ON = date(2027, 2, 1)
MEMBERS = "Иванова Н. С., начальник РУО\nПетров А. А., юрист\nСидорова Е. В., методист"


@dataclass
class Appointment:
    reserve: Reserve
    vacancy: int

    @property
    def district(self):
        return self.reserve.district

    def user(self, key: str) -> int:
        return self.district.users[key]


def act(runtime, district, key: str, action, *args, **kwargs):
    """Call a service `action(runtime, session, user, *args)` as the user `key`."""
    with runtime.sessions() as s:
        return action(runtime, s, load_user(s, district, key), *args, **kwargs)


def vacancy_version(runtime, vacancy_id: int) -> int:
    with runtime.sessions() as s:
        return s.get(Vacancy, vacancy_id).version


def vacancy_state(runtime, vacancy_id: int) -> str:
    with runtime.sessions() as s:
        return s.get(Vacancy, vacancy_id).state


def events(runtime, subject_id: int) -> list[AuditEvent]:
    with runtime.sessions() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.subject_type == "appointment",
                                                       AuditEvent.subject_id == subject_id)
                              .order_by(AuditEvent.id)))


@pytest.fixture
def appointment(runtime, reserve) -> Appointment:
    vacancy = act(runtime, reserve.district, "hr", appointment_service.open_vacancy,
                  organization_id=reserve.district.organizations[0], reason="retirement", planned_on=PLANNED_ON)
    return Appointment(reserve, vacancy.id)


def shortlist(runtime, appointment: Appointment, *membership_ids: int) -> list[int]:
    """Put members on the list and confirm it; the candidates' ids."""
    ids = [act(runtime, appointment.district, "hr", appointment_service.add_member, appointment.vacancy, m).id
           for m in membership_ids]
    act(runtime, appointment.district, "hr", appointment_service.confirm_shortlist, appointment.vacancy,
        vacancy_version(runtime, appointment.vacancy))
    return ids


def choose(runtime, appointment: Appointment, candidate_id: int) -> None:
    act(runtime, appointment.district, "hr", appointment_service.select_candidate, appointment.vacancy,
        vacancy_version(runtime, appointment.vacancy), candidate_id)


def attest(runtime, appointment: Appointment, attested: bool, conclusion: str = "",
           held_on: date = date(2026, 11, 25), name: str = "протокол аттестации.pdf", content: bytes = PDF):
    return act(runtime, appointment.district, "hr", appointment_service.record_attestation, appointment.vacancy,
               vacancy_version(runtime, appointment.vacancy), held_on=held_on, members=MEMBERS,
               attested=attested, conclusion=conclusion, stream=io.BytesIO(content), filename=name)


def draft(runtime, appointment: Appointment, start_on: date = date(2027, 2, 1), contract_years: int = 5):
    return act(runtime, appointment.district, "hr", appointment_service.draft_order, appointment.vacancy,
               vacancy_version(runtime, appointment.vacancy), start_on=start_on, contract_years=contract_years)
