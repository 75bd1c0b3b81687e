"""Wrong passwords sent at once for one account: the throttle counts every failure and
checks no more of them than it allows, in threads with their own sessions."""

from __future__ import annotations

import threading

from sqlalchemy import select

from reserve_flow.people.models import LoginThrottle
from reserve_flow.people.services.users import authenticate
from tests.helpers import NOW

TRIES = 20


def test_twenty_wrong_passwords_at_once_get_three_checked_and_all_counted(runtime, district):
    barrier = threading.Barrier(TRIES)
    results: list[object] = []
    lock = threading.Lock()

    def try_once():
        session = runtime.sessions()
        try:
            barrier.wait(timeout=30)
            outcome: object = authenticate(session, "hr@example.ru", "bad guess", NOW)
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test checks
            outcome = exc
        finally:
            session.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=try_once) for _ in range(TRIES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []  # no unique-key error on the first failure, no lock error
    checked = [r for r in results if not r.throttled]
    assert len(results) == TRIES and len(checked) == 3  # three free tries, however many come at once
    assert all(r.user is None for r in results)
    with runtime.sessions() as s:
        assert s.scalars(select(LoginThrottle.failures).where(LoginThrottle.email == "hr@example.ru")).all() == [3]
