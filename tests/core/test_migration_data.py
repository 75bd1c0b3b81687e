"""Upgrading a database that already holds data keeps it: table rebuilds on SQLite
must not cascade into child rows (roles, commission seats, document kinds)."""

from __future__ import annotations

from sqlalchemy import text

from reserve_flow.core import migrate
from reserve_flow.core.db import make_engine


def test_upgrade_from_the_first_schema_keeps_roles_and_seats(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    migrate.upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (id, email, full_name, password_hash, active, position, created_at) "
                "VALUES (1, 'a@b.ru', 'Секретарёва О. П.', 'x', 1, '', '2026-01-01 00:00:00')"
            )
        )
        conn.execute(text("INSERT INTO user_roles (user_id, role) VALUES (1, 'secretary')"))
        conn.execute(
            text(
                "INSERT INTO contests (id, title, announcement, organization_kinds, accept_from, accept_to, "
                "check_period_days, fix_period_days, vote_period_days, quorum_numerator, quorum_denominator, "
                "reserve_term_years, secretary_id, created_at) VALUES (1, 'Конкурс', '', 'school', "
                "'2026-01-01', '2026-02-01', 5, 5, 5, 2, 3, 3, 1, '2026-01-01 00:00:00')"
            )
        )
        conn.execute(text("INSERT INTO commission_seats (contest_id, user_id) VALUES (1, 1)"))
        conn.execute(
            text(
                "INSERT INTO contest_document_kinds (contest_id, code, title, mandatory, position) "
                "VALUES (1, 'passport', 'Паспорт', 1, 1)"
            )
        )
    migrate.upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT role FROM user_roles")).scalars().all() == ["secretary"]
        assert conn.execute(text("SELECT count(*) FROM commission_seats")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM contest_document_kinds")).scalar() == 1
        assert conn.execute(text("SELECT state FROM contests")).scalar() == "draft"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1  # the app's connections keep them on
    assert migrate.current_revisions(engine) == migrate.head_revisions()
    engine.dispose()
