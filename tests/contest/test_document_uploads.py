"""Uploads: each allowed type stored under its SHA-256 outside any served folder;
wrong, forged, empty and oversized files refused in Russian with nothing stored; the
rules for when a document may change. The upload limit is 1 MB here."""

from __future__ import annotations

import hashlib
import io

import pytest

from reserve_flow.core.files import storage
from tests.fixtures.applicant import (
    DOCX,
    HTML,
    JPEG,
    PDF,
    PNG,
    act,
    app_url,
    documents_of,
    docx_bytes,
    new_draft,
    page_token,
    ready_draft,
    replace,
    snapshot,
    stored_files,
    upload,
    views,
)

MB = 1024 * 1024


@pytest.fixture
def settings(settings):
    """The suite's settings with a 1 MB upload limit (Flask then refuses requests over 2 MB)."""
    settings.values["uploads"]["max_size_mb"] = 1
    return settings


def _pdf_of(size: int) -> bytes:
    return PDF + b"%" * (size - len(PDF))


@pytest.mark.parametrize(
    ("kind", "name", "content", "content_type"),
    [
        ("application", "Заявление.pdf", PDF, "application/pdf"),
        ("passport", "паспорт.JPG", JPEG, "image/jpeg"),
        ("passport", "passport.jpeg", JPEG, "image/jpeg"),
        ("passport", "скан.png", PNG, "image/png"),
        ("programme", "Программа развития.docx", DOCX, storage.DOCX),
    ],
)
def test_each_allowed_type_is_stored_by_its_hash(auth, client, runtime, district, kind, name, content, content_type):
    application_id = new_draft(client, auth, district.contest_id)
    response = upload(client, application_id, kind, name, content)
    assert response.status_code == 303
    assert f"Файл «{name}» загружен." in client.get(response.headers["Location"]).get_data(as_text=True)
    [document] = documents_of(runtime, application_id)
    sha = hashlib.sha256(content).hexdigest()
    assert (document.kind_code, document.original_name, document.content_type, document.size, document.sha256) == (
        kind,
        name,
        content_type,
        len(content),
        sha,
    )
    assert document.storage_key == f"{sha[:2]}/{sha}"
    folder = runtime.settings.uploads_folder
    assert stored_files(runtime) == [folder / sha[:2] / sha]
    assert (folder / document.storage_key).read_bytes() == content
    # The uploads live in the instance folder, not under the app's static folder.
    assert "static" not in folder.parts
    # The owner gets the same bytes back with the checked type; their own look is not logged.
    response = client.get(f"/applications/{application_id}/documents/{document.id}")
    assert response.status_code == 200
    assert response.data == content
    assert response.mimetype == content_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert views(runtime, application_id) == []


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("резюме.txt", b"plain text", "допускаются только файлы PDF, JPEG, PNG или DOCX"),
        ("скан.pdf", PNG, "имя указывает на PDF, а по содержимому это PNG"),
        ("заявление.pdf", HTML, "по содержимому это не PDF, JPEG, PNG или DOCX"),
        ("фото.png", HTML, "по содержимому это не PDF, JPEG, PNG или DOCX"),
        ("фото.jpg", PDF, "имя указывает на JPEG, а по содержимому это PDF"),
        ("программа.docx", docx_bytes(with_document=False), "по содержимому это не PDF, JPEG, PNG или DOCX"),
        ("программа.docx", b"PK\x03\x04 not really a zip", "по содержимому это не PDF, JPEG, PNG или DOCX"),
        ("пустой.pdf", b"", "пуст"),
        ("большой.pdf", _pdf_of(MB + 1), "больше 1 МБ"),
    ],
)
def test_wrong_forged_empty_or_large_files_are_refused_and_nothing_is_stored(
    auth, client, runtime, district, name, content, message
):
    application_id = new_draft(client, auth, district.contest_id)
    before = snapshot(runtime, application_id)
    response = upload(client, application_id, "passport", name, content)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert f"«{name}»" in html
    assert snapshot(runtime, application_id) == before
    assert stored_files(runtime) == []
    assert not any(runtime.settings.uploads_folder.rglob(".partial-*"))


def test_exactly_the_limit_is_accepted(auth, client, runtime, district):
    application_id = new_draft(client, auth, district.contest_id)
    assert upload(client, application_id, "passport", "ровно.pdf", _pdf_of(MB)).status_code == 303
    assert [d.size for d in documents_of(runtime, application_id)] == [MB]


def test_a_request_over_flasks_limit_gets_a_russian_413_page(auth, client, runtime, district):
    application_id = new_draft(client, auth, district.contest_id)
    before = snapshot(runtime, application_id)
    response = upload(client, application_id, "passport", "огромный.pdf", _pdf_of(3 * MB))
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "Файл слишком большой" in html and "не более 1 МБ" in html
    assert f'href="{app_url(application_id)}"' in html  # back to the application
    assert snapshot(runtime, application_id) == before
    assert stored_files(runtime) == []


def test_no_file_chosen_is_refused(auth, client, runtime, district):
    application_id = new_draft(client, auth, district.contest_id)
    response = client.post(
        f"{app_url(application_id)}/upload/passport", data={"csrf_token": page_token(client, app_url(application_id))}
    )
    assert response.status_code == 400
    assert "Выберите файл для загрузки." in response.get_data(as_text=True)
    assert documents_of(runtime, application_id) == []


def test_unknown_document_kind_is_404(auth, client, runtime, district):
    application_id = new_draft(client, auth, district.contest_id)
    assert upload(client, application_id, "diploma_of_hogwarts", "x.pdf", PDF).status_code == 404
    assert stored_files(runtime) == []


def test_same_bytes_share_one_file_and_deleting_keeps_it_while_used(auth, client, runtime, district):
    application_id = new_draft(client, auth, district.contest_id)
    upload(client, application_id, "application", "Заявление.pdf", PDF)
    upload(client, application_id, "passport", "копия.pdf", PDF)
    first, second = documents_of(runtime, application_id)
    assert first.storage_key == second.storage_key
    assert len(stored_files(runtime)) == 1
    token = page_token(client, app_url(application_id))
    assert (
        client.post(f"{app_url(application_id)}/documents/{first.id}/delete", data={"csrf_token": token}).status_code
        == 303
    )
    assert len(stored_files(runtime)) == 1  # still the passport's file
    client.post(f"{app_url(application_id)}/documents/{second.id}/delete", data={"csrf_token": token})
    assert documents_of(runtime, application_id) == []
    assert stored_files(runtime) == []


def test_replacing_in_a_draft_drops_the_old_file(auth, client, runtime, district):
    application_id = new_draft(client, auth, district.contest_id)
    upload(client, application_id, "passport", "паспорт.png", PNG)
    [document] = documents_of(runtime, application_id)
    response = replace(client, application_id, document.id, "паспорт.pdf", PDF)
    assert response.status_code == 303
    [after] = documents_of(runtime, application_id)
    assert (after.id, after.original_name, after.content_type) == (document.id, "паспорт.pdf", "application/pdf")
    sha = hashlib.sha256(PDF).hexdigest()
    assert stored_files(runtime) == [runtime.settings.uploads_folder / sha[:2] / sha]


def test_a_refused_replacement_keeps_the_document(auth, client, runtime, district):
    application_id = new_draft(client, auth, district.contest_id)
    upload(client, application_id, "passport", "паспорт.png", PNG)
    [document] = documents_of(runtime, application_id)
    before = snapshot(runtime, application_id)
    response = replace(client, application_id, document.id, "паспорт.pdf", HTML)
    assert response.status_code == 400
    assert "по содержимому это не PDF" in response.get_data(as_text=True)
    assert snapshot(runtime, application_id) == before


def test_nothing_changes_once_submitted(auth, client, runtime, district):
    application_id = ready_draft(client, auth, district.contest_id)
    act(client, application_id, "submit")
    document = documents_of(runtime, application_id)[0]
    before = snapshot(runtime, application_id)
    token = page_token(client, app_url(application_id))
    response = upload(client, application_id, "programme", "Программа.docx", DOCX)
    assert response.status_code == 400
    assert (
        "Документы можно менять только в черновике заявления или после его возврата на доработку; "
        "сейчас заявление в состоянии «Подано, на проверке документов»."
    ) in response.get_data(as_text=True)
    response = replace(client, application_id, document.id, "другое.pdf", PDF + b"%2")
    assert response.status_code == 400
    assert "Документы можно менять только в черновике" in response.get_data(as_text=True)
    response = client.post(f"{app_url(application_id)}/documents/{document.id}/delete", data={"csrf_token": token})
    assert response.status_code == 400
    assert "Удалить документ можно только из черновика" in response.get_data(as_text=True)
    response = client.post(f"{app_url(application_id)}/consent", data={"csrf_token": token, "agree": "y"})
    assert response.status_code == 400
    assert "Согласие даётся до подачи заявления." in response.get_data(as_text=True)
    assert snapshot(runtime, application_id) == before


def test_upload_without_csrf_token_is_refused(auth, client, runtime, district):
    application_id = new_draft(client, auth, district.contest_id)
    response = client.post(
        f"{app_url(application_id)}/upload/passport",
        data={"file": (io.BytesIO(PDF), "a.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "Форма устарела" in response.get_data(as_text=True)
    assert stored_files(runtime) == []


def test_storage_keys_cannot_leave_the_folder(tmp_path):
    with pytest.raises(ValueError):
        storage.path_of(tmp_path, "../../etc/passwd")
