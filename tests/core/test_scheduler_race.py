"""Two schedulers at once, each a runtime of its own (its own connections), over the
same due deadlines: every reminder and escalation is sent exactly once and every
expiry fires once. Runs on SQLite and on PostgreSQL; only one scheduler acts under
leader election, and another takes over when it dies."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from reserve_flow.contest.models.contests import Application
from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.core.deadlines.scheduler import LeaseLeader, Ticker, make_leader, scan_once
from reserve_flow.core.deadlines.scheduling import DeadlineNotice
from reserve_flow.core.fencing import LeaseLost
from reserve_flow.core.notifications.dispatch import dispatch_once
from reserve_flow.core.notifications.models import OutboxMessage
from reserve_flow.runtime import Runtime
from tests.fixtures.scheduler import add_application, fire, irkutsk
from tests.helpers import NOW


def _together(runtimes, job):
    """Run job(runtime) in one thread per runtime, released at once by a barrier."""
    barrier = threading.Barrier(len(runtimes))
    errors: list[BaseException] = []

    def run(rt):
        try:
            barrier.wait(timeout=10)
            job(rt)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(rt,)) for rt in runtimes]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert errors == []


def test_two_schedulers_at_once_send_each_reminder_once_and_fire_each_expiry_once(runtime, district, smtp_server):
    owners = {district.application_id: "applicant"}
    for n in range(3, 7):
        owners[add_application(runtime, district, f"applicant{n}", f"Кандидатов Иван {n}")] = f"applicant{n}"
    ids = list(owners)
    returned, submitted = ids[:3], ids[3:]
    for application_id, owner in owners.items():
        fire(runtime, application_id, "submit", owner, district)
    for application_id in returned:
        fire(runtime, application_id, "return_for_fix", "secretary", district, reason="Нет подписи.")
    dispatch_once(runtime, NOW)
    smtp_server.received.clear()

    schedulers = [Runtime(runtime.settings) for _ in range(2)]
    try:
        # Friday 27 Nov, 09:00: a fix period (Thu 26, Fri 27, Mon 30) has 1 working day left.
        # Tuesday 1 Dec, 09:00: the fix periods ended at midnight; the checks have 1 day left.
        # Thursday 3 Dec, 10:00: the checks (Thu 26 .. Wed 2) have passed: the chair is told.
        for moment in (irkutsk(2026, 11, 27, 9), irkutsk(2026, 12, 1, 9), irkutsk(2026, 12, 3, 10)):
            for rt in schedulers:
                rt.engine.clock = lambda moment=moment: moment

            def one_pass(rt, moment=moment):
                scan_once(rt, moment)
                dispatch_once(rt, moment)

            _together(schedulers, one_pass)
    finally:
        for rt in schedulers:
            rt.dispose()

    with runtime.sessions() as s:
        states = {a.id: a.state for a in s.scalars(select(Application).where(Application.id.in_(ids)))}
        assert {states[i] for i in returned} == {"lapsed"} and {states[i] for i in submitted} == {"submitted"}
        lapses = s.scalars(select(AuditEvent.subject_id).where(AuditEvent.trigger == "lapse")).all()
        assert sorted(lapses) == sorted(returned)  # every expiry fired, and once
        notices = Counter(s.execute(select(DeadlineNotice.kind, DeadlineNotice.outcome)).all())
        assert notices == {("reminder", "sent"): 5, ("expiry", "fired"): 3, ("escalation", "sent"): 2}
        assert s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status != "sent")) == 0

    by_subject = Counter((r.to[0], r.subject) for r in smtp_server.received)
    assert all(count == 1 for count in by_subject.values()), by_subject
    reminders = [key for key in by_subject if key[1].startswith("Напоминание о сроке")]
    # Three owners reminded of their fix period, the secretary of two checks.
    assert sorted(to for to, _ in reminders) == sorted(
        [_email(runtime, i) for i in returned] + ["secretary@example.ru"] * 2
    )
    lapsed = [key for key in by_subject if "Истёк срок исправления" in key[1]]
    assert len(lapsed) == 6  # each lapse told its owner and the secretary
    escalations = [key for key in by_subject if key[1].startswith("Срок пропущен")]
    assert sorted(to for to, _ in escalations) == ["chair@example.ru"] * 2
    assert len(smtp_server.received) == 5 + 6 + 2


def _email(runtime, application_id) -> str:
    with runtime.sessions() as s:
        return s.get(Application, application_id).applicant.email


def test_two_dispatchers_send_each_message_once(runtime, district, smtp_server):
    fire(runtime, district.application_id, "submit", "applicant", district)
    with runtime.sessions() as s:
        queued = s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.channel == "email"))
    dispatchers = [Runtime(runtime.settings) for _ in range(2)]
    try:
        _together(dispatchers, lambda rt: dispatch_once(rt, NOW))
    finally:
        for rt in dispatchers:
            rt.dispose()
    ids = Counter(str(r.message["Message-ID"]) for r in smtp_server.received)
    assert len(ids) == queued and set(ids.values()) == {1}


def test_one_scheduler_acts_and_another_takes_over_when_it_dies(runtime, district):
    first, second = (Runtime(runtime.settings) for _ in range(2))
    try:
        leaders = [make_leader(first, "first"), make_leader(second, "second")]
        acting = [Ticker(first, leaders[0]), Ticker(second, leaders[1])]
        moment = NOW
        for rt in (first, second):
            rt.engine.clock = lambda: moment
        assert acting[0].tick() is not None
        assert acting[1].tick() is None  # idle while the first holds the lock
        moment = NOW + timedelta(seconds=60)
        assert acting[0].tick() is not None and acting[1].tick() is None

        # The first scheduler dies without releasing anything: its lease outlives it by lease_seconds (120).
        moment = NOW + timedelta(seconds=60 + 119)
        assert acting[1].tick() is None
        moment = NOW + timedelta(seconds=60 + 120)
        assert acting[1].tick() is not None
        assert acting[1].tick() is not None  # and keeps it
    finally:
        for leader in leaders:
            leader.release()
        first.dispose()
        second.dispose()


def test_the_lease_is_renewed_by_its_holder_and_taken_over_only_when_expired(runtime):
    one, two = LeaseLeader(runtime, "one"), LeaseLeader(runtime, "two")
    assert one.hold(NOW)
    assert not two.hold(NOW + timedelta(seconds=119))
    assert one.hold(NOW + timedelta(seconds=100))  # renewed until NOW + 220 s
    assert not two.hold(NOW + timedelta(seconds=219))
    assert two.hold(NOW + timedelta(seconds=220))
    assert not one.hold(NOW + timedelta(seconds=221))  # the old holder is idle now
    two.release()  # a clean shutdown frees the lease at once
    assert one.hold(NOW + timedelta(seconds=222))


def test_a_leader_that_wakes_after_losing_its_lease_sends_nothing(runtime, district, smtp_server):
    """The first scheduler stalls (SIGSTOP, a frozen VM) while leader; the second takes
    the expired lease over. Woken, the first finds due work it read before, but every
    transaction it starts is fenced: nothing is recorded, claimed or sent."""
    fire(runtime, district.application_id, "submit", "applicant", district)
    dispatch_once(runtime, NOW)
    smtp_server.received.clear()
    reminder_due = irkutsk(2026, 12, 1, 9)  # the secretary's check: 1 working day left
    first, second = (Runtime(runtime.settings) for _ in range(2))
    try:
        stalled, standby = LeaseLeader(first, "first"), LeaseLeader(second, "second")
        for rt, moment in (
            (first, reminder_due - timedelta(seconds=1)),
            (second, reminder_due + timedelta(seconds=120)),
        ):
            rt.engine.clock = lambda moment=moment: moment
        assert stalled.hold(first.now())
        assert standby.hold(second.now())  # the first has not renewed for lease_seconds

        first.engine.clock = lambda: reminder_due + timedelta(seconds=121)  # the first wakes up
        with pytest.raises(LeaseLost):
            scan_once(first, first.now(), fence=stalled.fence)
        with pytest.raises(LeaseLost):
            dispatch_once(first, first.now(), fence=stalled.fence)
        with runtime.sessions() as s:
            assert s.scalar(select(func.count()).select_from(DeadlineNotice)) == 0
        assert Ticker(first, stalled).tick() is None  # and it stays idle

        scan, dispatch = Ticker(second, standby).tick()
        assert (scan.reminders, dispatch.sent) == (1, 1)
    finally:
        first.dispose()
        second.dispose()
    assert [(r.to, r.subject.split(":")[0]) for r in smtp_server.received] == [
        (["secretary@example.ru"], "Напоминание о сроке")
    ]


def test_the_lease_fence_renews_the_lease_of_a_busy_leader(runtime):
    leader, standby = LeaseLeader(runtime, "busy"), LeaseLeader(runtime, "standby")
    assert leader.hold(NOW)
    runtime.engine.clock = lambda: NOW + timedelta(seconds=100)  # a long tick, still working
    with runtime.transaction() as session:
        leader.fence(session)
    assert not standby.hold(NOW + timedelta(seconds=150))  # renewed until NOW + 220 s by the fence
    assert standby.hold(NOW + timedelta(seconds=220))
