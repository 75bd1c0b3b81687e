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
