"""The appointments' sections of the home page (core/web/home.py): for the HR officer each
vacancy still being filled with its stage and next step, orders to prepare among them;
for the head of the РУО the numbered orders awaiting their signature. One query each."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, url_for
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from reserve_flow.appointments.models import AppointmentOrder, AttestationSession, Vacancy
from reserve_flow.core.actors import Actor
from reserve_flow.core.web.home import Task, register_home_section

# The HR officer's next step at each stage of a vacancy.
NEXT_STEP = {
    "open": "сформируйте список кандидатов из резерва",
    "shortlisted": "выберите кандидата и направьте на аттестацию",
    "attestation": "проведите аттестацию кандидата",
    "order_drafted": "проверьте проект приказа и присвойте ему номер",
    "order_numbered": "приказ у начальника РУО на подписи",
    "order_signed": "закройте вакансию",
}
ATTESTED_STEP = "кандидат аттестован: подготовьте проект приказа о назначении"


def hr_vacancies(session: Session, user: Actor, now: datetime) -> list[Task]:
    attested = (
        exists()
        .where(AttestationSession.vacancy_id == Vacancy.id, AttestationSession.attested.is_(True))
        .correlate(Vacancy)
    )
    rows = session.execute(
        select(Vacancy, attested.label("attested"))
        .where(Vacancy.state.in_(tuple(NEXT_STEP)))
        .order_by(Vacancy.planned_on, Vacancy.id)
    ).unique()
    tasks = []
    for vacancy, was_attested in rows:
        step = ATTESTED_STEP if vacancy.state == "attestation" and was_attested else NEXT_STEP[vacancy.state]
        tasks.append(
            Task(
                f"Вакансия: {vacancy.position}, {vacancy.organization.short_name}",
                url_for("appointments.show", vacancy_id=vacancy.id),
                note=step[0].upper() + step[1:],
                due_on=vacancy.planned_on,
                calendar="calendar",
            )
        )
    return tasks


def orders_to_sign(session: Session, user: Actor, now: datetime) -> list[Task]:
    orders = session.scalars(
        select(AppointmentOrder)
        .join(Vacancy, Vacancy.id == AppointmentOrder.vacancy_id)
        .where(Vacancy.state == "order_numbered", AppointmentOrder.signed_at.is_(None))
        .order_by(AppointmentOrder.issued_on, AppointmentOrder.id)
    )
    return [
        Task(
            f"Подписать: {order.title}",
            url_for("orders.show", order_id=order.id),
            note=f"О назначении на должность: {order.vacancy.position}, {order.vacancy.organization.short_name}",
        )
        for order in orders
    ]


def init_app(app: Flask) -> None:
    register_home_section(
        app, "hr", "Вакансии и приказы о назначении", hr_vacancies, position=250, empty="Открытых вакансий нет."
    )
    register_home_section(
        app, "signatory", "Приказы на подпись", orders_to_sign, position=260, empty="Приказов на подпись нет."
    )
