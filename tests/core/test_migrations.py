"""The Alembic migrations and the ORM models describe the same schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from reserve_flow.core import migrate
from reserve_flow.core.db import Base, make_engine


def test_autogenerate_finds_no_difference(database_url):
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
        assert diff == []
        assert migrate.current_revisions(engine) == migrate.head_revisions()
    finally:
        engine.dispose()


def test_the_chain_head_is_seeded_by_the_migration(runtime):
    from reserve_flow.core.audit.models import AuditChainHead

    with runtime.sessions() as s:
        head = s.get(AuditChainHead, 1)
        assert (head.last_seq, head.last_hash) == (0, "0" * 64)
