"""`reserve-flow backup DIR` and `reserve-flow restore DIR`: a consistent copy of the
database and of the stored files, with a manifest of their SHA-256 hashes.

The database is copied while the application runs: SQLite through its online backup
API (a plain file copy could miss what still sits in the write-ahead log), PostgreSQL
with `pg_dump` in its custom format (one snapshot of the whole database). The stored
files (the uploads folder: uploaded documents under their hash, generated protocols
and orders) are copied before the database and once more after it, so every file the
copied database refers to is in the backup; a file added meanwhile is copied too and
a file deleted meanwhile stays as a harmless extra.

`manifest.json` names the application's version, the schema's Alembic revision and
the SHA-256 of every file of the backup. A restore checks every hash before it writes
anything, and refuses a target database or uploads folder that is not empty.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import URL, Engine

from reserve_flow.core import migrate
from reserve_flow.core.files.storage import path_of

MANIFEST = "manifest.json"
FORMAT = 1
FILES_DIR = "uploads"
SQLITE_FILE = "database.sqlite3"
PG_DUMP_FILE = "database.pgdump"
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """The backup or restore cannot go on; str() says why, in Russian and English."""


@dataclass
class BackupResult:
    folder: Path
    revision: list[str]
    files: int  # stored files copied
    manifest_sha256: str  # to be kept apart from the backup, to detect a rewritten manifest


@dataclass
class RestoreResult:
    revision: list[str]
    files: int
    upgrade_needed: bool  # the backup's schema is older than this version's
    problems: list[str] = field(default_factory=list)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _app_version() -> str:
    try:
        return metadata.version("reserve-flow")
    except metadata.PackageNotFoundError:
        return "unknown"


# --- the database ----------------------------------------------------------------


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("База SQLite в памяти не копируется / an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"Программа {name} не найдена в PATH: установите клиент PostgreSQL (пакет postgresql-client) "
            f"той же версии, что и сервер / {name} not found on PATH: install the PostgreSQL client "
            "(package postgresql-client) of the server's version"
        )
    return path


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """The libpq connection URI of `url` without its password, and the environment that
    carries the password (so that it does not show in the process list)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        detail = (completed.stderr or completed.stdout).strip().splitlines()
        raise BackupError(f"{what}: {detail[-1] if detail else f'exit code {completed.returncode}'}")


def _copy_database(engine: Engine, folder: Path) -> str:
    """Write the database's copy into `folder`; the name of the file written."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(f"file:{_sqlite_path(url)}?mode=ro", uri=True)
        target = sqlite3.connect(folder / SQLITE_FILE)
        try:
            with target:
                source.backup(target)  # one consistent snapshot, the WAL included
        finally:
            target.close()
            source.close()
        return SQLITE_FILE
    pg_dump = _tool("pg_dump")
    uri, env = _libpq(url)
    _run(
        [pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--file={folder / PG_DUMP_FILE}", uri],
        env,
        "pg_dump",
    )
    return PG_DUMP_FILE


def _database_is_empty(engine: Engine) -> bool:
    if engine.url.get_backend_name() == "sqlite":
        path = _sqlite_path(engine.url)
        if not path.exists() or path.stat().st_size == 0:
            return True
    return not inspect(engine).get_table_names()


def _restore_database(engine: Engine, folder: Path, name: str) -> None:
    url = engine.url
    if url.get_backend_name() == "sqlite":
        if name != SQLITE_FILE:
            raise BackupError(
                "Копия сделана из PostgreSQL, а восстановить её просят в SQLite / "
                "the backup is of PostgreSQL, the target database is SQLite"
            )
        path = _sqlite_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        engine.dispose()  # no pooled connection keeps the empty file open
        source = sqlite3.connect(f"file:{folder / name}?mode=ro", uri=True)
        target = sqlite3.connect(path)
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
        return
    if name != PG_DUMP_FILE:
        raise BackupError(
            "Копия сделана из SQLite, а восстановить её просят в PostgreSQL / "
            "the backup is of SQLite, the target database is PostgreSQL"
        )
    pg_restore = _tool("pg_restore")
    uri, env = _libpq(url)
    engine.dispose()
    _run(
        [
            pg_restore,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",  # all or nothing: a failed restore leaves the database empty
            f"--dbname={uri}",
            str(folder / name),
        ],
        env,
        "pg_restore",
    )


# --- the stored files ---------------------------------------------------------------


def _stored_files(uploads: Path) -> list[Path]:
    """Every stored file under the uploads folder, as paths relative to it; the
    temporary files of uploads under way (.upload-*) are not stored files yet."""
    if not uploads.is_dir():
        return []
    return sorted(
        path.relative_to(uploads)
        for path in uploads.rglob("*")
        if path.is_file() and not path.name.startswith(".upload-")
    )


def _copy_files(uploads: Path, target: Path, done: dict[str, str]) -> None:
    """Copy the stored files not copied yet, recording each one's hash in `done`."""
    for relative in _stored_files(uploads):
        key = relative.as_posix()
        if key in done:
            continue
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copyfile(uploads / relative, destination)
        except FileNotFoundError:
            continue  # deleted while we were copying: the database no longer needs it
        done[key] = sha256_of(destination)


# --- backup and restore ---------------------------------------------------------------


def backup(engine: Engine, uploads: Path, folder: Path, now: datetime | None = None) -> BackupResult:
    """Copy the database and the stored files into `folder` (absent or empty), with its manifest."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BackupError(
            f"Папка {folder} не пуста: копия пишется в новую или пустую папку / "
            f"{folder} is not empty: a backup is written into a new or empty folder"
        )
    revision = sorted(migrate.current_revisions(engine))
    if not revision:
        raise BackupError("В базе нет схемы: копировать нечего / the database has no schema: nothing to back up")
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    _copy_files(uploads, folder / FILES_DIR, files)
    database = _copy_database(engine, folder)
    _copy_files(uploads, folder / FILES_DIR, files)  # what was stored while the database was copied
    manifest = {
        "format": FORMAT,
        "created_at": (now or datetime.now(UTC)).isoformat(),
        "app_version": _app_version(),
        "alembic_revision": revision,
        "database": {"dialect": engine.url.get_backend_name(), "file": database},
        "files": {
            database: sha256_of(folder / database),
            **{f"{FILES_DIR}/{key}": digest for key, digest in sorted(files.items())},
        },
    }
    path = folder / MANIFEST
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return BackupResult(folder=folder, revision=revision, files=len(files), manifest_sha256=sha256_of(path))


def read_manifest(folder: Path) -> dict:
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"В папке {folder} нет {MANIFEST}: это не копия / no {MANIFEST} in {folder}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(f"{MANIFEST} повреждён / {MANIFEST} is damaged: {exc}") from None
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or not isinstance(manifest.get("files"), dict)
    ):
        raise BackupError(f"{MANIFEST}: неизвестный формат / unknown format")
    return manifest


def check(folder: Path, manifest: dict) -> list[str]:
    """Every problem with the backup's files against the manifest (empty: intact)."""
    problems = []
    root = folder.resolve()
    for name, expected in manifest["files"].items():
        path = (root / name).resolve()
        if root not in path.parents:
            problems.append(f"{name}: outside the backup folder")
        elif not path.is_file():
            problems.append(f"{name}: missing")
        elif sha256_of(path) != expected:
            problems.append(f"{name}: SHA-256 differs from the manifest")
    database = manifest.get("database")
    if not isinstance(database, dict) or database.get("file") not in manifest["files"]:
        problems.append("the manifest names no database file")
    return problems


def restore(engine: Engine, uploads: Path, folder: Path, manifest_sha256: str | None = None) -> RestoreResult:
    """Restore the backup in `folder` into the empty database of `engine` and the empty
    uploads folder `uploads`, after checking every hash (and the manifest's own against
    `manifest_sha256`, the one `backup` printed); nothing is written if a check fails."""
    manifest = read_manifest(folder)
    if manifest_sha256 and sha256_of(folder / MANIFEST) != manifest_sha256.strip().lower():
        raise BackupError(
            f"{MANIFEST} не тот, что был записан при копировании, восстановление отменено / "
            f"{MANIFEST} is not the one the backup wrote, nothing restored"
        )
    problems = check(folder, manifest)
    if problems:
        listed = "; ".join(problems[:5]) + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else "")
        raise BackupError(
            f"Копия повреждена или изменена, восстановление отменено / the backup is damaged or altered, "
            f"nothing restored: {listed}"
        )
    revision = sorted(manifest.get("alembic_revision") or [])
    unknown = [r for r in revision if r not in migrate.known_revisions()]
    if unknown:
        raise BackupError(
            f"Копия сделана более новой версией программы (ревизия схемы {', '.join(unknown)}): обновите программу / "
            f"the backup comes from a newer version (schema revision {', '.join(unknown)}): upgrade reserve-flow first"
        )
    if not _database_is_empty(engine):
        raise BackupError(
            "База данных не пуста: восстанавливать можно только в пустую базу / "
            "the target database is not empty: restore into an empty database"
        )
    if _stored_files(uploads):
        raise BackupError(
            f"Папка файлов {uploads} не пуста: восстанавливать можно только в пустую / "
            f"the uploads folder {uploads} is not empty: restore into an empty one"
        )
    try:  # path_of refuses a name that would leave the uploads folder
        stored = {
            name: (path_of(uploads, name.removeprefix(FILES_DIR + "/")), digest)
            for name, digest in manifest["files"].items()
            if name.startswith(FILES_DIR + "/")
        }
    except ValueError as exc:
        raise BackupError(f"{MANIFEST}: недопустимое имя файла / a file name not allowed: {exc}") from None
    _restore_database(engine, folder, manifest["database"]["file"])
    for name, (destination, _digest) in stored.items():
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(folder / name, destination)
    after = [
        f"{name}: SHA-256 differs after copying" for name, (path, digest) in stored.items() if sha256_of(path) != digest
    ]
    return RestoreResult(
        revision=revision,
        files=len(stored),
        upgrade_needed=set(revision) != migrate.head_revisions(),
        problems=after,
    )
