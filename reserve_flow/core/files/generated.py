"""Generated documents (meeting protocols, appointment orders): written under the
uploads folder with each file's SHA-256, and handed out only while the bytes on disk
still match it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from reserve_flow.core.files.storage import DOCX, path_of, write_atomically

# The formats a generated document is kept in, by the extension its download asks for.
KINDS = {"docx": DOCX, "pdf": "application/pdf"}


@dataclass(frozen=True)
class GeneratedFile:
    path: Path
    download_name: str
    mimetype: str


def write(folder: Path, relative: str, content: bytes) -> str:
    """Write `content` at `relative` under `folder` (atomically); its SHA-256, to be stored
    with the row."""
    write_atomically(path_of(folder, relative), content)
    return hashlib.sha256(content).hexdigest()


def intact(folder: Path, relative: str, expected_sha256: str) -> Path | None:
    """The file, if it is there and its bytes still hash to what was stored; else None."""
    path = path_of(folder, relative)
    if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != expected_sha256:
        return None
    return path
