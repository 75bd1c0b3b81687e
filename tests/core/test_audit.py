"""The audit chain: verify passes on an intact chain and names the first broken event
after an edit, a deletion or an insertion outside the chain; the database itself
refuses UPDATE and DELETE on audit_events."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from reserve_flow.cli import main
from reserve_flow.core.audit.chain import verify_chain
from tests.core.test_engine import fire


@pytest.fixture
def chain(runtime, district):
    """Six events: the contest announced and opened, then submit, return, resubmit, admit."""
    fire(runtime, district, "applicant", "submit")
    fire(runtime, district, "secretary", "return_for_fix", reason="Нет подписи на заявлении")
    fire(runtime, district, "applicant", "resubmit")
    fire(runtime, district, "secretary", "admit")
    return runtime


def tamper(runtime, sql, **params):
    """Change audit_events behind the application's back, as a database owner could."""
    with runtime.db.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))  # triggers and FKs off
        else:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
            conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_delete"))
        conn.execute(text(sql), params)
        conn.commit()
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")


def verify(runtime):
    with runtime.sessions() as s:
        return verify_chain(s)


def run_cli(settings, *args):
    env = {
        "RESERVE_FLOW_DATABASE_URL": settings.database_url,
        "RESERVE_FLOW_APP_INSTANCE_PATH": settings["app"]["instance_path"],
    }
    return CliRunner().invoke(main, list(args), env=env)


def test_intact_chain_verifies_from_the_cli(chain, settings):
    result = run_cli(settings, "audit", "verify")
    assert result.exit_code == 0, result.output
    assert "6 events checked" in result.output


def test_edited_reason_is_caught(chain, settings):
    tamper(
        chain,
        "UPDATE audit_personal SET reason = 'Всё в порядке' "
        "WHERE event_id = (SELECT id FROM audit_events WHERE seq = 4)",
    )
    result = verify(chain)
    assert not result.ok and result.broken_seq == 4 and result.checked == 3
    assert "altered: its personal data" in result.problem
    cli = run_cli(settings, "audit", "verify")
    assert cli.exit_code == 1
    assert "event #4 was altered" in cli.output


def test_edit_that_recomputes_the_hash_breaks_the_next_link(chain):
    from reserve_flow.core.audit.chain import event_hash
    from reserve_flow.core.audit.models import AuditEvent

    with chain.sessions() as s:
        event = s.query(AuditEvent).filter_by(seq=4).one()
        event.to_state = "admitted"
        forged = event_hash(event)
        s.rollback()
    tamper(chain, "UPDATE audit_events SET to_state = 'admitted', hash = :h WHERE seq = 4", h=forged)
    result = verify(chain)
    assert not result.ok and result.broken_seq == 5
    assert "does not link" in result.problem


def test_deleted_event_is_caught(chain):
    tamper(chain, "DELETE FROM audit_events WHERE seq = 5")
    result = verify(chain)
    assert not result.ok and result.broken_seq == 5 and "missing" in result.problem


def test_deleted_tail_is_caught(chain):
    tamper(chain, "DELETE FROM audit_events WHERE seq = 6")
    result = verify(chain)
    assert not result.ok and "head records #6" in result.problem


def test_event_inserted_outside_the_chain_is_caught(chain):
    tamper(
        chain,
        """INSERT INTO audit_events (seq, version, occurred_at, kind, subject_type, subject_id,
                     trigger, from_state, to_state, data, personal_digest, prev_hash, hash)
                     SELECT 7, 2, occurred_at, kind, subject_type, subject_id, 'include', 'voting',
                            'included', '{}', personal_digest, :prev, :prev FROM audit_events WHERE seq = 6""",
        prev="f" * 64,
    )
    result = verify(chain)
    assert not result.ok and result.broken_seq == 7 and "does not link" in result.problem


def test_database_refuses_to_rewrite_history(chain, is_postgres):
    statements = ["UPDATE audit_events SET data = '{}' WHERE seq = 4", "DELETE FROM audit_events WHERE seq = 6"]
    if is_postgres:  # SQLite has no TRUNCATE
        statements.append("TRUNCATE audit_events CASCADE")
    for statement in statements:
        with pytest.raises(DBAPIError) as caught:
            with chain.db.begin() as conn:
                conn.execute(text(statement))
        assert "append-only" in str(caught.value), statement
    assert verify(chain).ok and verify(chain).checked == 6


def test_empty_chain_verifies(runtime, settings):
    result = run_cli(settings, "audit", "verify")
    assert result.exit_code == 0 and "0 events checked" in result.output


def test_an_event_is_never_dated_before_the_one_it_follows(runtime):
    """An appender whose clock was read before the previous appender committed (or a clock
    that stepped back) still dates its event no earlier than the chain's last one."""
    from datetime import timedelta

    from reserve_flow.core.audit.chain import append_event
    from reserve_flow.core.db import unit_of_work
    from tests.helpers import NOW

    with runtime.sessions() as s, unit_of_work(s):
        first = append_event(s, kind="test", actor=None, subject_type="test", subject_id=1, now=NOW)
        second = append_event(
            s, kind="test", actor=None, subject_type="test", subject_id=1, now=NOW - timedelta(seconds=5)
        )
        later = append_event(s, kind="test", actor=None, subject_type="test", subject_id=1, now=NOW + timedelta(1))
    assert first.occurred_at == NOW
    assert second.occurred_at == NOW  # not five seconds before the event it follows
    assert later.occurred_at == NOW + timedelta(1)
    assert verify(runtime).ok
