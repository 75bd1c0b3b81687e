"""Zip containers (DOCX, XLSX) checked for decompression bombs before anything parses them.

A DOCX or XLSX is a zip archive; a small upload can unpack to gigabytes, or hold
thousands of entries, and take the server's memory the moment python-docx, docxtpl or
openpyxl opens it. The central directory says each entry's packed and unpacked size
(and Python's zipfile never unpacks an entry past what it declares), so reading it is
enough to refuse such a file without unpacking a byte.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

# A real order template or registry is a few megabytes unpacked, in a few dozen entries.
MAX_ENTRIES = 1_000
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
# XML packs well, but not a thousandfold; the ratio is judged only for entries big
# enough to matter, since a tiny part of repeated spaces may pack very small.
MAX_RATIO = 200
RATIO_FROM_BYTES = 1024 * 1024


class ArchiveRefused(ValueError):
    """The archive is damaged or looks like a decompression bomb; str() is the Russian reason."""


def check_zip(source: Path | bytes) -> None:
    """Refuse (ArchiveRefused) a zip with too many entries, too much unpacked data, or an
    entry that unpacks far beyond its packed size."""
    try:
        with zipfile.ZipFile(source if isinstance(source, Path) else io.BytesIO(source)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ArchiveRefused("файл повреждён: его не удаётся открыть как архив документа") from None
    if len(entries) > MAX_ENTRIES:
        raise ArchiveRefused(f"в файле больше {MAX_ENTRIES} частей — так устроены «zip-бомбы», а не документы")
    if sum(entry.file_size for entry in entries) > MAX_UNPACKED_BYTES:
        raise ArchiveRefused(
            f"после распаковки файл занимает больше {MAX_UNPACKED_BYTES // (1024 * 1024)} МБ (похоже на «zip-бомбу»)"
        )
    for entry in entries:
        if entry.file_size >= RATIO_FROM_BYTES and entry.file_size > MAX_RATIO * max(entry.compress_size, 1):
            raise ArchiveRefused(f"часть «{entry.filename}» сжата в {MAX_RATIO} раз и больше (похоже на «zip-бомбу»)")
