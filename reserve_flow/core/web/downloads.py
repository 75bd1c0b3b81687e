"""Sending files: generated ones (templates, exports) as downloads with Russian file
names, and stored ones (uploads, protocols, orders) with the same safety headers everywhere."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from flask import Response, request, send_file

from reserve_flow.core.web.security_headers import embeddable_by_the_site


def send_bytes(content: bytes, filename: str, mimetype: str) -> Response:
    """An attachment; the name is given both as ASCII and as RFC 5987 UTF-8, so that
    browsers keep Cyrillic names."""
    ascii_name = filename.encode("ascii", "replace").decode("ascii").replace("?", "_").replace('"', "")
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def send_stored(path: Path, *, mimetype: str, name: str, attachment: bool = False) -> Response:
    """A stored file, shown in the browser (PDF, images) unless `attachment`, ?download=1
    or a DOCX asks for a download. The type was checked from the bytes when the file was
    stored, so the browser must never guess another (nosniff); nothing personal is cached."""
    as_attachment = (
        attachment or request.args.get("download") == "1" or not mimetype.startswith(("application/pdf", "image/"))
    )
    response = send_file(
        path, mimetype=mimetype, as_attachment=as_attachment, download_name=name, etag=False, max_age=0
    )
    response.headers["Cache-Control"] = "private, no-store"
    # nosniff and the rest come from core/web/security_headers.py, as on every response;
    # a file shown inline may sit in the site's own document viewer, a download nowhere.
    return response if as_attachment else embeddable_by_the_site(response)
