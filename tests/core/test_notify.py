"""The outbox dispatcher against a real SMTP server on loopback: nothing lost while
the server is down, nothing sent twice, retries with backoff, failures kept for
the administrator."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import time_machine
from sqlalchemy import select

from reserve_flow.core.db import utcnow
from reserve_flow.core.notifications.dispatch import dispatch_once, retry_delay
from reserve_flow.core.notifications.models import OutboxMessage
from tests.fixtures.scheduler import fire
from tests.helpers import NOW


def _emails(runtime) -> list[OutboxMessage]:
    with runtime.sessions() as s:
        return list(s.scalars(select(OutboxMessage).where(OutboxMessage.channel == "email").order_by(OutboxMessage.id)))


def _drain(runtime, smtp_server) -> None:
    dispatch_once(runtime, NOW)  # the district's contest announcement
    smtp_server.received.clear()


def test_smtp_down_then_up_every_message_arrives_once(runtime, district, smtp_server):
    _drain(runtime, smtp_server)
    smtp_server.stop()
    fire(runtime, district.application_id, "submit", "applicant", district)
    fire(runtime, district.application_id, "return_for_fix", "secretary", district, reason="Нет подписи.")
    fire(runtime, district.application_id, "resubmit", "applicant", district)
    queued = [m for m in _emails(runtime) if m.status == "pending"]
    assert len(queued) == 5  # submit: owner + secretary; return: owner; resubmit: owner + secretary

    result = dispatch_once(runtime, NOW)
    assert (result.sent, result.retrying, result.failed) == (0, 1, 0)  # the pass stops at the dead server
    result = dispatch_once(runtime, NOW + timedelta(seconds=30))
    assert (result.sent, result.retrying) == (0, 1)
    assert {m.status for m in _emails(runtime)} == {"sent", "pending"}
    tried = [m for m in _emails(runtime) if m.status == "pending" and m.attempts]
    assert len(tried) == 2 and all("Connection refused" in m.last_error for m in tried)

    smtp_server.start()
    result = dispatch_once(runtime, NOW + timedelta(minutes=5))
    assert (result.sent, result.retrying, result.failed) == (5, 0, 0)
    assert not dispatch_once(runtime, NOW + timedelta(hours=1)).sent
    assert len(smtp_server.received) == 5
    assert len({str(r.message["Message-ID"]) for r in smtp_server.received}) == 5
    assert Counter(r.to[0] for r in smtp_server.received) == {"applicant@example.ru": 3, "secretary@example.ru": 2}
    assert all(m.status == "sent" and m.last_error is None for m in _emails(runtime))
    returned = next(r for r in smtp_server.received if "Вернуть на доработку" in r.subject)
    assert "Причина: Нет подписи." in returned.text()
    assert "Подано, на проверке документов → Возвращено на доработку" in returned.text()


def test_retries_back_off_exponentially_up_to_the_cap_and_never_fail_while_the_server_is_down(
    runtime, district, smtp_server
):
    runtime.settings["smtp"].update(max_attempts=3, retry_base_seconds=60, retry_max_seconds=240)
    fire(runtime, district.application_id, "submit", "applicant", district)
    _drain(runtime, smtp_server)
    smtp_server.stop()
    fire(runtime, district.application_id, "return_for_fix", "secretary", district, reason="Нет подписи.")
    [first] = [m for m in _emails(runtime) if m.status == "pending"]  # to the applicant only
    waits = []
    at = NOW
    for attempt in range(1, 7):  # twice smtp.max_attempts: an unreachable server is not the message's fault
        dispatch_once(runtime, at)
        with runtime.sessions() as s:
            message = s.get(OutboxMessage, first.id)
        assert (message.attempts, message.status) == (attempt, "pending")
        waits.append(message.next_attempt_at - at)
        assert not dispatch_once(runtime, message.next_attempt_at - timedelta(seconds=1)).retrying
        at = message.next_attempt_at
    assert waits == [timedelta(seconds=s) for s in (60, 120, 240, 240, 240, 240)]
    assert "127.0.0.1" in message.last_error

    smtp_server.start()
    assert dispatch_once(runtime, at).sent == 1
    assert [r.to for r in smtp_server.received] == [["applicant@example.ru"]]
    assert retry_delay(10, 60, 3600) == timedelta(seconds=3600)


def test_an_outage_longer_than_the_old_retry_schedule_loses_nothing_and_sends_once(runtime, district, smtp_server):
    """Default settings; the server is down for a whole day while the scheduler keeps
    ticking every minute, with the real clock moved by time-machine; every queued
    message arrives once it is back (the old rule failed them after 8 tries, ~2 h)."""
    runtime.engine.clock = utcnow  # the real clock, moved below
    smtp = runtime.settings["smtp"]
    assert (smtp["max_attempts"], smtp["retry_base_seconds"]) == (8, 60)
    with time_machine.travel(NOW, tick=False):
        dispatch_once(runtime, runtime.now())  # the district's contest announcement
    smtp_server.received.clear()
    smtp_server.stop()
    with time_machine.travel(NOW, tick=False):
        fire(runtime, district.application_id, "submit", "applicant", district)
        fire(runtime, district.application_id, "return_for_fix", "secretary", district, reason="Нет подписи.")
        fire(runtime, district.application_id, "resubmit", "applicant", district)
    queued = {m.id for m in _emails(runtime) if m.status == "pending"}
    assert len(queued) == 5

    with time_machine.travel(NOW, tick=False) as clock:
        for _minute in range(24 * 60):
            result = dispatch_once(runtime, runtime.now())
            assert (result.sent, result.failed) == (0, 0)
            clock.shift(timedelta(minutes=1))
        tried = {m.id: m.attempts for m in _emails(runtime) if m.id in queued}
        assert all(m.status == "pending" for m in _emails(runtime) if m.id in queued)
        assert min(tried.values()) > smtp["max_attempts"]  # each tried more often than the old limit allowed

        smtp_server.start()
        for _minute in range(smtp["retry_max_seconds"] // 60 + 1):  # back within one capped wait
            dispatch_once(runtime, runtime.now())
            clock.shift(timedelta(minutes=1))
        for _minute in range(60):  # and nothing more afterwards
            dispatch_once(runtime, runtime.now())
            clock.shift(timedelta(minutes=1))

    assert all(m.status == "sent" for m in _emails(runtime) if m.id in queued)
    assert len(smtp_server.received) == 5
    assert len({str(r.message["Message-ID"]) for r in smtp_server.received}) == 5
    assert Counter(r.to[0] for r in smtp_server.received) == {"applicant@example.ru": 3, "secretary@example.ru": 2}


def test_try_later_from_the_server_delays_a_message_and_never_fails_it(runtime, district, smtp_server):
    _drain(runtime, smtp_server)
    smtp_server.defer.add("secretary@example.ru")
    fire(runtime, district.application_id, "submit", "applicant", district)
    at = NOW
    for _ in range(runtime.settings["smtp"]["max_attempts"] + 2):
        dispatch_once(runtime, at)
        at += timedelta(seconds=runtime.settings["smtp"]["retry_max_seconds"])
    [deferred] = [m for m in _emails(runtime) if m.status != "sent"]
    assert deferred.status == "pending" and "451" in deferred.last_error
    assert [r.to for r in smtp_server.received] == [["applicant@example.ru"]]  # the others were not held up
    smtp_server.defer.clear()
    dispatch_once(runtime, at)
    assert [r.to[0] for r in smtp_server.received] == ["applicant@example.ru", "secretary@example.ru"]


def test_a_mailbox_refused_for_good_fails_at_once_and_others_still_go(runtime, district, smtp_server):
    _drain(runtime, smtp_server)
    smtp_server.refuse.add("secretary@example.ru")
    fire(runtime, district.application_id, "submit", "applicant", district)
    result = dispatch_once(runtime, NOW)
    assert (result.sent, result.failed) == (1, 1)
    assert [r.to for r in smtp_server.received] == [["applicant@example.ru"]]
    failed = [m for m in _emails(runtime) if m.status == "failed"]
    assert len(failed) == 1 and failed[0].attempts == 1 and "550" in failed[0].last_error


def test_in_app_notifications_are_delivered_by_the_dispatcher(runtime, district, smtp_server):
    fire(runtime, district.application_id, "submit", "applicant", district)
    result = dispatch_once(runtime, NOW)
    assert result.delivered >= 2
    with runtime.sessions() as s:
        inapp = s.scalars(select(OutboxMessage).where(OutboxMessage.channel == "inapp")).all()
    assert {m.status for m in inapp} == {"sent"} and all(m.sent_at == NOW for m in inapp)
    assert dispatch_once(runtime, NOW).delivered == 0
