"""Who may open a stored document: the owner, the contest's secretary, chair and
members, an administrator (a passport or criminal-record scan: the owner, the secretary
and HR only, 403 for the others); everyone else gets 404. Every look by someone other than
the owner is a personal_file_viewed audit event naming the document."""

from __future__ import annotations

import hashlib

from reserve_flow.people.services.users import create_user
from tests.fixtures.applicant import PDF, PNG, act, documents_of, ready_draft, snapshot, submitted, views
from tests.helpers import PASSWORD


def test_commission_and_admin_may_open_and_each_look_is_logged(auth, client, runtime, district):
    """The passport scan opens to the secretary only (minimisation); the commission's
    members and chair and the administrator get 403 and see on the case page that it
    was checked, not the file; other documents open to all of them."""
    application_id = submitted(client, auth, district.contest_id)
    pdf, png = documents_of(runtime, application_id)
    url = f"/applications/{application_id}/documents/{{}}"
    auth.login("secretary@example.ru")
    response = client.get(url.format(png.id))
    assert response.status_code == 200
    assert response.data == PNG and response.mimetype == "image/png"
    assert "inline" in response.headers["Content-Disposition"]
    auth.logout()
    expected = [
        (
            district.users["secretary"],
            {
                "document_id": png.id,
                "kind": "passport",
                "file": "Паспорт.png",
                "sha256": hashlib.sha256(PNG).hexdigest(),
            },
        )
    ]
    for key in ("chair", "member", "admin"):
        auth.login(f"{key}@example.ru")
        response = client.get(url.format(png.id))
        assert response.status_code == 403, key
        assert response.data != PNG
        case = client.get(f"/applications/{application_id}").get_data(as_text=True)
        assert "файл открывают секретарь и специалист по кадрам" in case
        assert url.format(png.id) not in case and url.format(pdf.id) in case
        auth.logout()
    # Opening the case page is logged too; a refused file is not.
    assert [v for v in views(runtime, application_id) if "document_id" in v[1]] == expected

    auth.login("member2@example.ru")
    response = client.get(url.format(pdf.id) + "?download=1")
    assert response.status_code == 200 and response.data == PDF
    assert "attachment" in response.headers["Content-Disposition"]
    assert views(runtime, application_id)[-1] == (
        district.users["member2"],
        {
            "document_id": pdf.id,
            "kind": "application",
            "file": "Заявление.pdf",
            "sha256": hashlib.sha256(PDF).hexdigest(),
        },
    )


def test_anyone_else_gets_404_and_nothing_is_logged(auth, client, runtime, district):
    application_id = submitted(client, auth, district.contest_id)
    document = documents_of(runtime, application_id)[0]
    with runtime.transaction() as s:
        create_user(
            s,
            email="outsider@example.ru",
            full_name="Посторонний Олег Олегович",
            password=PASSWORD,
            roles=["member", "secretary", "chair"],
        )
    before = snapshot(runtime, application_id)
    for email in ("applicant@example.ru", "hr@example.ru", "outsider@example.ru"):
        auth.login(email)
        assert client.get(f"/applications/{application_id}/documents/{document.id}").status_code == 404, email
        assert client.get(f"/applications/{application_id}/documents/{document.id}?download=1").status_code == 404
        auth.logout()
    # Nobody logged in: sent to the login page, not to the file.
    response = client.get(f"/applications/{application_id}/documents/{document.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert snapshot(runtime, application_id) == before
    assert views(runtime, application_id) == []


def test_a_document_of_another_application_is_404(auth, client, runtime, district):
    application_id = submitted(client, auth, district.contest_id)
    document = documents_of(runtime, application_id)[0]
    auth.login("applicant@example.ru")  # the fixture's draft, submitted: the secretary sees it
    assert act(client, district.application_id, "submit").status_code == 303
    auth.logout()
    auth.login("secretary@example.ru")
    assert client.get(f"/applications/{district.application_id}").status_code == 200
    # ...but the other application's document is not reached through it.
    assert client.get(f"/applications/{district.application_id}/documents/{document.id}").status_code == 404
    assert all(data == {} for _, data in views(runtime, district.application_id))  # the case page only
    assert views(runtime, application_id) == []


def test_a_draft_is_the_applicants_alone(auth, client, runtime, district):
    application_id = ready_draft(client, auth, district.contest_id)
    document = documents_of(runtime, application_id)[0]
    auth.logout()
    auth.login("secretary@example.ru")
    assert client.get(f"/applications/{application_id}/documents/{document.id}").status_code == 404
    assert client.get(f"/check/{application_id}").status_code == 404
    assert views(runtime, application_id) == []


def test_a_row_without_a_stored_file_is_404(auth, client, runtime, district):
    # The fixture's draft has document rows made without files (as the demo data does).
    auth.login("applicant@example.ru")
    document = documents_of(runtime, district.application_id)[0]
    assert client.get(f"/applications/{district.application_id}/documents/{document.id}").status_code == 404
