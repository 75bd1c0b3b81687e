"""`reserve-flow backup DIR` and `reserve-flow restore DIR` through the command line, on
SQLite and on PostgreSQL: what was there is there again (the audit chain intact, every
stored file matching its hash), and a tampered backup or a non-empty target is refused
with nothing written."""

from __future__ import annotations

import hashlib
import io
import json
import os

import pytest
from click.testing import CliRunner
from sqlalchemy import inspect, select

from reserve_flow.cli import main
from reserve_flow.config import load_settings
from reserve_flow.contest.models.documents import ApplicationDocument
from reserve_flow.core import migrate
from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.core.files.storage import path_of, store
from reserve_flow.runtime import Runtime
from tests.fixtures.scheduler import fire

PDF = b"%PDF-1.4\n% a scanned passport\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"


def _cli(env, *args):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


@pytest.fixture
def filled(runtime, district):
    """The district with a few audit events and an uploaded document on disk."""
    fire(runtime, district.application_id, "submit", "applicant", district)
    fire(runtime, district.application_id, "return_for_fix", "secretary", district, reason="Нет подписи.")
    stored = store(io.BytesIO(PDF), "passport.pdf", runtime.settings.uploads_folder, 10 * 1024 * 1024)
    with runtime.transaction() as s:
        document = s.scalars(
            select(ApplicationDocument).where(
                ApplicationDocument.application_id == district.application_id,
                ApplicationDocument.kind_code == "passport",
            )
        ).one()
        document.storage_key, document.sha256, document.size = stored.storage_key, stored.sha256, stored.size
    return district


def _snapshot(rt):
    """What a user would miss after a restore: the audit events and the documents' files."""
    with rt.sessions() as s:
        events = s.execute(select(AuditEvent.seq, AuditEvent.kind, AuditEvent.hash).order_by(AuditEvent.seq)).all()
        documents = s.execute(
            select(ApplicationDocument.storage_key, ApplicationDocument.sha256).where(
                ApplicationDocument.storage_key != ""
            )
        ).all()
    return events, documents


def test_backup_then_restore_brings_everything_back(runtime, filled, tmp_path, empty_database_url, cli_env):
    source = cli_env(runtime.settings.database_url, runtime.settings.instance_path)
    target = cli_env(empty_database_url, tmp_path / "restored-instance")
    before = _snapshot(runtime)
    assert before[0] and before[1]

    result = _cli(source, "backup", str(tmp_path / "backup"))
    assert result.exit_code == 0, result.output
    assert "backup written" in result.output
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["alembic_revision"] == sorted(migrate.head_revisions())
    assert manifest["app_version"] == "0.1.0"
    [(key, sha)] = before[1]
    assert manifest["files"][f"uploads/{key}"] == sha == hashlib.sha256(PDF).hexdigest()
    database_file = manifest["database"]["file"]
    assert database_file == ("database.pgdump" if runtime.db.dialect.name == "postgresql" else "database.sqlite3")
    assert (
        manifest["files"][database_file]
        == hashlib.sha256((tmp_path / "backup" / database_file).read_bytes()).hexdigest()
    )

    # Written after the backup: not in the restored database.
    fire(runtime, filled.application_id, "resubmit", "applicant", filled)

    result = _cli(target, "restore", str(tmp_path / "backup"))
    assert result.exit_code == 0, result.output
    assert "restored" in result.output and "1 stored files" in result.output

    restored = Runtime(load_settings(env=target))
    try:
        assert _snapshot(restored) == before
        for storage_key, digest in before[1]:
            path = path_of(restored.settings.uploads_folder, storage_key)
            assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
        assert migrate.current_revisions(restored.db) == migrate.head_revisions()
    finally:
        restored.dispose()
    verify = _cli(target, "audit", "verify")
    assert verify.exit_code == 0 and f"audit chain intact: {len(before[0])} events checked" in verify.output

    # A second restore into the now non-empty database is refused.
    again = _cli(target, "restore", str(tmp_path / "backup"))
    assert again.exit_code == 1
    assert "База данных не пуста" in again.output and "not empty" in again.output


def test_a_tampered_backup_is_refused_and_nothing_is_written(runtime, filled, tmp_path, empty_database_url, cli_env):
    source = cli_env(runtime.settings.database_url, runtime.settings.instance_path)
    target = cli_env(empty_database_url, tmp_path / "restored-instance")
    assert _cli(source, "backup", str(tmp_path / "backup")).exit_code == 0
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text(encoding="utf-8"))
    [stored] = [name for name in manifest["files"] if name.startswith("uploads/")]
    copy = tmp_path / "backup" / stored
    copy.write_bytes(copy.read_bytes().replace(b"passport", b"passp0rt"))

    result = _cli(target, "restore", str(tmp_path / "backup"))
    assert result.exit_code == 1
    assert "Копия повреждена или изменена" in result.output
    assert f"{stored}: SHA-256 differs from the manifest" in result.output
    if empty_database_url.startswith("sqlite"):
        assert not (tmp_path / "restored").exists()
    else:
        empty = Runtime(load_settings(env=target))
        try:
            assert inspect(empty.db).get_table_names() == []
        finally:
            empty.dispose()
    assert not (tmp_path / "restored-instance" / "uploads").exists()


def test_a_rewritten_manifest_is_refused_against_the_hash_the_backup_printed(
    runtime, filled, tmp_path, empty_database_url, cli_env
):
    source = cli_env(runtime.settings.database_url, runtime.settings.instance_path)
    target = cli_env(empty_database_url, tmp_path / "restored-instance")
    made = _cli(source, "backup", str(tmp_path / "backup"))
    printed = made.output.strip().splitlines()[-1].rsplit(" ", 1)[-1]
    path = tmp_path / "backup" / "manifest.json"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == printed
    # Someone swaps a stored file and writes its new hash into the manifest: the files agree with it.
    manifest = json.loads(path.read_text(encoding="utf-8"))
    [stored] = [name for name in manifest["files"] if name.startswith("uploads/")]
    forged = PDF.replace(b"passport", b"forgery!")
    (tmp_path / "backup" / stored).write_bytes(forged)
    manifest["files"][stored] = hashlib.sha256(forged).hexdigest()
    path.write_text(json.dumps(manifest), encoding="utf-8")

    result = _cli(target, "restore", str(tmp_path / "backup"), "--manifest-sha256", printed)
    assert result.exit_code == 1
    assert "manifest.json is not the one the backup wrote" in result.output
    assert not (tmp_path / "restored-instance" / "uploads").exists()


def test_restore_refuses_a_non_empty_uploads_folder(runtime, filled, tmp_path, empty_database_url, cli_env):
    source = cli_env(runtime.settings.database_url, runtime.settings.instance_path)
    target = cli_env(empty_database_url, tmp_path / "restored-instance")
    assert _cli(source, "backup", str(tmp_path / "backup")).exit_code == 0
    leftover = tmp_path / "restored-instance" / "uploads" / "ab" / "old.pdf"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(PDF)
    result = _cli(target, "restore", str(tmp_path / "backup"))
    assert result.exit_code == 1 and "Папка файлов" in result.output and "is not empty" in result.output


def test_backup_refuses_a_folder_in_use(runtime, filled, tmp_path, cli_env):
    source = cli_env(runtime.settings.database_url, runtime.settings.instance_path)
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "notes.txt").write_text("keep me", encoding="utf-8")
    result = _cli(source, "backup", str(tmp_path / "backup"))
    assert result.exit_code == 1 and "не пуста" in result.output and "is not empty" in result.output
    assert [p.name for p in (tmp_path / "backup").iterdir()] == ["notes.txt"]


def test_backup_without_pg_dump_says_what_to_install(runtime, filled, tmp_path, cli_env, is_postgres):
    if not is_postgres:
        pytest.skip("pg_dump is needed on PostgreSQL only")
    source = cli_env(runtime.settings.database_url, runtime.settings.instance_path)
    result = _cli({**source, "PATH": str(tmp_path / "no-tools")}, "backup", str(tmp_path / "backup"))
    assert result.exit_code == 1
    assert "pg_dump не найдена в PATH" in result.output and "pg_dump not found on PATH" in result.output
    assert os.environ["PATH"]  # the test's own PATH is back
