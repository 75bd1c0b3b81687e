"""The outbox dispatcher against a real SMTP server on loopback: nothing lost while
the server is down, nothing sent twice, retries with backoff, failures kept for
the administrator."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

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


def test_retries_back_off_exponentially_and_end_as_failed(runtime, district, smtp_server):
    runtime.settings["smtp"].update(max_attempts=3, retry_base_seconds=60, retry_max_seconds=3600)
    fire(runtime, district.application_id, "submit", "applicant", district)
    _drain(runtime, smtp_server)
    smtp_server.stop()
    fire(runtime, district.application_id, "return_for_fix", "secretary", district, reason="Нет подписи.")
    [first] = [m for m in _emails(runtime) if m.status == "pending"]  # to the applicant only
    moments = []
    at = NOW
    for attempt in (1, 2, 3):
        dispatch_once(runtime, at)
        with runtime.sessions() as s:
            message = s.get(OutboxMessage, first.id)
        assert message.attempts == attempt
        if attempt < 3:
            assert message.status == "pending"
            moments.append(message.next_attempt_at - at)
            assert not dispatch_once(runtime, message.next_attempt_at - timedelta(seconds=1)).retrying
            at = message.next_attempt_at
    assert moments == [timedelta(seconds=60), timedelta(seconds=120)]
    assert message.status == "failed"
    assert "127.0.0.1" in message.last_error
    assert retry_delay(10, 60, 3600) == timedelta(seconds=3600)


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
