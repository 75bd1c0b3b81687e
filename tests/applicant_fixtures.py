"""Helpers for the applicant and document-check tests: sample files of each allowed type,
and the HTTP steps an applicant takes (profile, apply, upload, consent, submit)."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from sqlalchemy import func, select

from reserve_flow.contest.models.contests import Application
from reserve_flow.contest.models.documents import ApplicationDocument
from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.core.notifications.models import OutboxMessage
from tests.conftest import _csrf_token

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00" + b"\x00" * 32
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


def docx_bytes(with_document: bool = True) -> bytes:
    """A minimal Word document (or, without its main part, a plain zip named like one)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        if with_document:
            archive.writestr("word/document.xml", '<?xml version="1.0"?><w:document/>')
        else:
            archive.writestr("notes.txt", "не документ Word")
    return buffer.getvalue()


DOCX = docx_bytes()

PROFILE = {
    "full_name": "Второв Сергей Павлович",
    "birth_date": "1984-03-12",
    "phone": "+7 924 555-12-34",
    "education_level": "higher",
    "education": "Бурятский государственный университет, 2006, учитель истории",
    "organization_id": "0",
    "employer_name": "МБОУ «Кичерская СОШ»",
    "position": "Заместитель директора по УВР",
    "teaching_years": "15",
    "management_years": "4",
}


def page_token(client, url: str) -> str:
    return _csrf_token(client.get(url).get_data(as_text=True))


def fill_profile(client, **changes):
    data = {**PROFILE, **changes, "csrf_token": page_token(client, "/applicant/profile")}
    return client.post("/applicant/profile", data=data)


def apply(client, contest_id: int):
    return client.post(f"/applicant/contests/{contest_id}/apply",
                       data={"csrf_token": page_token(client, "/applicant/")})


def app_url(application_id: int) -> str:
    return f"/applicant/applications/{application_id}"


def upload(client, application_id: int, kind: str, name: str, content: bytes):
    token = page_token(client, app_url(application_id))
    return client.post(f"{app_url(application_id)}/upload/{kind}",
                       data={"csrf_token": token, "file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def replace(client, application_id: int, document_id: int, name: str, content: bytes):
    token = page_token(client, app_url(application_id))
    return client.post(f"{app_url(application_id)}/documents/{document_id}/replace",
                       data={"csrf_token": token, "file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def give_consent(client, application_id: int):
    token = page_token(client, app_url(application_id))
    return client.post(f"{app_url(application_id)}/consent", data={"csrf_token": token, "agree": "y"})


def version_on(html: str) -> str:
    match = re.search(r'name="version" type="hidden" value="(\d+)"', html)
    assert match, "no version field on the page"
    return match.group(1)


def act(client, application_id: int, trigger: str, **extra):
    html = client.get(app_url(application_id)).get_data(as_text=True)
    data = {"csrf_token": _csrf_token(html), "version": version_on(html), **extra}
    return client.post(f"{app_url(application_id)}/{trigger}", data=data)


def new_draft(client, auth, contest_id: int, email: str = "applicant2@example.ru") -> int:
    """Log in, fill the profile and create a draft through the pages; its id."""
    auth.login(email)
    assert fill_profile(client).status_code == 303
    response = apply(client, contest_id)
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])


def ready_draft(client, auth, contest_id: int, email: str = "applicant2@example.ru") -> int:
    """A draft with both mandatory documents (a PDF and a PNG) and the consent."""
    application_id = new_draft(client, auth, contest_id, email)
    assert upload(client, application_id, "application", "Заявление.pdf", PDF).status_code == 303
    assert upload(client, application_id, "passport", "Паспорт.png", PNG).status_code == 303
    assert give_consent(client, application_id).status_code == 303
    return application_id


def submitted(client, auth, contest_id: int, email: str = "applicant2@example.ru") -> int:
    """A submitted application of `email`; logged out afterwards."""
    application_id = ready_draft(client, auth, contest_id, email)
    assert act(client, application_id, "submit").status_code == 303
    auth.logout()
    return application_id


# --- what the database holds ---

def stored_files(runtime) -> list[Path]:
    folder = runtime.settings.uploads_folder
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def documents_of(runtime, application_id: int) -> list[ApplicationDocument]:
    with runtime.sessions() as s:
        return list(s.scalars(select(ApplicationDocument).where(ApplicationDocument.application_id == application_id)
                              .order_by(ApplicationDocument.id)))


def snapshot(runtime, application_id: int) -> tuple:
    """State, version, documents (id, hash, review) and the number of audit events and
    outbox rows: what a refused request must leave as it was."""
    with runtime.sessions() as s:
        application = s.get(Application, application_id)
        docs = tuple((d.id, d.sha256, d.review_status, d.review_reason) for d in documents_of(runtime, application_id))
        events = s.scalar(select(func.count()).select_from(AuditEvent))
        outbox = s.scalar(select(func.count()).select_from(OutboxMessage))
        return (application.state, application.version, application.consent_given_at, docs, events, outbox,
                tuple(stored_files(runtime)))


def views(runtime, application_id: int) -> list[tuple[int, dict]]:
    import json

    with runtime.sessions() as s:
        rows = s.execute(select(AuditEvent.actor_id, AuditEvent.data).where(
            AuditEvent.kind == "personal_file_viewed", AuditEvent.subject_type == "application",
            AuditEvent.subject_id == application_id).order_by(AuditEvent.seq))
        return [(actor, json.loads(data)) for actor, data in rows]


def outbox_for(runtime, user_id: int) -> list[str]:
    with runtime.sessions() as s:
        return list(s.scalars(select(OutboxMessage.template).where(
            OutboxMessage.recipient_id == user_id, OutboxMessage.channel == "email").order_by(OutboxMessage.id)))
