"""The demo's appointments (`reserve-flow demo`): three vacancies brought to different
states by the appointment services, as the HR officer would: one closed by an order
the head of the РУО signed, after a failed attestation of another candidate, one in attestation with a
candidate from outside the reserve on its list, one just opened."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from reserve_flow.appointments.models import PRE_HIRE_ITEMS, Vacancy
from reserve_flow.appointments.services import orders
from reserve_flow.appointments.services import vacancies as appointments
from reserve_flow.organizations.models.organizations import Organization
from reserve_flow.people.models import User
from reserve_flow.reserve.models.membership import ReserveMembership

if TYPE_CHECKING:
    from reserve_flow.runtime import Runtime

PDF = b"%PDF-1.4\n% reserve-flow demo attestation\n"
MEMBERS = (
    "Лукьянова Галина Петровна, заместитель начальника РУО, председатель\n"
    "Сафронова Елена Игоревна, специалист по кадрам РУО\n"
    "Цыбикова Туяна Баировна, методист РУО"
)
DIRECT_JUSTIFICATION = (
    "В кадровом резерве нет кандидатов на должность руководителя дошкольной организации "
    "в с. Кичера; кандидат 12 лет работает старшим воспитателем, "
    "руководит методическим объединением воспитателей района."
)


def seed_appointments(runtime: Runtime) -> None:
    today = runtime.now().astimezone(runtime.tz).date()
    with runtime.sessions() as session:
        by_key = {u.email.split("@")[0]: u.id for u in session.scalars(select(User))}
        members = {m.user.email.split("@")[0]: m.id for m in session.scalars(select(ReserveMembership))}
        organizations = dict(session.execute(select(Organization.short_name, Organization.id)).all())

    def hr(action, *args, **kwargs):
        with runtime.sessions() as s:
            return action(runtime, s, s.get(User, by_key["hr"]), *args, **kwargs)

    def signatory(action, *args, **kwargs):
        with runtime.sessions() as s:
            return action(runtime, s, s.get(User, by_key["signatory"]), *args, **kwargs)

    def version(vacancy_id: int) -> int:
        with runtime.sessions() as s:
            return s.get(Vacancy, vacancy_id).version

    def candidates(vacancy_id: int) -> dict[int, int]:
        with runtime.sessions() as s:
            return {c.user_id: c.id for c in s.get(Vacancy, vacancy_id).candidates}

    def attest(vacancy_id: int, attested: bool, conclusion: str = "") -> None:
        hr(
            appointments.record_attestation,
            vacancy_id,
            version(vacancy_id),
            held_on=today,
            members=MEMBERS,
            attested=attested,
            conclusion=conclusion,
            stream=io.BytesIO(PDF + str(vacancy_id).encode()),
            filename="Протокол аттестационной комиссии.pdf",
        )

    # 1. Closed: the first choice was not attested, the second was and is appointed by the signed order.
    closed = hr(
        appointments.open_vacancy,
        organization_id=organizations["Верхнезаимская СОШ"],
        reason="retirement",
        planned_on=today + timedelta(days=30),
        reason_note="Ковалёв И. С. уходит на пенсию по старости",
    ).id
    for key in ("applicant6", "applicant11"):
        hr(appointments.add_member, closed, members[key])
    hr(appointments.confirm_shortlist, closed, version(closed))
    hr(appointments.select_candidate, closed, version(closed), candidates(closed)[by_key["applicant6"]])
    attest(
        closed,
        False,
        "Программа развития школы не представлена; рекомендовано пройти курсы "
        "«Менеджмент в образовании» и повторить аттестацию через год.",
    )
    hr(appointments.select_candidate, closed, version(closed), candidates(closed)[by_key["applicant11"]])
    attest(closed, True)
    for item in PRE_HIRE_ITEMS:
        hr(
            appointments.record_pre_hire,
            closed,
            version(closed),
            item=item,
            dated_on=today,
            stream=io.BytesIO(PDF + item.encode()),
            filename=f"{item}.pdf",
        )
    hr(
        appointments.record_contract,
        closed,
        version(closed),
        number="14",
        signed_on=today,
        term_years=5,
        probation_months=3,
        start_on=today + timedelta(days=30),
    )
    hr(appointments.draft_order, closed, version(closed))
    hr(orders.number, closed, version(closed))
    signatory(orders.sign, closed, version(closed))

    # 2. In attestation: a reserve member selected, a direct candidate on the list.
    waiting = hr(
        appointments.open_vacancy,
        organization_id=organizations["д/с «Брусничка»"],
        reason="resignation",
        planned_on=today + timedelta(days=45),
    ).id
    hr(appointments.add_member, waiting, members["applicant8"])
    hr(appointments.add_direct, waiting, by_key["applicant3"], DIRECT_JUSTIFICATION)
    hr(appointments.confirm_shortlist, waiting, version(waiting))
    hr(appointments.select_candidate, waiting, version(waiting), candidates(waiting)[by_key["applicant8"]])

    # 3. Just opened.
    hr(
        appointments.open_vacancy,
        organization_id=organizations["Куморская СОШ"],
        reason="contract_end",
        planned_on=today + timedelta(days=60),
    )
