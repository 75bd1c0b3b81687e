"""The term in the reserve: reminders to the HR officer 90 and 30 days before it ends,
exclusion by the scheduler when it passes (time moved), an extension by order that
moves the term and its reminders, and exclusion by the HR officer with a reason the
member is told of."""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import select

from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.core.deadlines.models import Deadline
from reserve_flow.core.deadlines.scheduler import scan_once
from reserve_flow.core.deadlines.scheduling import DeadlineNotice
from reserve_flow.core.notifications.models import OutboxMessage
from reserve_flow.reserve.models.membership import ReserveMembership
from reserve_flow.reserve.models.plan import PlanItem
from tests.fixtures.reserve import (
    agreed_plan,
    membership_version,
    post,
    snapshot,
    state_of,
)
from tests.fixtures.scheduler import IRKUTSK, irkutsk


def at(runtime, moment: datetime):
    """Move the clock (the engine's and the scan's) to `moment` and scan."""
    runtime.engine.clock = lambda: moment
    return scan_once(runtime, moment)


def term_notices(runtime, membership_id: int) -> list[tuple[str, int, str]]:
    with runtime.sessions() as s:
        rows = s.execute(
            select(DeadlineNotice.kind, DeadlineNotice.offset_days, DeadlineNotice.outcome)
            .join(Deadline, Deadline.id == DeadlineNotice.deadline_id)
            .where(Deadline.subject_type == "reserve", Deadline.subject_id == membership_id)
            .order_by(DeadlineNotice.id)
        )
        return [tuple(r) for r in rows]


def term_deadlines(runtime, membership_id: int) -> list[Deadline]:
    with runtime.sessions() as s:
        return list(
            s.scalars(
                select(Deadline)
                .where(Deadline.subject_type == "reserve", Deadline.subject_id == membership_id)
                .order_by(Deadline.id)
            )
        )


def test_the_term_reminds_hr_and_ends_in_exclusion_by_the_scheduler(runtime, reserve, client, auth):
    m = reserve.first
    course_id, internship_id = agreed_plan(runtime, reserve, m)
    with runtime.sessions() as s:
        assert s.get(ReserveMembership, m).term_end == date(2029, 11, 25)  # included 25.11.2026 for 3 years
    [term] = term_deadlines(runtime, m)
    assert term.scope == "workflow" and term.due_at.astimezone(IRKUTSK) == datetime(2029, 11, 26, tzinfo=IRKUTSK)

    at(runtime, irkutsk(2029, 8, 27, 8))  # the 90-day reminder falls due at 9 o'clock
    assert term_notices(runtime, m) == []
    at(runtime, irkutsk(2029, 8, 27, 9))
    at(runtime, irkutsk(2029, 8, 27, 10))
    assert term_notices(runtime, m) == [("reminder", 90, "sent")]
    at(runtime, irkutsk(2029, 10, 26, 9))
    assert term_notices(runtime, m) == [("reminder", 90, "sent"), ("reminder", 30, "sent")]
    with runtime.sessions() as s:
        reminders = [
            r
            for r in s.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.template == "deadline.reminder", OutboxMessage.channel == "email"
                )
            )
            if json.loads(r.context)["workflow"] == "reserve"
        ]
        assert {r.recipient_id for r in reminders} == {reserve.user("hr")}
        assert json.loads(reminders[-1].context)["last_day"] == "25.11.2029"
        assert json.loads(reminders[-1].context)["left"] == "осталось 30 дней"

    at(runtime, irkutsk(2029, 11, 25, 23, 59))
    assert state_of(runtime, m) == "plan_agreed"  # the last day of the term
    result = at(runtime, irkutsk(2029, 11, 26, 0, 5))
    assert result.expiries >= 1
    assert state_of(runtime, m) == "excluded"
    assert term_notices(runtime, m)[-1] == ("expiry", 0, "fired")
    with runtime.sessions() as s:
        expiry = s.scalars(
            select(AuditEvent).where(
                AuditEvent.subject_type == "reserve", AuditEvent.subject_id == m, AuditEvent.trigger == "expire_term"
            )
        ).one()
        assert expiry.actor_id is None and expiry.actor_name != ""
        # The open items were cancelled with it, their deadlines closed: nobody is reminded of them.
        items = s.scalars(select(PlanItem).where(PlanItem.membership_id == m)).all()
        assert {i.state for i in items} == {"cancelled"}
        assert (
            s.scalars(
                select(Deadline).where(
                    Deadline.closed_at.is_(None),
                    Deadline.subject_type.in_(("reserve", "plan_item")),
                    Deadline.subject_id.in_([m, course_id, internship_id]),
                )
            ).all()
            == []
        )
        told = s.scalars(
            select(OutboxMessage).where(OutboxMessage.audit_event_id == expiry.id, OutboxMessage.channel == "email")
        ).all()
        assert {t.recipient_id for t in told} == {reserve.user("applicant"), reserve.user("hr")}
        assert {t.template for t in told} == {"reserve.expire_term"}
    at(runtime, irkutsk(2029, 11, 27, 9))
    assert term_notices(runtime, m)[-1] == ("expiry", 0, "fired")  # once

    auth.login("hr@example.ru")
    html = client.get("/reserve/?state=excluded").get_data(as_text=True)
    assert "Заявителева Елена Андреевна" in html and "истечение срока пребывания в резерве" in html
    assert "Заявителева" not in client.get("/public/reserve").get_data(as_text=True)


def test_an_extension_by_order_moves_the_term_and_its_reminders(runtime, reserve, client, auth):
    m = reserve.second
    at(runtime, irkutsk(2029, 8, 27, 9))
    assert term_notices(runtime, m) == [("reminder", 90, "sent")]

    runtime.engine.clock = lambda: irkutsk(2029, 9, 2, 11)
    auth.login("hr@example.ru")
    refused = post(
        client,
        f"/reserve/{m}/extend",
        {
            "version": membership_version(runtime, m),
            "order_number": "",
            "order_date": "2029-09-01",
            "new_term_end": "2029-10-01",
        },
        token_from=f"/reserve/{m}",
    )
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "укажите номер приказа" in text and "новый срок должен быть позже нынешнего (25.11.2029)" in text
    response = post(
        client,
        f"/reserve/{m}/extend",
        {
            "version": membership_version(runtime, m),
            "order_number": "123-к",
            "order_date": "2029-09-01",
            "new_term_end": "2030-06-30",
        },
        token_from=f"/reserve/{m}",
    )
    assert response.status_code == 303
    html = client.get(f"/reserve/{m}").get_data(as_text=True)
    assert "приказ № 123-к от 01.09.2029: с 25.11.2029 до 30.06.2030" in html
    with runtime.sessions() as s:
        membership = s.get(ReserveMembership, m)
        assert membership.term_end == date(2030, 6, 30)
        event = s.scalars(select(AuditEvent).where(AuditEvent.trigger == "extend_term")).one()
        assert event.reason == "Приказ № 123-к от 01.09.2029: срок продлён до 30.06.2030"
        assert json.loads(event.data)["previous_term_end"] == "2029-11-25"
    old, new = term_deadlines(runtime, m)
    assert old.closed_at is not None and new.closed_at is None
    assert new.due_at.astimezone(IRKUTSK) == datetime(2030, 7, 1, tzinfo=IRKUTSK)

    at(runtime, irkutsk(2029, 10, 26, 9))  # the old term's 30 days: nothing
    at(runtime, irkutsk(2029, 11, 26, 9))  # the old end: still in the reserve
    assert state_of(runtime, m) == "included"
    assert term_notices(runtime, m) == [("reminder", 90, "sent")]
    at(runtime, irkutsk(2030, 4, 1, 9))  # 90 days before the new end: reminded again
    at(runtime, irkutsk(2030, 4, 2, 9))
    at(runtime, irkutsk(2030, 5, 31, 9))
    assert term_notices(runtime, m) == [("reminder", 90, "sent"), ("reminder", 90, "sent"), ("reminder", 30, "sent")]
    at(runtime, irkutsk(2030, 7, 1, 0, 5))
    assert state_of(runtime, m) == "excluded"


def test_hr_excludes_for_a_listed_reason_and_the_member_is_told(runtime, reserve, client, auth):
    m = reserve.first
    course_id, _ = agreed_plan(runtime, reserve, m)
    auth.login("hr@example.ru")
    before = snapshot(runtime)
    for form, message in (
        ({"reason_code": ""}, "Выберите основание исключения из перечня: по собственному желанию"),
        ({"reason_code": "other", "note": "  "}, "Опишите иную причину исключения из резерва."),
    ):
        refused = post(
            client,
            f"/reserve/{m}/exclude",
            {"version": membership_version(runtime, m), **form},
            token_from=f"/reserve/{m}",
        )
        assert refused.status_code == 400 and message in refused.get_data(as_text=True)
        assert snapshot(runtime) == before
    response = post(
        client,
        f"/reserve/{m}/exclude",
        {"version": membership_version(runtime, m), "reason_code": "own_request", "note": "заявление от 20.11.2026"},
        token_from=f"/reserve/{m}",
    )
    assert response.status_code == 303
    assert state_of(runtime, m) == "excluded"
    with runtime.sessions() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.trigger == "exclude")).one()
        assert event.reason == "по собственному желанию: заявление от 20.11.2026"
        assert json.loads(event.data) == {"reason_code": "own_request"}  # the note is free text: erasable
        assert event.payload == {"reason_code": "own_request", "note": "заявление от 20.11.2026"}
        told = s.scalars(select(OutboxMessage).where(OutboxMessage.audit_event_id == event.id)).all()
        assert {(t.recipient_id, t.template) for t in told} == {
            (reserve.user("applicant"), "reserve.exclude"),
            (reserve.user("mentor"), "reserve.exclude"),
        }
        assert s.get(PlanItem, course_id).state == "cancelled"
    from reserve_flow.core.notifications.dispatch import render

    with runtime.sessions() as s:
        message = s.scalars(
            select(OutboxMessage).where(
                OutboxMessage.template == "reserve.exclude",
                OutboxMessage.channel == "email",
                OutboxMessage.recipient_id == reserve.user("applicant"),
            )
        ).one()
        rendered = render(message, s.get(ReserveMembership, m).user, "https://rezerv.example.ru")
    assert rendered.subject == "Исключение из кадрового резерва"
    assert "Основание: по собственному желанию: заявление от 20.11.2026." in rendered.text
    assert f"https://rezerv.example.ru/reserve/{m}" in rendered.text
    assert "по собственному желанию" in client.get(f"/reserve/{m}").get_data(as_text=True)
