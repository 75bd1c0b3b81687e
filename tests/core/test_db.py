"""The embedded SQLite database runs with foreign keys enforced and write-ahead logging."""

from sqlalchemy import text


def test_sqlite_pragmas_or_postgres(runtime, is_postgres):
    with runtime.db.connect() as conn:
        if is_postgres:
            assert conn.dialect.driver == "psycopg"  # psycopg 3, from a plain postgresql:// URL
        else:
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_timestamps_come_back_aware_in_utc(runtime, district):
    from datetime import timedelta

    from reserve_flow.contest.models.contests import Application
    from tests.helpers import NOW

    with runtime.sessions() as s:
        consent = s.get(Application, district.application_id).consent_given_at
    assert consent == NOW - timedelta(hours=1) and consent.utcoffset() == timedelta(0)


def _throttle_emails(runtime) -> set[str]:
    from sqlalchemy import select

    from reserve_flow.people.models import LoginThrottle

    with runtime.sessions() as s:
        return set(s.scalars(select(LoginThrottle.email)))


def test_a_failing_unit_of_work_takes_its_savepoint_back_with_it(runtime):
    """The work of a savepoint released inside a unit of work is undone when the unit of
    work fails later: on SQLite the release once committed it (the vacancy opened under a
    savepoint stayed while its start was rolled back)."""
    import pytest
    from sqlalchemy import func, select

    from reserve_flow.core.db import unit_of_work
    from reserve_flow.people.models import LoginThrottle
    from tests.helpers import NOW

    session = runtime.sessions()
    with pytest.raises(RuntimeError), unit_of_work(session):
        session.scalar(select(func.count(LoginThrottle.id)))  # a read first, as a service does
        with session.begin_nested():
            session.add(LoginThrottle(email="inside@savepoint.test", failures=1, last_failure_at=NOW))
        session.add(LoginThrottle(email="after@savepoint.test", failures=1, last_failure_at=NOW))
        session.flush()
        raise RuntimeError("the step after the savepoint fails")
    session.close()
    assert _throttle_emails(runtime) == set()


def test_a_savepoint_rolled_back_leaves_nothing_and_the_rest_commits(runtime):
    import pytest

    from reserve_flow.core.db import unit_of_work
    from reserve_flow.people.models import LoginThrottle
    from tests.helpers import NOW

    session = runtime.sessions()
    with unit_of_work(session):
        with pytest.raises(ValueError), session.begin_nested():
            session.add(LoginThrottle(email="dropped@savepoint.test", failures=1, last_failure_at=NOW))
            session.flush()
            raise ValueError("the nested step fails")
        session.add(LoginThrottle(email="kept@savepoint.test", failures=1, last_failure_at=NOW))
    session.close()
    assert _throttle_emails(runtime) == {"kept@savepoint.test"}
