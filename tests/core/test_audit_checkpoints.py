"""The audit chain against an attacker who can write to the database: a consistent
rewrite of the chain, or the deletion of its newest events together with the head,
passes the plain `audit verify` (everything it relies on is in the database) and fails
against a signed checkpoint kept outside it. Erasure of personal data keeps every
event verifiable and is reported with its act."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from reserve_flow.core.audit import checkpoint as checkpoints
from reserve_flow.core.audit.chain import (
    GENESIS_HASH,
    append_event,
    chain_head,
    event_hash,
    personal_digest,
)
from reserve_flow.core.audit.erasure import erase_personal_data
from reserve_flow.core.audit.models import AuditChainHead, AuditEvent, AuditPersonal
from tests.core.test_audit import run_cli, tamper, verify
from tests.core.test_engine import fire
from tests.helpers import NOW, load_user


@pytest.fixture
def chain(runtime, district):
    """Six events: the contest announced and opened, then submit, return, resubmit, admit."""
    fire(runtime, district, "applicant", "submit")
    fire(runtime, district, "secretary", "return_for_fix", reason="Нет подписи на заявлении")
    fire(runtime, district, "applicant", "resubmit")
    fire(runtime, district, "secretary", "admit")
    return runtime


def _append_only_off(conn) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET LOCAL session_replication_role = replica"))  # triggers and FKs off
    else:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
        conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_delete"))


def rewrite_chain(runtime, new_reasons: dict[int, str]) -> None:
    """What an attacker with database access does: change the content of some events
    (here their reasons), then recompute every commitment, hash and link from genesis
    and the head, so that the chain is consistent again."""
    with runtime.db.connect() as conn:
        _append_only_off(conn)
        prev = GENESIS_HASH
        with runtime.sessions(bind=conn) as s:
            rows = s.execute(
                select(AuditEvent, AuditPersonal)
                .join(AuditPersonal, AuditPersonal.event_id == AuditEvent.id)
                .order_by(AuditEvent.seq)
            ).all()
            for event, personal in rows:
                reason = new_reasons.get(event.seq, personal.reason)
                salt = secrets.token_hex(32)
                digest = personal_digest(salt, personal.actor_name, reason, personal.data)
                event.personal_digest, event.prev_hash = digest, prev
                prev = event_hash(event)
                conn.execute(
                    text("UPDATE audit_events SET personal_digest = :d, prev_hash = :p, hash = :h WHERE id = :id"),
                    {"d": digest, "p": event.prev_hash, "h": prev, "id": event.id},
                )
                conn.execute(
                    text("UPDATE audit_personal SET salt = :s, reason = :r WHERE event_id = :id"),
                    {"s": salt, "r": reason, "id": event.id},
                )
            s.expunge_all()
        conn.execute(text("UPDATE audit_chain_head SET last_hash = :h WHERE id = 1"), {"h": prev})
        conn.commit()


def cut_tail(runtime, keep: int) -> None:
    """Delete the events after `keep` and set the head back to it, as an attacker would
    (foreign keys off, so the rows pointing at them stay)."""
    with runtime.db.connect() as conn:
        _append_only_off(conn)
        last = conn.execute(text("SELECT hash FROM audit_events WHERE seq = :s"), {"s": keep}).scalar_one()
        ids = "SELECT id FROM audit_events WHERE seq > :s"
        conn.execute(text(f"DELETE FROM audit_personal WHERE event_id IN ({ids})"), {"s": keep})
        conn.execute(text("DELETE FROM audit_events WHERE seq > :s"), {"s": keep})
        conn.execute(
            text("UPDATE audit_chain_head SET last_seq = :s, last_hash = :h WHERE id = 1"), {"s": keep, "h": last}
        )
        conn.commit()


def export_checkpoint(settings, tmp_path, name="checkpoint.json"):
    out = tmp_path / name
    result = run_cli(settings, "audit", "checkpoint", "--out", str(out))
    assert result.exit_code == 0, result.output
    return out


def test_a_checkpoint_is_signed_json_of_the_head_and_a_key_is_made_on_first_use(chain, settings, tmp_path):
    key = settings.audit_signing_key
    assert not key.exists()
    result = run_cli(settings, "audit", "checkpoint", "--out", str(tmp_path / "cp.json"))
    assert result.exit_code == 0, result.output
    assert "no signing key yet: created" in result.output and key.exists()
    assert checkpoints.public_key_path(key).exists()
    assert (key.stat().st_mode & 0o077) == 0  # the private key is its owner's only
    saved = json.loads((tmp_path / "cp.json").read_text(encoding="utf-8"))
    assert set(saved) == {"sequence", "hash", "created_at", "key_id", "signature"}
    with chain.sessions() as s:
        assert (saved["sequence"], saved["hash"]) == (6, chain_head(s).hash)
    verified = run_cli(settings, "audit", "verify", "--checkpoint", str(tmp_path / "cp.json"))
    assert verified.exit_code == 0, verified.output
    assert "matches the checkpoint" in verified.output and "at event #6" in verified.output
    again = run_cli(settings, "audit", "keygen")
    assert again.exit_code != 0 and "already exists" in again.output  # the key is never replaced


def test_deleting_the_newest_events_and_the_head_passes_verify_but_not_the_checkpoint(chain, settings, tmp_path):
    signed = export_checkpoint(settings, tmp_path)
    cut_tail(chain, keep=4)
    plain = run_cli(settings, "audit", "verify")
    assert plain.exit_code == 0 and "4 events checked" in plain.output  # what the database alone says
    anchored = run_cli(settings, "audit", "verify", "--checkpoint", str(signed))
    assert anchored.exit_code == 1
    assert "event #6 of the checkpoint is gone" in anchored.output


def test_a_consistent_rewrite_passes_verify_but_not_the_checkpoint(chain, settings, tmp_path):
    signed = export_checkpoint(settings, tmp_path)
    rewrite_chain(chain, {4: "Документы в порядке"})
    with chain.sessions() as s:
        assert s.scalars(select(AuditEvent).where(AuditEvent.seq == 4)).one().reason == "Документы в порядке"
    assert verify(chain).ok
    anchored = run_cli(settings, "audit", "verify", "--checkpoint", str(signed))
    assert anchored.exit_code == 1 and "event #6 differs from the checkpoint" in anchored.output
    # Nor can the attacker fix the checkpoint file: its signature covers the hash.
    forged = json.loads(signed.read_text(encoding="utf-8"))
    with chain.sessions() as s:
        forged["hash"] = chain_head(s).hash
    signed.write_text(json.dumps(forged), encoding="utf-8")
    result = run_cli(settings, "audit", "verify", "--checkpoint", str(signed))
    assert result.exit_code == 1 and "signature does not verify" in result.output


def test_an_older_checkpoint_holds_while_the_chain_grows(chain, settings, tmp_path):
    signed = export_checkpoint(settings, tmp_path)
    with chain.transaction() as s:
        append_event(s, kind="outbox_retried", actor=None, subject_type="outbox", subject_id=1, now=NOW)
    result = run_cli(settings, "audit", "verify", "--checkpoint", str(signed))
    assert result.exit_code == 0 and "7 events checked" in result.output
    # ...but not a rewrite of events before it that also recomputes the ones after.
    rewrite_chain(chain, {2: "иначе"})
    assert run_cli(settings, "audit", "verify", "--checkpoint", str(signed)).exit_code == 1


def test_a_checkpoint_is_checked_with_the_public_key_given(chain, settings, tmp_path):
    signed = export_checkpoint(settings, tmp_path)
    public = checkpoints.public_key_path(settings.audit_signing_key)
    ok = run_cli(settings, "audit", "verify", "--checkpoint", str(signed), "--public-key", str(public))
    assert ok.exit_code == 0, ok.output
    other = tmp_path / "other" / "key.pem"
    checkpoints.generate_key(other)
    wrong = run_cli(settings, "audit", "verify", "--checkpoint", str(signed), "--public-key", str(other))
    assert wrong.exit_code == 1 and "not by this key" in wrong.output
    (tmp_path / "bad.json").write_text('{"sequence": 3}', encoding="utf-8")
    bad = run_cli(settings, "audit", "verify", "--checkpoint", str(tmp_path / "bad.json"))
    assert bad.exit_code != 0 and "missing hash" in bad.output


def test_erasing_personal_data_keeps_the_chain_verifiable_and_is_reported(chain, settings):
    with chain.sessions() as s:
        returned = s.scalars(select(AuditEvent).where(AuditEvent.seq == 4)).one()
        assert returned.reason == "Нет подписи на заявлении"
        erased = erase_personal_data(
            s, event_ids=[returned.id, returned.id], act_id=7, reason="Акт № 7: срок хранения истёк"
        )
        assert erased == 1
        assert erase_personal_data(s, event_ids=[returned.id], act_id=8, reason="повторно") == 0
    with chain.sessions() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.seq == 4)).one()
        assert event.reason is None and event.erased and "данные уничтожены" in event.actor_name
        assert (event.personal.salt, event.personal.data, event.personal.erasure_act_id) == (None, None, 7)
        announcement = s.scalars(select(AuditEvent).where(AuditEvent.kind == "personal_data_erased")).one()
        assert json.loads(announcement.data) == {"act_id": 7, "events": [4]}
    result = verify(chain)
    assert result.ok and result.checked == 7 and result.erased == 1 and result.erasure_acts == {7: 1}
    cli = run_cli(settings, "audit", "verify")
    assert cli.exit_code == 0
    assert "personal data erased in 1 events (act #7: 1)" in cli.output


def test_personal_data_removed_behind_the_systems_back_is_caught(chain):
    tamper(
        chain,
        "UPDATE audit_personal SET salt = NULL, reason = NULL, erased_at = :t "
        "WHERE event_id = (SELECT id FROM audit_events WHERE seq = 4)",
        t=NOW,
    )
    result = verify(chain)
    assert not result.ok and "no erasure event records it" in result.problem
    tamper(chain, "DELETE FROM audit_personal WHERE event_id = (SELECT id FROM audit_events WHERE seq = 3)")
    result = verify(chain)
    assert not result.ok and result.broken_seq == 3 and "lost its personal part" in result.problem


def test_personal_values_are_kept_out_of_the_hashed_data(runtime, district):
    with runtime.transaction() as s:
        event = append_event(
            s,
            kind="personal_file_viewed",
            actor=load_user(s, district, "secretary"),
            subject_type="application",
            subject_id=district.application_id,
            now=NOW,
            data={"document_id": 5},
            personal={"file": "Паспорт Заявителевой.pdf"},
        )
        assert "Заявителев" not in event.data and "Секретарёв" not in event.data
        assert event.payload == {"document_id": 5, "file": "Паспорт Заявителевой.pdf"}
        with pytest.raises(ValueError):
            append_event(
                s, kind="x", actor=None, subject_type="x", subject_id=None, now=NOW, data={"a": 1}, personal={"a": 2}
            )


def test_an_event_is_never_recorded_earlier_than_the_one_before(runtime, district):
    with runtime.transaction() as s:
        late = append_event(s, kind="outbox_retried", actor=None, subject_type="outbox", subject_id=1, now=NOW)
        early = append_event(
            s, kind="outbox_retried", actor=None, subject_type="outbox", subject_id=2, now=NOW - timedelta(seconds=5)
        )
        assert early.occurred_at == late.occurred_at
    assert verify(runtime).ok


def test_the_public_head_page_shows_the_head_and_the_checkpoints(chain, client, settings, tmp_path):
    assert 'href="/audit/head"' in client.get("/public/").get_data(as_text=True)
    page = client.get("/audit/head")  # no login: anyone may write the head down
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    with chain.sessions() as s:
        head = chain_head(s)
    assert f"№ {head.seq}" in html and head.hash in html and "Контрольных точек пока нет" in html
    export_checkpoint(settings, tmp_path)
    html = client.get("/audit/head").get_data(as_text=True)
    with chain.sessions() as s:
        (latest,) = checkpoints.latest_checkpoints(s)
        assert (latest.seq, latest.hash) == (s.scalar(select(AuditChainHead.last_seq)), head.hash)
    assert latest.key_id in html and "Контрольных точек пока нет" not in html


def test_a_checkpoint_that_cannot_be_written_is_not_recorded(chain, settings, tmp_path):
    result = run_cli(settings, "audit", "checkpoint", "--out", str(tmp_path / "no-such-folder" / "cp.json"))
    assert result.exit_code != 0 and "cannot write" in result.output
    with chain.sessions() as s:
        assert checkpoints.latest_checkpoints(s) == []
