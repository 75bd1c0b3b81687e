"""The scheduler's scan: reminders, escalations and expiries of deadlines counted in
Russian working days, each handled once, told through a real SMTP server."""

from __future__ import annotations

import shutil
from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from reserve_flow.contest.models.contests import Application
from reserve_flow.contest.models.documents import ApplicationDocument
from reserve_flow.core import workdays
from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.core.db import utcnow
from reserve_flow.core.deadlines.models import Deadline
from reserve_flow.core.deadlines.scheduler import Ticker, make_leader, scan_once
from reserve_flow.core.deadlines.scheduling import DeadlineNotice
from reserve_flow.core.notifications.dispatch import dispatch_once
from reserve_flow.core.notifications.models import OutboxMessage
from reserve_flow.core.workflow import Workflows
from reserve_flow.runtime import WORKFLOWS_DIR, Runtime
from tests.fixtures.scheduler import fire, irkutsk
from tests.helpers import NOW

SUBMITTED_REMINDER = "Напоминание о сроке: Заявление №"


def _open_deadline(runtime, application_id) -> Deadline:
    with runtime.sessions() as s:
        return s.scalars(
            select(Deadline).where(Deadline.subject_id == application_id, Deadline.closed_at.is_(None))
        ).one()


def _run(runtime, at):
    """One scheduler pass at moment `at`: the scan, then the dispatch."""
    scan = scan_once(runtime, at)
    dispatch_once(runtime, at)
    return scan


def _state(runtime, application_id) -> str:
    with runtime.sessions() as s:
        return s.get(Application, application_id).state


def test_reminder_reaches_the_secretary_once_in_russian(runtime, district, smtp_server):
    # Submitted Wednesday 25 Nov 2026: the secretary checks within 5 working days,
    # Thu 26 .. Wed 2 Dec, and is reminded when 1 working day is left: Tuesday 1 Dec, 09:00.
    _run(runtime, NOW)  # the contest's announcement, from the district fixture
    smtp_server.received.clear()
    fire(runtime, district.application_id, "submit", "applicant", district)
    deadline = _open_deadline(runtime, district.application_id)
    assert deadline.due_at == irkutsk(2026, 12, 3)
    _run(runtime, NOW)
    assert sorted(r.to[0] for r in smtp_server.received) == ["applicant@example.ru", "secretary@example.ru"]
    smtp_server.received.clear()

    for moment in (irkutsk(2026, 11, 27, 9), irkutsk(2026, 11, 30, 23, 59), irkutsk(2026, 12, 1, 8, 59)):
        assert not _run(runtime, moment)
    assert smtp_server.received == []

    result = _run(runtime, irkutsk(2026, 12, 1, 9))
    assert result.reminders == 1
    for later in (irkutsk(2026, 12, 1, 9, 1), irkutsk(2026, 12, 2, 9)):
        assert not _run(runtime, later)
    # A restarted scheduler (a new process: a runtime of its own) finds nothing left to do.
    again = Runtime(runtime.settings)
    try:
        assert not _run(again, irkutsk(2026, 12, 1, 9, 5))
    finally:
        again.dispose()

    assert len(smtp_server.received) == 1
    mail = smtp_server.received[0]
    assert mail.to == ["secretary@example.ru"]
    assert mail.subject == f"Напоминание о сроке: Заявление № {district.application_id}: Заявителева Елена Андреевна"
    text = mail.text()
    assert "Здравствуйте, Секретарёва Ольга Петровна!" in text
    assert "Последний день срока: 02.12.2026 (остался 1 рабочий день)." in text
    assert "Этап: Подано, на проверке документов." in text
    assert "как секретарь комиссии" in text
    assert f"http://127.0.0.1:5000/applications/{district.application_id}" in text
    assert "<strong>02.12.2026</strong>" in mail.html()
    assert str(mail.message["From"]).endswith("<reserve@example.ru>")
    # The same reminder waits in the secretary's in-app notifications.
    with runtime.sessions() as s:
        inapp = s.scalars(
            select(OutboxMessage).where(OutboxMessage.channel == "inapp", OutboxMessage.template == "deadline.reminder")
        ).all()
        assert [(m.recipient_id, m.status) for m in inapp] == [(district.users["secretary"], "sent")]


def test_returned_application_lapses_across_a_working_saturday_and_holidays(runtime, district, smtp_server):
    """The flagship expiry, with the real clock moved by time-machine: returned on
    Thursday 18 Feb 2027 with 3 working days to fix it: Fri 19, Saturday 20 (a
    working Saturday), then Sun 21, Mon 22 (the day off it was swapped for) and
    Tue 23 (a public holiday) do not count, so the last day is Wed 24 Feb; the
    application lapses at Irkutsk midnight."""
    runtime.engine.clock = utcnow  # the real clock, moved below
    ticker = Ticker(runtime, make_leader(runtime))
    applicant_mail = "applicant@example.ru"

    with time_machine.travel(NOW, tick=False):
        fire(runtime, district.application_id, "submit", "applicant", district)
    with time_machine.travel(irkutsk(2027, 2, 18, 10), tick=False):
        fire(
            runtime, district.application_id, "return_for_fix", "secretary", district, reason="Скан паспорта нечитаем."
        )
        assert ticker.tick() is not None  # this one scheduler acts
    deadline = _open_deadline(runtime, district.application_id)
    assert (deadline.state, deadline.on_expiry, deadline.actor_role) == ("returned", "lapse", "owner")
    assert workdays.last_day_of(deadline.due_at, runtime.tz).isoformat() == "2027-02-24"
    assert deadline.due_at == irkutsk(2027, 2, 25)
    returned = smtp_server.to(applicant_mail)[-1]
    assert "Вернуть на доработку" in returned.subject and "Скан паспорта нечитаем." in returned.text()
    smtp_server.received.clear()

    with time_machine.travel(irkutsk(2027, 2, 19, 23, 59), tick=False):
        ticker.tick()
    assert smtp_server.received == []
    # One working day (Wed 24) is left from the working Saturday on: the reminder comes then.
    with time_machine.travel(irkutsk(2027, 2, 20, 9), tick=False):
        scan, _ = ticker.tick()
    assert scan.reminders == 1
    [reminder] = smtp_server.received
    assert reminder.to == [applicant_mail]
    assert "остался 1 рабочий день" in reminder.text() and "24.02.2027" in reminder.text()
    assert "как владелец дела" in reminder.text()

    for moment in (irkutsk(2027, 2, 22, 12), irkutsk(2027, 2, 23, 12), irkutsk(2027, 2, 24, 23, 59)):
        with time_machine.travel(moment, tick=False):
            scan, _ = ticker.tick()
        assert not scan
        assert _state(runtime, district.application_id) == "returned"
    assert len(smtp_server.received) == 1

    with time_machine.travel(irkutsk(2027, 2, 25, 0, 0), tick=False):
        scan, dispatch = ticker.tick()
    assert (scan.expiries, scan.refused) == (1, 0)
    assert _state(runtime, district.application_id) == "lapsed"
    with runtime.sessions() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.trigger == "lapse")).one()
        assert (event.actor_id, event.actor_name, event.from_state, event.to_state) == (
            None,
            "система",
            "returned",
            "lapsed",
        )
        assert event.occurred_at == irkutsk(2027, 2, 25)
        notice = s.scalars(select(DeadlineNotice).where(DeadlineNotice.kind == "expiry")).one()
        assert (notice.outcome, notice.audit_event_id) == ("fired", event.id)
        assert s.get(Deadline, deadline.id).closed_at is not None
    lapsed = [r for r in smtp_server.received if "Истёк срок исправления" in r.subject]
    assert sorted(r.to[0] for r in lapsed) == [applicant_mail, "secretary@example.ru"]
    assert "Возвращено на доработку → Не исправлено в срок" in lapsed[0].text()

    with time_machine.travel(irkutsk(2027, 2, 25, 0, 1), tick=False):
        scan, _ = ticker.tick()
    assert not scan
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.trigger == "lapse")) == 1


def test_after_downtime_what_fell_due_is_handled_once(runtime, district, smtp_server):
    """No scheduler ran from Wednesday to Tuesday: the reminders 3 and 1 days before
    both fell due meanwhile; only the current one is sent. Then none ran until the
    deadline had passed: the chair is told, and no stale reminder goes out."""
    fire(runtime, district.application_id, "submit", "applicant", district)
    deadline = _open_deadline(runtime, district.application_id)
    with runtime.transaction() as s:
        changed = s.get(Deadline, deadline.id)
        changed.remind_before = "3,1"
        changed.next_notice_at = changed.opened_at  # changed by hand: the next scan looks again
    _run(runtime, NOW)
    smtp_server.received.clear()

    result = _run(runtime, irkutsk(2026, 12, 1, 11))
    assert (result.reminders, result.escalations) == (1, 0)
    [reminder] = smtp_server.received
    assert "остался 1 рабочий день" in reminder.text()
    with runtime.sessions() as s:
        outcomes = dict(
            s.execute(
                select(DeadlineNotice.offset_days, DeadlineNotice.outcome).where(DeadlineNotice.kind == "reminder")
            ).all()
        )
    assert outcomes == {1: "sent", 3: "skipped"}

    smtp_server.received.clear()
    result = _run(runtime, irkutsk(2026, 12, 7, 10))  # Monday after the deadline (Wed 2 Dec)
    assert (result.reminders, result.escalations, result.expiries) == (0, 1, 0)
    [escalation] = smtp_server.received
    assert escalation.to == ["chair@example.ru"]
    assert escalation.subject.startswith("Срок пропущен: Заявление №")
    text = escalation.text()
    assert "Последний день срока был: 02.12.2026." in text
    assert "Действовать должен был: секретарь комиссии (Секретарёва Ольга Петровна)." in text
    assert not _run(runtime, irkutsk(2026, 12, 8, 10))
    assert len(smtp_server.received) == 1
    assert _state(runtime, district.application_id) == "submitted"  # escalation only: no expiry here


def test_a_reminder_due_before_the_deadline_opened_is_not_sent(runtime, district, smtp_server):
    # Returned on Friday 27 Nov at 10:00 for 3 working days (Mon 30, Tue 1, Wed 2): the
    # 3-day reminder would be due Friday 09:00, before the return; only the 1-day one comes.
    fire(runtime, district.application_id, "submit", "applicant", district)
    fire(
        runtime,
        district.application_id,
        "return_for_fix",
        "secretary",
        district,
        at=irkutsk(2026, 11, 27, 10),
        reason="Нет подписи.",
    )
    deadline = _open_deadline(runtime, district.application_id)
    with runtime.transaction() as s:
        changed = s.get(Deadline, deadline.id)
        changed.remind_before = "3,1"
        changed.next_notice_at = changed.opened_at  # changed by hand: the next scan looks again
    assert not scan_once(runtime, irkutsk(2026, 11, 27, 11))
    assert not scan_once(runtime, irkutsk(2026, 11, 30, 12))
    assert scan_once(runtime, irkutsk(2026, 12, 1, 9)).reminders == 1
    with runtime.sessions() as s:
        assert s.scalars(select(DeadlineNotice.offset_days)).all() == [1]


def _workflows_with_guarded_lapse(tmp_path) -> Workflows:
    folder = tmp_path / "workflows"
    shutil.copytree(WORKFLOWS_DIR, folder)
    path = folder / "application.toml"
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        'trigger = "lapse"\nsource = "returned"\ndest = "lapsed"\nroles = ["system"]\n',
        'trigger = "lapse"\nsource = "returned"\ndest = "lapsed"\nroles = ["system"]\n'
        'guards = ["documents_complete"]\n',
    )
    assert 'guards = ["documents_complete"]\nnotify' in text
    path.write_text(text, encoding="utf-8")
    return Workflows.load(folder)


def test_refused_expiry_is_recorded_and_escalated_not_crashed(runtime, district, smtp_server, tmp_path):
    # A workflow whose lapse needs the mandatory documents, and an application that lost one.
    runtime.workflows = runtime.engine.workflows = _workflows_with_guarded_lapse(tmp_path)
    fire(runtime, district.application_id, "submit", "applicant", district)
    fire(runtime, district.application_id, "return_for_fix", "secretary", district, reason="Нет паспорта.")
    with runtime.transaction() as s:
        for document in s.scalars(select(ApplicationDocument).where(ApplicationDocument.kind_code == "passport")):
            s.delete(document)
    _run(runtime, NOW)
    smtp_server.received.clear()
    with runtime.sessions() as s:
        events_before = s.scalar(select(func.count()).select_from(AuditEvent))

    result = _run(runtime, irkutsk(2026, 12, 1, 0, 5))  # the fix period ended at midnight
    assert (result.expiries, result.refused) == (0, 1)
    assert _state(runtime, district.application_id) == "returned"
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == events_before  # nothing fired
        notices = {n.kind: n for n in s.scalars(select(DeadlineNotice))}
        assert notices["expiry"].outcome == "refused"
        assert notices["expiry"].detail == (
            "Действие «Истёк срок исправления» невозможно: не загружены обязательные документы: Паспорт."
        )
        assert notices["escalation"].recipients == 1
    # The state names no escalation role: the administrators are told.
    [mail] = smtp_server.received
    assert mail.to == ["admin@example.ru"]
    assert mail.subject.startswith("Действие по сроку не выполнено: Заявление №")
    assert "не загружены обязательные документы: Паспорт." in mail.text()
    assert "Дело осталось на этапе «Возвращено на доработку»" in mail.text()
    assert not _run(runtime, irkutsk(2026, 12, 2, 10))  # not retried, not re-escalated
    assert len(smtp_server.received) == 1


def test_deadline_closed_by_a_user_before_the_scan_calls_for_nothing(runtime, district, smtp_server):
    fire(runtime, district.application_id, "submit", "applicant", district)
    fire(runtime, district.application_id, "return_for_fix", "secretary", district, reason="Нет подписи.")
    fire(runtime, district.application_id, "resubmit", "applicant", district, at=NOW + timedelta(hours=1))
    result = _run(runtime, irkutsk(2026, 12, 1, 10))  # the fix period's end has passed
    assert (result.expiries, result.refused) == (0, 0)
    assert result.reminders == 1  # the new check period's reminder, to the secretary
    assert _state(runtime, district.application_id) == "submitted"
