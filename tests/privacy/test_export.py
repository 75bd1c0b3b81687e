"""The personal export: from their cabinet a person downloads everything the service
holds about them (profile, consents, applications with their documents and files,
reserve membership, plan items, audit events about them), and nobody else's."""

from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import select

from reserve_flow.core.audit.models import AuditEvent
from tests.fixtures.applicant import PDF, PNG, PROFILE, page_token, submitted
from tests.fixtures.reserve import add_item, course


def _export(client) -> zipfile.ZipFile:
    response = client.post("/my/export.zip", data={"csrf_token": page_token(client, "/my/consents")})
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    return zipfile.ZipFile(io.BytesIO(response.data))


def test_the_export_holds_the_applicants_data_and_files_and_nobody_elses(runtime, district, client, auth):
    application_id = submitted(client, auth, district.contest_id)  # applicant2, with a PDF and a PNG
    auth.login("applicant2@example.ru")
    archive = _export(client)
    data = json.loads(archive.read("data.json"))
    assert data["user"]["email"] == "applicant2@example.ru" and "password_hash" not in data["user"]
    assert data["profile"]["phone"] == PROFILE["phone"]
    assert [a["id"] for a in data["applications"]] == [application_id]
    assert sorted(d["original_name"] for d in data["applications"][0]["documents"]) == ["Заявление.pdf", "Паспорт.png"]
    assert [c["kind"] for c in data["consents"]] == ["processing"]
    assert "submit" in {e["trigger"] for e in data["audit_events"]}
    assert "consent_given" in {e["kind"] for e in data["audit_events"]}
    files = {name: archive.read(name) for name in archive.namelist() if name.startswith("files/")}
    assert sorted(files.values()) == sorted([PDF, PNG])
    everything = b"".join(archive.read(n) for n in archive.namelist()).decode("utf-8", "replace")
    for other in ("Заявителева", "applicant@example.ru", str(district.users["applicant"]) + ',"kind"'):
        assert other not in everything, other
    with runtime.sessions() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.kind == "own_data_exported")).one()
        assert (event.actor_id, event.subject_id) == (district.users["applicant2"], district.users["applicant2"])


def test_a_reserve_members_export_holds_the_membership_and_plan(runtime, reserve, client, auth):
    item = add_item(runtime, reserve, reserve.first, course())
    auth.login("applicant@example.ru")
    data = json.loads(_export(client).read("data.json"))
    assert [m["id"] for m in data["reserve_memberships"]] == [reserve.first]
    assert data["reserve_memberships"][0]["full_name_at_act"] == "Заявителева Елена Андреевна"
    assert [i["id"] for i in data["plan_items"]] == [item]
    text = json.dumps(data, ensure_ascii=False)
    assert "Второв" not in text and "Третьякова" not in text
