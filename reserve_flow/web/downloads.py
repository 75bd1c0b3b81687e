"""Sending generated files (templates, exports) as downloads with Russian file names."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response


def send_bytes(content: bytes, filename: str, mimetype: str) -> Response:
    """An attachment; the name is given both as ASCII and as RFC 5987 UTF-8, so that
    browsers keep Cyrillic names."""
    ascii_name = filename.encode("ascii", "replace").decode("ascii").replace("?", "_").replace('"', "")
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}")
    response.headers["Cache-Control"] = "no-store"
    return response
