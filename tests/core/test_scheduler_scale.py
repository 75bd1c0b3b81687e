"""The scheduler at scale: among 70,000 open deadlines the scan finds the few that are
due in the database (no id list sent back to it: PostgreSQL takes at most 65,535
parameters), sends exactly their reminders, and a minute with nothing due costs one
query. And a scan that fails never keeps the queued mail from going out."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import event, func, insert, select
from sqlalchemy.exc import OperationalError

from reserve_flow.core.deadlines import scheduler
from reserve_flow.core.deadlines.models import Deadline
from reserve_flow.core.deadlines.scheduler import Ticker, make_leader, scan_once
from reserve_flow.core.deadlines.scheduling import DeadlineNotice
from reserve_flow.core.notifications.dispatch import dispatch_once
from reserve_flow.core.notifications.models import OutboxMessage
from tests.fixtures.scheduler import fire, irkutsk
from tests.helpers import NOW

OPEN = 70_000
BULK_DUE = 4
# Submitted on NOW (Wed 25 Nov 2026), the secretary's 5 working days end on Wed 2 Dec;
# the reminder 1 working day before falls due on Tue 1 Dec at 09:00.
REMINDER_AT = irkutsk(2026, 12, 1, 9)
SCAN_AT = irkutsk(2026, 12, 1, 9, 30)


class _Statements:
    """Counts the statements a database connection pool sends while attached."""

    def __init__(self, engine) -> None:
        self.engine, self.count = engine, 0

    def _seen(self, *_args) -> None:
        self.count += 1

    def __enter__(self) -> _Statements:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


def _submitted_deadline(runtime, district) -> Deadline:
    fire(runtime, district.application_id, "submit", "applicant", district)
    with runtime.sessions() as s:
        deadline = s.scalars(
            select(Deadline).where(Deadline.subject_id == district.application_id, Deadline.closed_at.is_(None))
        ).one()
        assert deadline.next_notice_at == REMINDER_AT  # computed when the deadline opened
        s.expunge(deadline)
        return deadline


def _copy(deadline: Deadline, **changes) -> dict:
    columns = [c.key for c in Deadline.__table__.columns if c.key != "id"]
    return {**{key: getattr(deadline, key) for key in columns}, **changes}


def _bulk_insert(runtime, real: Deadline) -> set[int]:
    """70,000 open deadlines on the same case: a few due now (like the real one), the
    rest with their next notice later or none left; plus a closed one that looks due.
    Returns the ids of the due copies."""
    later = [
        _copy(real, next_notice_at=None if i % 7 == 0 else irkutsk(2026, 12, 1, 10) + timedelta(seconds=i))
        for i in range(OPEN - BULK_DUE - 1)
    ]
    with runtime.transaction() as s:
        s.execute(insert(Deadline), later)
        s.execute(insert(Deadline), [_copy(real, closed_at=NOW, next_notice_at=REMINDER_AT)])
        due = s.scalars(
            insert(Deadline).returning(Deadline.id), [_copy(real, next_notice_at=REMINDER_AT)] * BULK_DUE
        ).all()
        assert s.scalar(select(func.count()).select_from(Deadline).where(Deadline.closed_at.is_(None))) == OPEN
    return set(due)


def test_among_70000_open_deadlines_the_scan_sends_exactly_the_due_reminders(runtime, district, smtp_server):
    dispatch_once(runtime, NOW)  # the announcement of the district's contest
    real = _submitted_deadline(runtime, district)
    due = _bulk_insert(runtime, real) | {real.id}
    dispatch_once(runtime, NOW)
    smtp_server.received.clear()

    result = scan_once(runtime, SCAN_AT, batch=2)  # small pages: the keyset paging is exercised
    assert (result.reminders, result.escalations, result.expiries) == (len(due), 0, 0)
    with runtime.sessions() as s:
        noticed = s.execute(select(DeadlineNotice.deadline_id, DeadlineNotice.kind, DeadlineNotice.offset_days)).all()
        assert sorted(noticed) == sorted((deadline_id, "reminder", 1) for deadline_id in due)
        # each due deadline now waits for its end (its escalation to the chair)
        assert set(s.scalars(select(Deadline.next_notice_at).where(Deadline.id.in_(due)))) == {real.due_at}
    dispatch_once(runtime, SCAN_AT)
    reminders = [r for r in smtp_server.received if r.subject.startswith("Напоминание о сроке")]
    assert [r.to for r in reminders] == [["secretary@example.ru"]] * len(due)

    # The next minute: nothing is due, and the database says so in one query.
    with _Statements(runtime.db) as statements:
        assert not scan_once(runtime, irkutsk(2026, 12, 1, 9, 31))
    assert statements.count == 1


@pytest.mark.parametrize(
    "failure",
    [RuntimeError("the scan broke"), OperationalError("SELECT 1", {}, Exception("the scan broke"))],
    ids=["a bug", "a database error"],
)
def test_a_scan_that_raises_does_not_stop_the_mail(runtime, district, smtp_server, monkeypatch, caplog, failure):
    dispatch_once(runtime, NOW)
    smtp_server.received.clear()
    fire(runtime, district.application_id, "submit", "applicant", district)  # queues its notifications

    def broken_scan(*_args, **_kwargs):
        raise failure

    monkeypatch.setattr(scheduler, "scan_once", broken_scan)
    with caplog.at_level(logging.ERROR, logger=scheduler.__name__):
        scan, dispatch = Ticker(runtime, make_leader(runtime)).tick()
    assert not scan and dispatch.sent > 0
    assert sorted(r.to[0] for r in smtp_server.received) == ["applicant@example.ru", "secretary@example.ru"]
    assert "deadline scan failed" in caplog.text and "the scan broke" in caplog.text
    with runtime.sessions() as s:
        pending = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")
        assert s.scalar(pending.where(OutboxMessage.channel == "email")) == 0
