"""Migration 0007g on a database with a version 1 audit chain (names, reasons and file
names hashed): the old chain is checked, its personal part moved out of the hashed
fields, every event re-hashed, the version 1 head recorded; afterwards the chain
verifies, and an old event's personal data can be erased. A broken old chain stops it."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import select
from sqlalchemy.orm import Session

from reserve_flow.core import migrate
from reserve_flow.core.audit.chain import GENESIS_HASH, verify_chain
from reserve_flow.core.audit.erasure import erase_personal_data
from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.core.db import UTCDateTime, make_engine

V1_FIELDS = ("seq", "kind", "actor_id", "actor_name", "subject_type", "subject_id", "trigger", "from_state",
             "to_state", "reason", "data", "prev_hash")  # fmt: skip
START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

EVENTS = [  # as version 1 wrote them
    dict(kind="transition", actor_id=None, actor_name="система", subject_type="contest", subject_id=1,
         trigger="announce", from_state="draft", to_state="announced", reason=None, data={}),
    dict(kind="transition", actor_id=1, actor_name="Секретарёва Ольга Петровна", subject_type="application",
         subject_id=1, trigger="return_for_fix", from_state="submitted", to_state="returned",
         reason="Паспорт Заявителевой нечитаем", data={"returned_documents": [4]}),
    dict(kind="personal_file_viewed", actor_id=1, actor_name="Секретарёва Ольга Петровна",
         subject_type="application", subject_id=1, trigger=None, from_state=None, to_state=None, reason=None,
         data={"document_id": 4, "file": "Паспорт Заявителевой.pdf", "kind": "passport"}),
]  # fmt: skip

_EVENTS = sa.table(
    "audit_events",
    *(sa.column(name) for name in V1_FIELDS),
    sa.column("occurred_at", UTCDateTime(timezone=True)),
    sa.column("hash"),
)


def _v1_hash(row: dict) -> str:
    body = {name: row[name] for name in V1_FIELDS}
    body["occurred_at"] = row["occurred_at"].strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    ).hexdigest()


@pytest.fixture
def schema_0006b(database_url, tmp_path):
    """An empty database at 0006b: on PostgreSQL the test's migrated one taken back down
    (which runs 0007g's downgrade), on SQLite a new file brought up to it."""
    if database_url.startswith("postgresql"):
        engine = make_engine(database_url)
        cfg = migrate.alembic_config()
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.downgrade(cfg, "0006b")
    else:
        engine = make_engine(f"sqlite:///{tmp_path / 'v1.sqlite3'}")
        migrate.upgrade(engine, "0006b")
    yield engine
    engine.dispose()


def write_v1_chain(engine, *, break_at: int | None = None) -> str:
    prev = GENESIS_HASH
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO users (id, email, full_name, password_hash, active, position, created_at) "
                "VALUES (1, 's@b.ru', 'Секретарёва Ольга Петровна', 'x', :yes, '', :at)"
            ),
            {"yes": True, "at": START},
        )
        for seq, event in enumerate(EVENTS, start=1):
            row = {**event, "seq": seq, "occurred_at": START + timedelta(minutes=seq), "prev_hash": prev}
            row["data"] = json.dumps(row["data"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            row["hash"] = prev = _v1_hash(row)
            if seq == break_at:
                row["reason"] = "исправлено задним числом"
            conn.execute(_EVENTS.insert().values(**row))
        conn.execute(sa.text("UPDATE audit_chain_head SET last_seq = 3, last_hash = :h WHERE id = 1"), {"h": prev})
    return prev


def test_a_version_1_chain_is_moved_to_version_2_and_stays_verifiable(schema_0006b):
    engine = schema_0006b
    v1_head = write_v1_chain(engine)
    migrate.upgrade(engine)
    assert migrate.current_revisions(engine) == migrate.head_revisions()
    with Session(engine) as s:
        result = verify_chain(s)
        assert result.ok, result.problem
        assert result.checked == 4  # the three old events and the upgrade's own
        events = list(s.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
        returned, viewed, upgraded = events[1:]
        assert (returned.actor_name, returned.reason) == ("Секретарёва Ольга Петровна", "Паспорт Заявителевой нечитаем")
        assert json.loads(returned.data) == {"returned_documents": [4]}
        assert json.loads(viewed.data) == {"document_id": 4, "kind": "passport"}  # the file name left the hash
        assert viewed.payload["file"] == "Паспорт Заявителевой.pdf"
        assert viewed.occurred_at == START + timedelta(minutes=3)
        assert upgraded.kind == "audit_chain_upgraded"
        assert json.loads(upgraded.data) == {"v1_events": 3, "v1_head_hash": v1_head}
        returned_id = returned.id
    with Session(engine) as s:
        assert erase_personal_data(s, event_ids=[returned_id], act_id=3, reason="Акт № 3") == 1
    with Session(engine) as s:
        result = verify_chain(s)
        assert result.ok and result.erased == 1 and result.erasure_acts == {3: 1}
        assert s.get(AuditEvent, returned_id).reason is None
    with engine.connect() as conn:  # the table is append-only again after the upgrade
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            conn.execute(sa.text("UPDATE audit_events SET data = '{}' WHERE seq = 1"))


def test_a_broken_version_1_chain_stops_the_upgrade(schema_0006b):
    write_v1_chain(schema_0006b, break_at=2)
    with pytest.raises(RuntimeError, match="audit chain broken at event #2"):
        migrate.upgrade(schema_0006b)
    assert migrate.current_revisions(schema_0006b) == {"0006b"}  # the upgrade rolled back whole
