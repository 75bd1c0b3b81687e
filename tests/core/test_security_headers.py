"""Every response carries the browser-side safety headers (core/web/security_headers.py),
and no template puts an inline style or script on a page, which the policy would block."""

from __future__ import annotations

import re

from sqlalchemy import select

from reserve_flow.reserve.models.plan import PlanEvidence
from reserve_flow.resources import resource_dir
from tests.fixtures.reserve import agreed_plan, upload

STRICT = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def assert_strict(response, framed_by: str = "'none'") -> None:
    for name, value in STRICT.items():
        assert response.headers.get(name) == value, (response.request.path, name)
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and f"frame-ancestors {framed_by}" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.headers["X-Frame-Options"] == ("DENY" if framed_by == "'none'" else "SAMEORIGIN")
    assert "Strict-Transport-Security" not in response.headers  # the demo is plain http


def test_pages_errors_static_files_downloads_and_exports_carry_the_headers(runtime, reserve, client, auth):
    course_id, _ = agreed_plan(runtime, reserve, reserve.first)
    upload(runtime, reserve, "applicant", reserve.first, course_id)
    with runtime.sessions() as s:
        evidence_id = s.scalars(select(PlanEvidence.id)).one()

    responses = {
        "page": client.get("/login"),
        "404": client.get("/no-such-page"),
        "405": client.post("/reserve/"),
        "static css": client.get("/static/css/site.css"),
        "static js": client.get("/static/js/api-docs.js"),
    }
    auth.login("hr@example.ru")
    responses |= {
        "signed-in page": client.get("/reserve/"),
        "missing object": client.get("/reserve/999999"),
        "export xlsx": client.get("/reserve/export.xlsx"),
        "export csv": client.get("/reserve/export.csv"),
        "stored file download": client.get(f"/reserve/{reserve.first}/evidence/{evidence_id}?download=1"),
    }
    auth.logout()
    auth.login("admin@example.ru")
    responses["generated download"] = client.get("/admin/order-template/current.docx")
    expected = {"404": 404, "missing object": 404, "405": 405}
    for kind, response in responses.items():
        assert response.status_code == expected.get(kind, 200), kind
        assert_strict(response)
    auth.logout()

    auth.login("hr@example.ru")
    inline = client.get(f"/reserve/{reserve.first}/evidence/{evidence_id}")
    assert inline.headers["Content-Disposition"].startswith("inline")
    assert_strict(inline, framed_by="'self'")  # the site's own document viewer frames PDFs


def test_https_sites_are_told_to_stay_on_https(runtime, client):
    runtime.settings["app"]["base_url"] = "https://reserve.example.ru"
    response = client.get("/login")
    assert response.status_code == 200  # no redirect: the app never forces a scheme itself
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


# E-mails are not pages: mail clients drop <style> and external sheets, so they keep inline styles.
OUTSIDE_THE_POLICY = ("core/email/",)
INLINE = [
    (re.compile(r"<style\b", re.I), "a <style> block"),
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"<script\b(?![^>]*\bsrc=)", re.I), "an inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an on...= event handler"),
    (re.compile(r"javascript:", re.I), "a javascript: link"),
]


def test_no_template_has_an_inline_style_or_script():
    root = resource_dir("templates")
    found = []
    for path in sorted(root.rglob("*.html")):
        relative = path.relative_to(root).as_posix()
        if relative.startswith(OUTSIDE_THE_POLICY):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            found += [f"{relative}:{number}: {what}" for pattern, what in INLINE if pattern.search(line)]
    assert found == []
