"""Stored files go out the same way from every page (documents, evidence, attestation
documents, protocols, orders): PDFs and images open in the browser, DOCX and
?download=1 download, and the safety headers are always there."""

from __future__ import annotations

import pytest

from reserve_flow.core.files.storage import DOCX
from reserve_flow.core.web.downloads import send_stored


@pytest.mark.parametrize(
    "mimetype, query, attachment, disposition",
    [
        ("application/pdf", "", False, "inline"),
        ("image/png", "", False, "inline"),
        ("application/pdf", "?download=1", False, "attachment"),
        (DOCX, "", False, "attachment"),
        ("application/pdf", "", True, "attachment"),
    ],
)
def test_stored_files_open_or_download_with_safety_headers(app, tmp_path, mimetype, query, attachment, disposition):
    path = tmp_path / "file"
    path.write_bytes(b"%PDF-1.4\n")
    with app.test_request_context(f"/x{query}"):
        response = send_stored(path, mimetype=mimetype, name="Приказ № 1-к.pdf", attachment=attachment)
        response = app.process_response(response)  # the after-request hooks, as a request would run them
        response.direct_passthrough = False
        assert response.headers["Content-Disposition"].startswith(disposition)
        assert "filename*=UTF-8''" in response.headers["Content-Disposition"]  # the Russian name kept
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        # Shown inline: the site's own document viewer may frame it; a download, nobody.
        framing = "'self'" if disposition == "inline" else "'none'"
        assert response.headers["X-Frame-Options"] == ("SAMEORIGIN" if disposition == "inline" else "DENY")
        assert f"frame-ancestors {framing}" in response.headers["Content-Security-Policy"]
        assert response.headers["Cache-Control"] == "private, no-store"
        response.close()
