"""Identical bytes are stored once (core/files/storage.py), so a stored file is deleted only
when no row of any domain refers to it any more (core/files/references.py)."""

from __future__ import annotations

import io

from sqlalchemy import select

from reserve_flow.contest.models.contests import Application
from reserve_flow.contest.models.documents import ApplicationDocument
from reserve_flow.core.files import references, storage
from reserve_flow.people.services.users import create_user
from reserve_flow.reserve.models.plan import PlanEvidence
from tests.fixtures.reserve import PDF, agreed_plan, post, upload
from tests.helpers import PASSWORD


def draft_with_document(runtime, reserve, content: bytes) -> tuple[int, int]:
    """A draft of a fourth applicant in the reserve's contest, holding `content` as its application."""
    stored = storage.store(io.BytesIO(content), "Заявление.pdf", runtime.settings.uploads_folder, 10 * 1024 * 1024)
    with runtime.transaction() as s:
        user = create_user(
            s,
            email="applicant4@example.ru",
            full_name="Четвёртова Анна Ильинична",
            password=PASSWORD,
            roles=["applicant"],
        )
        application = Application(contest_id=reserve.commission.contest_id, applicant_id=user.id)
        application.documents = [
            ApplicationDocument(
                kind_code="application",
                original_name="Заявление.pdf",
                content_type=stored.content_type,
                size=stored.size,
                sha256=stored.sha256,
                storage_key=stored.storage_key,
            )
        ]
        s.add(application)
        s.flush()
        return application.id, application.documents[0].id


def test_deleting_a_drafts_document_keeps_the_same_bytes_as_someone_elses_evidence(runtime, reserve, client, auth):
    course_id, _ = agreed_plan(runtime, reserve, reserve.first)
    upload(runtime, reserve, "applicant", reserve.first, course_id, content=PDF)
    application_id, document_id = draft_with_document(runtime, reserve, PDF)
    with runtime.sessions() as s:
        evidence = s.scalars(select(PlanEvidence)).one()
    stored_file = storage.path_of(runtime.settings.uploads_folder, evidence.storage_key)

    auth.login("applicant4@example.ru")
    page = f"/applicant/applications/{application_id}"
    response = post(client, f"{page}/documents/{document_id}/delete", token_from=page)
    assert response.status_code == 303
    with runtime.sessions() as s:
        assert s.get(ApplicationDocument, document_id) is None
    assert stored_file.is_file()
    auth.logout()

    auth.login("applicant@example.ru")
    download = client.get(f"/reserve/{reserve.first}/evidence/{evidence.id}")
    assert download.status_code == 200 and download.data == PDF


def test_a_file_nobody_refers_to_any_more_is_deleted(runtime, reserve, client, auth):
    application_id, document_id = draft_with_document(runtime, reserve, PDF + b"% only this draft\n")
    with runtime.sessions() as s:
        document = s.get(ApplicationDocument, document_id)
        stored_file = storage.path_of(runtime.settings.uploads_folder, document.storage_key)
    auth.login("applicant4@example.ru")
    page = f"/applicant/applications/{application_id}"
    assert post(client, f"{page}/documents/{document_id}/delete", token_from=page).status_code == 303
    assert not stored_file.exists()


def test_release_keeps_a_file_any_registered_column_holds(runtime, reserve):
    course_id, _ = agreed_plan(runtime, reserve, reserve.first)
    evidence = upload(runtime, reserve, "applicant", reserve.first, course_id, content=PDF)
    folder = runtime.settings.uploads_folder
    with runtime.sessions() as s:
        assert references.is_referenced(s, evidence.sha256)
        assert references.release(s, folder, evidence.sha256) is False
        assert storage.path_of(folder, evidence.storage_key).is_file()
        with runtime.transaction() as outer:  # inside a unit of work nothing is deleted
            outer.delete(outer.get(PlanEvidence, evidence.id))
            outer.flush()
            assert references.release(outer, folder, evidence.sha256) is False
        assert storage.path_of(folder, evidence.storage_key).is_file()
        assert references.release(s, folder, evidence.sha256) is True
        assert not storage.path_of(folder, evidence.storage_key).exists()
