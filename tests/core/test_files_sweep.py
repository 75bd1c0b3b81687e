"""What a crash leaves in the uploads folder goes, and nothing a row still refers to:
`reserve-flow files sweep` removes temporary files and files no row of any table refers
to, once they are older than the grace period. Stored files are shared per SHA-256 by
rows of several tables; a file referred to by any one of them stays."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import delete

from reserve_flow.appointments.models import OrderTemplate
from reserve_flow.cli import main
from reserve_flow.contest.models.documents import ApplicationDocument
from reserve_flow.core.db import Base
from reserve_flow.core.files import storage
from reserve_flow.core.files.references import count_references, file_columns
from reserve_flow.core.files.sweep import sweep
from tests.helpers import NOW

PDF = b"%PDF-1.4\n% reserve-flow sweep test %s\n"
DAY = 24 * 3600


def _store(folder: Path, marker: str) -> storage.StoredFile:
    return storage.store(io.BytesIO(PDF.replace(b"%s", marker.encode())), "file.pdf", folder, 10**6)


def _age(path: Path, seconds: float) -> Path:
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def _leftover(folder: Path, relative: str, age: float) -> Path:
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"half a file")
    return _age(path, age)


def test_sweep_removes_leftovers_and_orphans_and_keeps_what_rows_refer_to(runtime, district, settings):
    folder = runtime.settings.uploads_folder
    shared = _store(folder, "shared")
    orphan = _store(folder, "orphan")
    recent_orphan = _store(folder, "recent")
    with runtime.transaction() as s:
        s.add(
            ApplicationDocument(
                application_id=district.application_id,
                kind_code="passport",
                original_name="паспорт.pdf",
                content_type="application/pdf",
                size=shared.size,
                sha256=shared.sha256,
                storage_key=shared.storage_key,
            )
        )
        s.add(
            OrderTemplate(
                storage_key=shared.storage_key,
                sha256=shared.sha256,
                uploaded_at=NOW,
                uploaded_by_id=district.users["admin"],
            )
        )
    with runtime.sessions() as s:
        assert count_references(s, shared.storage_key) == 2  # two tables, one file
    with runtime.transaction() as s:  # the document goes; the template still uses the bytes
        s.execute(delete(ApplicationDocument).where(ApplicationDocument.storage_key == shared.storage_key))
    for stored in (shared, orphan):
        _age(storage.path_of(folder, stored.storage_key), 2 * DAY)
    old_temporary = _leftover(folder, f"{shared.storage_key[:2]}/{storage.TEMP_PREFIX}abc", 2 * DAY)
    new_temporary = _leftover(folder, f"{storage.TEMP_PREFIX}def", 60)
    # An order whose issuing was killed after its files were written, before its row was.
    killed_order = _leftover(folder, "orders/2026/order-2026-0007-3.pdf", 2 * DAY)

    result = CliRunner().invoke(
        main,
        ["files", "sweep"],
        env={
            "RESERVE_FLOW_DATABASE_URL": settings.database_url,
            "RESERVE_FLOW_APP_INSTANCE_PATH": settings["app"]["instance_path"],
        },
    )
    assert result.exit_code == 0, result.output
    assert "files sweep: 1 temporary and 2 unreferenced files removed" in result.output
    assert not old_temporary.exists() and not killed_order.exists()
    assert not storage.path_of(folder, orphan.storage_key).exists()
    assert storage.path_of(folder, shared.storage_key).exists()  # the order template refers to it
    assert storage.path_of(folder, recent_orphan.storage_key).exists()  # younger than the grace period
    assert new_temporary.exists()  # a write that may still be under way


def test_storing_bytes_again_renews_the_grace_period_of_their_file(runtime):
    """A transaction that reuses an old unreferenced file (the same bytes uploaded again)
    must not lose it to a sweep before it commits its row."""
    folder = runtime.settings.uploads_folder
    first = _store(folder, "again")
    _age(storage.path_of(folder, first.storage_key), 2 * DAY)
    again = _store(folder, "again")
    assert again.created is False
    with runtime.sessions() as s:
        assert sweep(s, folder).removed == 0
    assert storage.path_of(folder, first.storage_key).exists()


def test_every_column_that_names_a_file_is_counted():
    """A table that refers to stored or generated files registers its columns, or the
    sweep would remove files it still needs."""
    registered = {(c.class_.__tablename__, c.key) for c in file_columns()}
    naming_files = {
        (table.name, column.name)
        for table in Base.metadata.tables.values()
        for column in table.columns
        if column.name in ("storage_key", "document_key") or column.name.endswith("_path")
    }
    assert naming_files <= registered
    assert {table for table, _ in registered} >= {
        "application_documents",
        "plan_evidence",
        "attestation_sessions",
        "order_templates",
        "appointment_orders",
        "protocols",
    }


def test_a_write_that_fails_leaves_neither_a_torn_file_nor_a_temporary_one(tmp_path, monkeypatch):
    from reserve_flow.core.files import generated

    target = tmp_path / "orders" / "2026" / "order.pdf"
    generated.write(tmp_path, "orders/2026/order.pdf", b"%PDF-1.4 first")

    def crash(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", crash)
    try:
        generated.write(tmp_path, "orders/2026/order.pdf", b"%PDF-1.4 second, never finished")
    except OSError:
        pass
    assert target.read_bytes() == b"%PDF-1.4 first"
    assert sorted(p.name for p in target.parent.iterdir()) == ["order.pdf"]


def test_the_scheduler_sweeps_once_a_day(runtime, district):
    from reserve_flow.core.deadlines.scheduler import Ticker, make_leader

    folder = runtime.settings.uploads_folder
    first = _leftover(folder, "orders/2026/killed-1.pdf", 2 * DAY)
    ticker = Ticker(runtime, make_leader(runtime))
    try:
        assert ticker.tick() is not None
        assert not first.exists()
        second = _leftover(folder, "orders/2026/killed-2.pdf", 2 * DAY)
        ticker.tick()
        assert second.exists()  # swept already today
    finally:
        ticker.leader.release()
