"""Uploaded files: checked by content, stored outside any served folder under their SHA-256.

A file is accepted only when its bytes are one of the allowed types (PDF, JPEG, PNG,
DOCX) and its name's extension agrees with them: a ".pdf" holding PNG or HTML bytes is
refused. Nothing is left on disk after a refusal. The same bytes uploaded twice share
one stored file. Magic numbers are checked here in a few lines; a library such as
python-magic would need libmagic from the system and tell us no more for four types.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from reserve_flow.core.files import archives

CHUNK = 64 * 1024
# Files being written carry this prefix until renamed into place; the sweep
# (core/files/sweep.py) removes those a crash left behind.
TEMP_PREFIX = ".partial-"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# content type -> (its name in messages, the file name extensions it may carry)
ALLOWED_TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "application/pdf": ("PDF", (".pdf",)),
    "image/jpeg": ("JPEG", (".jpg", ".jpeg")),
    "image/png": ("PNG", (".png",)),
    DOCX: ("DOCX", (".docx",)),
}
ALLOWED_LIST = "PDF, JPEG, PNG или DOCX"


class UploadRejected(ValueError):
    """The file is not accepted; str() is the Russian reason for the user."""


@dataclass(frozen=True)
class StoredFile:
    storage_key: str  # path relative to the uploads folder
    sha256: str
    size: int
    content_type: str
    created: bool  # False when identical bytes were stored before


def detect_type(path: Path) -> str | None:
    """The content type the bytes of `path` are, among ALLOWED_TYPES; None otherwise."""
    with path.open("rb") as f:
        head = f.read(8)
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if head.startswith(b"PK\x03\x04"):
        # Any Office Open XML or plain zip starts so; a Word document has its main part.
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError):
            return None
        if "word/document.xml" in names and "[Content_Types].xml" in names:
            return DOCX
    return None


def _declared_type(filename: str) -> str | None:
    extension = os.path.splitext(filename)[1].lower()
    return next((t for t, (_, exts) in ALLOWED_TYPES.items() if extension in exts), None)


def _type_name(content_type: str) -> str:
    return ALLOWED_TYPES[content_type][0]


# Control characters (NUL, CR, LF, ...) and invisible formatting ones (the right-to-left
# override that shows «fdp.exe» as «exe.pdf»): never part of a name a person chose.
_INVISIBLE = ("Cc", "Cf")


def clean_filename(filename: str) -> str:
    """A file name as a browser sent it, fit to keep and show: control and invisible
    formatting characters stripped, and the folders some browsers send dropped."""
    visible = "".join(ch for ch in filename if unicodedata.category(ch) not in _INVISIBLE)
    return visible.replace("\\", "/").rsplit("/", 1)[-1].strip()


def check_name(filename: str) -> str:
    """The type the file's name promises; UploadRejected when the name is empty or its
    extension is not an allowed one."""
    if not filename.strip():
        raise UploadRejected("Выберите файл для загрузки.")
    declared = _declared_type(filename)
    if declared is None:
        raise UploadRejected(f"Файл «{filename}» не принят: допускаются только файлы {ALLOWED_LIST}.")
    return declared


def key_of(sha256: str) -> str:
    """Where the bytes of `sha256` are stored, relative to the uploads folder."""
    return f"{sha256[:2]}/{sha256}"


def path_of(folder: Path, storage_key: str) -> Path:
    """The file of a storage key, refusing keys that would leave the folder."""
    root = folder.resolve()
    path = (root / storage_key).resolve()
    if root not in path.parents:
        raise ValueError(f"storage key {storage_key!r} points outside the uploads folder")
    return path


def store(stream: BinaryIO, filename: str, folder: Path, max_bytes: int) -> StoredFile:
    """Read `stream` into the uploads folder if it is an allowed file of at most
    `max_bytes`; raise UploadRejected (and leave nothing behind) otherwise.

    The file is written to a temporary name in the same folder, checked, flushed to disk
    and only then renamed to its hash, so a reader never sees a half-written or unchecked
    file, nor a crash a file whose name is there but whose bytes are not.
    """
    declared = check_name(filename)
    folder.mkdir(parents=True, exist_ok=True)
    limit_mb = max_bytes // (1024 * 1024)
    digest = hashlib.sha256()
    size = 0
    handle, temp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=folder)
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise UploadRejected(
                        f"Файл «{filename}» больше {limit_mb} МБ: уменьшите его размер "
                        "(например, сканируйте с меньшим разрешением) и загрузите снова."
                    )
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise UploadRejected(f"Файл «{filename}» пуст.")
        actual = detect_type(temp)
        if actual is None:
            raise UploadRejected(f"Файл «{filename}» не принят: по содержимому это не {ALLOWED_LIST}.")
        if actual == DOCX:
            try:
                archives.check_zip(temp)  # before anyone opens it with python-docx
            except archives.ArchiveRefused as exc:
                raise UploadRejected(f"Файл «{filename}» не принят: {exc}.") from None
        if actual != declared:
            raise UploadRejected(
                f"Файл «{filename}» не принят: имя указывает на {_type_name(declared)}, "
                f"а по содержимому это {_type_name(actual)}. Сохраните файл в нужном формате."
            )
        sha = digest.hexdigest()
        key = key_of(sha)
        final = path_of(folder, key)
        if final.exists():
            temp.unlink()
            os.utime(final)  # in use again: the sweep's grace period starts afresh
            return StoredFile(key, sha, size, actual, created=False)
        final.parent.mkdir(parents=True, exist_ok=True)
        temp.chmod(0o640)
        temp.replace(final)
        _fsync_folder(final.parent)
        return StoredFile(key, sha, size, actual, created=True)
    finally:
        temp.unlink(missing_ok=True)


def _fsync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (POSIX: the directory entry is data of the folder)."""
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_atomically(path: Path, content: bytes) -> None:
    """Write `content` at `path` all or nothing: into a temporary file beside it, flushed
    to disk, then renamed over `path`. A crash leaves the old file or the new one (and
    perhaps a temporary file for the sweep), never a torn one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=path.parent)
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        temp.chmod(0o640)
        temp.replace(path)
        _fsync_folder(path.parent)
    finally:
        temp.unlink(missing_ok=True)


def remove(folder: Path, storage_key: str) -> None:
    """Delete a stored file. Only core/files/references.py calls this: a file shared by hash
    is deleted through its `release`, which first makes sure nothing refers to it."""
    if storage_key:
        path_of(folder, storage_key).unlink(missing_ok=True)
