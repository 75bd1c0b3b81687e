"""A vacancy's deadlines: the HR officer is reminded before the planned date of
appointment, the administrator is told once it has passed with the vacancy still
open, and a closed vacancy reminds nobody. The attestation stage has its own term."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import select

from reserve_flow.core.deadlines.models import Deadline
from reserve_flow.core.deadlines.scheduler import scan_once
from reserve_flow.core.deadlines.scheduling import DeadlineNotice
from reserve_flow.core.notifications.models import OutboxMessage
from tests.fixtures.appointment import choose, shortlist
from tests.fixtures.scheduler import irkutsk


def scan_daily(runtime, first: date, last: date) -> None:
    """Scan at 10:00 Irkutsk each day from `first` to `last`, the clock moved with it."""
    day = first
    while day <= last:
        moment = irkutsk(day.year, day.month, day.day, 10)
        runtime.engine.clock = lambda moment=moment: moment
        scan_once(runtime, moment)
        day += timedelta(days=1)


def notices(runtime, vacancy_id: int, scope: str) -> list[tuple[str, int, str]]:
    with runtime.sessions() as s:
        rows = s.execute(
            select(DeadlineNotice.kind, DeadlineNotice.offset_days, DeadlineNotice.outcome)
            .join(Deadline, Deadline.id == DeadlineNotice.deadline_id)
            .where(Deadline.subject_type == "appointment", Deadline.subject_id == vacancy_id, Deadline.scope == scope)
            .order_by(DeadlineNotice.id)
        )
        return [tuple(r) for r in rows]


def messages(runtime, template: str) -> list[tuple[int, dict]]:
    with runtime.sessions() as s:
        rows = s.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.template == template, OutboxMessage.channel == "email")
            .order_by(OutboxMessage.id)
        )
        return [
            (r.recipient_id, json.loads(r.context)) for r in rows if json.loads(r.context)["workflow"] == "appointment"
        ]


def test_hr_is_reminded_before_the_planned_date_and_the_administrator_told_after_it(runtime, appointment):
    # The fixture's vacancy is planned for Monday 1 February 2027.
    scan_daily(runtime, date(2026, 11, 26), date(2027, 2, 3))
    assert notices(runtime, appointment.vacancy, "workflow") == [
        ("reminder", 10, "sent"),
        ("reminder", 3, "sent"),
        ("escalation", 0, "sent"),
    ]
    reminders = messages(runtime, "deadline.reminder")
    assert {who for who, _ in reminders} == {appointment.user("hr")}
    assert [c["last_day"] for _, c in reminders] == ["01.02.2027", "01.02.2027"]
    escalations = messages(runtime, "deadline.escalation")
    assert {who for who, _ in escalations} == {appointment.user("admin")}


def test_the_attestation_stage_has_a_term_and_a_cancelled_vacancy_reminds_nobody(runtime, appointment):
    from reserve_flow.appointments.services import vacancies as appointment_service
    from tests.fixtures.appointment import act, vacancy_version

    (first,) = shortlist(runtime, appointment, appointment.reserve.first)
    choose(runtime, appointment, first)
    with runtime.sessions() as s:
        stage = s.scalars(
            select(Deadline).where(
                Deadline.subject_type == "appointment",
                Deadline.subject_id == appointment.vacancy,
                Deadline.state == "attestation",
            )
        ).one()
        # 20 working days from Wednesday 25.11.2026: the last day is Wednesday 23.12.2026.
        assert stage.due_at == irkutsk(2026, 12, 24)
    act(
        runtime,
        appointment.district,
        "hr",
        appointment_service.cancel,
        appointment.vacancy,
        vacancy_version(runtime, appointment.vacancy),
        "Организация реорганизуется",
    )
    scan_daily(runtime, date(2026, 12, 14), date(2027, 2, 3))
    assert notices(runtime, appointment.vacancy, "workflow") == []
    assert notices(runtime, appointment.vacancy, "state") == []
