"""Who may call the API and how it refuses: tokens (hashed, expiring, revocable, each use
noted), the browser session with its CSRF header, and the problem documents with the
statuses the engine's refusals map to; every write made with a token is audited in the
user's name."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from reserve_flow.contest.models.contests import Application
from reserve_flow.core.api.tokens import ApiToken, create_token, digest
from reserve_flow.core.audit.models import AuditEvent
from tests.helpers import NOW, _csrf_token, load_user

PROBLEM = "application/problem+json"


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def fire(client, headers, application_id, trigger, version, **body):
    return client.post(
        f"/api/v1/application/{application_id}/transitions/{trigger}",
        json={"version": version, **body},
        headers=headers,
    )


def version_of(runtime, application_id):
    with runtime.sessions() as s:
        return s.get(Application, application_id).version


def events(runtime, kind):
    with runtime.sessions() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.kind == kind).order_by(AuditEvent.seq)))


def test_without_credentials_the_api_answers_401_as_a_problem_and_html_stays_for_pages(client, district):
    response = client.get("/api/v1/applications", headers={"Accept": "application/json"})
    assert response.status_code == 401 and response.mimetype == PROBLEM
    problem = response.get_json()
    assert problem["status"] == 401 and "токен" in problem["detail"]
    assert set(problem) >= {"type", "title", "status", "detail", "errors"}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    # An unknown address under /api is a problem too; outside it, the HTML page as before.
    assert client.get("/api/v1/no-such-thing").mimetype == PROBLEM
    assert client.get("/no-such-thing").mimetype == "text/html"


def test_a_token_is_stored_hashed_and_its_use_is_noted(client, runtime, district, api_token):
    token = api_token("secretary")
    with runtime.sessions() as s:
        row = s.scalars(select(ApiToken)).one()
        assert row.token_hash == digest(token) and token not in (row.token_hash, row.hint)
        assert row.last_used_at is None
    response = client.get("/api/v1/applications", headers=bearer(token))
    assert response.status_code == 200
    with runtime.sessions() as s:
        assert s.scalars(select(ApiToken)).one().last_used_at == NOW
    created = events(runtime, "api_token_created")
    assert [e.actor_name for e in created] == ["Секретарёва Ольга Петровна"]
    assert token not in created[0].data


def test_unknown_expired_and_revoked_tokens_are_refused(client, runtime, district, api_token):
    assert client.get("/api/v1/contests", headers=bearer("rf_made-up")).status_code == 401
    assert client.get("/api/v1/contests", headers={"Authorization": "Basic abc"}).status_code == 401
    with runtime.sessions() as s:
        old = create_token(s, load_user(s, district, "hr"), NOW - timedelta(days=3), days=2).secret
    expired = client.get("/api/v1/contests", headers=bearer(old))
    assert expired.status_code == 401 and "истёк" in expired.get_json()["detail"]

    token = api_token("hr")
    assert client.get("/api/v1/tokens", headers=bearer(token)).status_code == 200
    token_id = client.get("/api/v1/tokens", headers=bearer(token)).get_json()["items"][0]["id"]
    revoked = client.delete(f"/api/v1/tokens/{token_id}", headers=bearer(token))
    assert revoked.status_code == 200
    assert client.get("/api/v1/contests", headers=bearer(token)).status_code == 401
    assert [e.subject_id for e in events(runtime, "api_token_revoked")] == [token_id]


def test_another_users_token_cannot_be_revoked(client, district, api_token):
    hr_token = api_token("hr")
    hr_token_id = client.get("/api/v1/tokens", headers=bearer(hr_token)).get_json()["items"][0]["id"]
    response = client.delete(f"/api/v1/tokens/{hr_token_id}", headers=bearer(api_token("member")))
    assert response.status_code == 404 and response.mimetype == PROBLEM
    assert client.get("/api/v1/contests", headers=bearer(hr_token)).status_code == 200


def test_the_session_needs_the_csrf_header_for_writes(client, auth, district):
    auth.login("applicant@example.ru")
    assert client.get("/api/v1/applications").status_code == 200  # reading: the cookie is enough
    version = client.get(f"/api/v1/application/{district.application_id}").get_json()["version"]
    without = fire(client, {}, district.application_id, "submit", version)
    assert without.status_code == 403 and without.mimetype == PROBLEM and "CSRF" in without.get_json()["detail"]
    token = _csrf_token(client.get("/").get_data(as_text=True))
    with_header = fire(client, {"X-CSRFToken": token}, district.application_id, "submit", version)
    assert with_header.status_code == 200, with_header.get_json()
    assert with_header.get_json()["state"]["code"] == "submitted"


def test_the_statuses_of_a_refused_step(client, runtime, district, commission, api_token):
    member, secretary = bearer(api_token("member")), bearer(api_token("secretary"))
    application_id = commission.first  # admitted
    version = version_of(runtime, application_id)

    # A role that may not fire it: 403 with the engine's reason.
    denied = fire(client, member, application_id, "assess", version)
    assert denied.status_code == 403 and "секретарь" in denied.get_json()["detail"].lower()
    # A stale version: 409.
    stale = fire(client, secretary, application_id, "assess", version - 1)
    assert stale.status_code == 409 and stale.get_json()["type"].endswith("stale-version")
    # An unmet guard: 422 with its message (no one has scored yet).
    guard = fire(client, secretary, application_id, "assess", version)
    assert guard.status_code == 422 and guard.get_json()["detail"]
    # A trigger the workflow does not have: 404; one not from this state: 409.
    assert fire(client, secretary, application_id, "fly", version).status_code == 404
    assert fire(client, secretary, application_id, "admit", version).status_code == 409
    # Nothing moved.
    assert version_of(runtime, application_id) == version


def test_a_bad_body_names_its_fields_in_russian(client, district, api_token):
    headers = bearer(api_token("applicant"))
    response = client.post(
        f"/api/v1/application/{district.application_id}/transitions/submit",
        json={"version": "много", "colour": "red"},
        headers=headers,
    )
    assert response.status_code == 422 and response.mimetype == PROBLEM
    fields = {e["field"]: e["message"] for e in response.get_json()["errors"]}
    assert fields["version"] == "Нужно целое число." and fields["colour"] == "Неизвестное поле."
    scores = client.put(
        "/api/v1/applications/1/scores", json={"scores": [{"criterion_id": 1, "value": -1}]}, headers=headers
    )
    assert scores.status_code == 422
    assert any("не меньше 0" in e["message"] for e in scores.get_json()["errors"])


def test_a_reason_required_step_without_one_is_422_naming_the_field(client, runtime, district, api_token):
    owner = bearer(api_token("applicant"))
    version = version_of(runtime, district.application_id)
    assert fire(client, owner, district.application_id, "submit", version).status_code == 200
    secretary = bearer(api_token("secretary"))
    version = version_of(runtime, district.application_id)
    response = client.post(
        f"/api/v1/applications/{district.application_id}/check",
        json={"decision": "return_for_fix", "version": version},
        headers=secretary,
    )
    assert response.status_code == 422 and "что исправить" in response.get_json()["detail"]
    assert version_of(runtime, district.application_id) == version


def test_writes_made_with_a_token_are_audited_in_the_users_name(client, runtime, district, api_token):
    owner = bearer(api_token("applicant"))
    version = version_of(runtime, district.application_id)
    assert fire(client, owner, district.application_id, "submit", version).status_code == 200
    step = [e for e in events(runtime, "transition") if e.trigger == "submit"]
    assert [(e.actor_name, e.subject_id) for e in step] == [("Заявителева Елена Андреевна", district.application_id)]


def test_opening_someone_elses_application_is_logged_as_on_its_page(client, runtime, district, commission, api_token):
    response = client.get(f"/api/v1/applications/{commission.second}", headers=bearer(api_token("secretary")))
    assert response.status_code == 200
    views = events(runtime, "personal_file_viewed")
    assert [(e.actor_name, e.subject_id) for e in views] == [("Секретарёва Ольга Петровна", commission.second)]
    # The applicant's own look is not logged; someone else's application is not found.
    applicant = bearer(api_token("applicant"))
    assert client.get(f"/api/v1/applications/{commission.first}", headers=applicant).status_code == 200
    assert client.get(f"/api/v1/applications/{commission.second}", headers=applicant).status_code == 404
    assert len(events(runtime, "personal_file_viewed")) == 1


def test_lists_are_paginated_with_links_and_filters(client, district, commission, api_token):
    headers = bearer(api_token("admin"))
    first = client.get("/api/v1/applications?per_page=2&state=admitted", headers=headers).get_json()
    assert first["total"] == 3 and len(first["items"]) == 2 and first["links"]["prev"] is None
    second = client.get(first["links"]["next"], headers=headers).get_json()
    assert len(second["items"]) == 1 and second["links"]["next"] is None
    ids = [a["id"] for a in first["items"] + second["items"]]
    assert ids == sorted(ids) and len(set(ids)) == 3
    assert "state=admitted" in second["links"]["self"]
    assert all(a["created_at"].endswith("Z") or "+" in a["created_at"] for a in first["items"])


def test_the_audit_journal_is_for_administrators_and_pages_by_cursor(client, district, api_token):
    assert client.get("/api/v1/audit", headers=bearer(api_token("hr"))).status_code == 403
    headers = bearer(api_token("admin"))
    page = client.get("/api/v1/audit?per_page=1", headers=headers).get_json()
    assert len(page["items"]) == 1 and page["next_before"] == page["items"][0]["seq"]
    older = client.get(page["links"]["next"], headers=headers).get_json()
    assert older["items"][0]["seq"] < page["items"][0]["seq"]
    assert isinstance(older["items"][0]["data"], dict)
    json.dumps(older)  # plain JSON through and through


def test_a_body_of_another_type_is_415_not_an_error(client, district, api_token):
    headers = bearer(api_token("applicant"))
    url = f"/api/v1/application/{district.application_id}/transitions/submit"
    for content_type, body in (("application/x-www-form-urlencoded", "version=1"), ("text/plain", "1")):
        response = client.post(url, data=body, headers={**headers, "Content-Type": content_type})
        assert response.status_code == 415 and response.mimetype == PROBLEM, content_type
    # The upload reads multipart, and JSON is refused there.
    upload = client.post(f"/api/v1/applications/{district.application_id}/documents", json={}, headers=headers)
    assert upload.status_code == 415


def test_an_id_past_the_integer_range_is_not_found(client, district, api_token):
    headers = bearer(api_token("admin"))
    for url in ("/api/v1/organizations/121304581893270306816", "/api/v1/application/99999999999999999999"):
        response = client.get(url, headers=headers)
        assert response.status_code == 404 and response.mimetype == PROBLEM, url
