"""Withdrawal and retention: the scheduler's daily retention job destroys what has been
kept long enough (documents of applicants not included, 3 years after the contest; what
the law does not keep, 30 days after the processing consent is withdrawn), records each
destruction as an act the administrator sees, and removes a stored file only when no
other record uses the same bytes."""

from __future__ import annotations

import hashlib

import time_machine
from sqlalchemy import select

from reserve_flow.contest.models.applicants import ApplicantProfile
from reserve_flow.contest.models.contests import Application
from reserve_flow.contest.models.documents import ApplicationDocument
from reserve_flow.core.audit.chain import verify_chain
from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.core.db import utcnow
from reserve_flow.core.deadlines.scheduler import Ticker, make_leader
from reserve_flow.privacy.models import PROCESSING, DestructionAct
from reserve_flow.privacy.services import consents
from tests.fixtures.applicant import (
    PDF,
    PNG,
    act,
    app_url,
    apply,
    documents_of,
    fill_profile,
    page_token,
    stored_files,
    submitted,
    upload,
    version_on,
)
from tests.fixtures.scheduler import irkutsk
from tests.helpers import NOW, _csrf_token


def _path(runtime, content: bytes):
    sha = hashlib.sha256(content).hexdigest()
    return runtime.settings.uploads_folder / sha[:2] / sha


def _file_views(runtime, application_id: int) -> list[AuditEvent]:
    with runtime.sessions() as s:
        query = select(AuditEvent).where(
            AuditEvent.kind == "personal_file_viewed",
            AuditEvent.subject_type == "application",
            AuditEvent.subject_id == application_id,
            AuditEvent.data.contains("document_id"),
        )
        return list(s.scalars(query.order_by(AuditEvent.seq)).unique())


def _acts(runtime) -> list[DestructionAct]:
    with runtime.sessions() as s:
        return list(s.scalars(select(DestructionAct).order_by(DestructionAct.id)))


def test_the_daily_job_destroys_a_not_included_applicants_documents_after_three_years(
    runtime, district, client, auth, smtp_server
):
    application_id = submitted(client, auth, district.contest_id)  # applicant2: Заявление.pdf, Паспорт.png
    # The same PDF bytes also serve another applicant's application: that file must stay.
    auth.login("applicant@example.ru")
    assert upload(client, district.application_id, "programme", "Программа.pdf", PDF).status_code == 303
    assert act(client, district.application_id, "submit").status_code == 303
    auth.logout()
    # The secretary opens both applicants' files: audit events naming each file.
    auth.login("secretary@example.ru")
    for document in documents_of(runtime, application_id) + documents_of(runtime, district.application_id)[-1:]:
        url = f"/applications/{document.application_id}/documents/{document.id}"
        assert client.get(url).status_code == 200
    passport = documents_of(runtime, application_id)[1]
    html = client.get(f"/check/{application_id}").get_data(as_text=True)
    data = {"csrf_token": _csrf_token(html), "version": version_on(html), f"reason_{passport.id}": "Скан нечитаем."}
    assert client.post(f"/check/{application_id}/return", data=data).status_code == 303
    auth.logout()
    auth.login("applicant2@example.ru")
    assert act(client, application_id, "withdraw", confirm="y").status_code == 303
    auth.logout()

    runtime.engine.clock = utcnow  # the real clock, moved by time-machine
    ticker = Ticker(runtime, make_leader(runtime))
    # Acceptance ended on 15.12.2026; three years later, to the day, the documents go.
    with time_machine.travel(irkutsk(2029, 12, 14, 10), tick=False):
        ticker.tick()
    assert _acts(runtime) == []
    auth.login("admin@example.ru")
    queue = client.get("/admin/destruction").get_data(as_text=True)
    assert "15.12.2029" in queue and "Паспорт.png" in queue and "Второв Сергей Павлович" in queue
    auth.logout()

    with time_machine.travel(irkutsk(2029, 12, 15, 10), tick=False):
        ticker.tick()
        ticker.tick()  # once a day: the second tick finds nothing new
    acts = _acts(runtime)
    assert sorted((a.file_sha256, a.file_removed, a.performed_by_id) for a in acts) == sorted(
        [(hashlib.sha256(PDF).hexdigest(), False, None), (hashlib.sha256(PNG).hexdigest(), True, None)]
    )
    assert all(a.subject_user_id == district.users["applicant2"] for a in acts)
    assert all("3 г. после конкурса" in a.ground for a in acts)
    assert not _path(runtime, PNG).exists() and _path(runtime, PDF).exists()
    # Each look at a destroyed file keeps its event, but the file's name and who looked
    # are erased under that document's act; the other applicant's look is untouched.
    opened = _file_views(runtime, application_id)
    assert len(opened) == 2
    assert sorted(e.personal.erasure_act_id for e in opened) == sorted(a.id for a in acts)
    assert all(e.erased and "file" not in e.payload and "document_id" in e.payload for e in opened)
    assert all(e.personal.erasure_reason == next(a.ground for a in acts) for e in opened)
    # The return for correction named the passport's file in its reason: erased under the passport's act.
    passport_act = next(a for a in acts if "Паспорт.png" in a.what)
    with runtime.sessions() as s:
        returned = s.scalar(select(AuditEvent).where(AuditEvent.trigger == "return_for_fix"))
        assert returned.erased and returned.reason is None and returned.personal.erasure_act_id == passport_act.id
        assert returned.payload == {"returned_documents": [passport.id]}
    (other,) = _file_views(runtime, district.application_id)
    assert not other.erased and other.payload["file"] == "Программа.pdf"
    with runtime.sessions() as s:
        kept = s.scalars(select(AuditEvent).where(AuditEvent.subject_id == application_id)).unique().all()
        assert any(e.kind == "transition" and not e.erased for e in kept)  # its steps: nothing of a file
        result = verify_chain(s)
    assert result.ok and result.erased == 3
    assert result.erasure_acts == {a.id: 2 if a.id == passport_act.id else 1 for a in acts}
    with runtime.sessions() as s:
        assert (
            s.scalars(select(ApplicationDocument).where(ApplicationDocument.application_id == application_id)).all()
            == []
        )
        assert s.scalars(
            select(ApplicationDocument).where(ApplicationDocument.application_id == district.application_id)
        ).all()  # the other applicant's documents are untouched

    auth.login("admin@example.ru")
    page = client.get("/admin/destruction").get_data(as_text=True)
    assert "Акты уничтожения" in page and "по графику хранения" in page
    assert "Паспорт.png" in page and "оставлен: используется другой записью" in page
    auth.logout()
    auth.login("hr@example.ru")
    assert client.get("/admin/destruction").status_code == 404  # the administrator's page


def test_withdrawing_the_processing_consent_stops_processing_and_destroys_after_thirty_days(
    runtime, district, client, auth
):
    application_id = submitted(client, auth, district.contest_id)  # applicant2 consented on the application page
    auth.login("applicant2@example.ru")
    assert fill_profile(client, full_name="Второва Сергей Павлович").status_code == 303  # a name change: audited
    with runtime.sessions() as s:
        consent = consents.active(s, district.users["applicant2"], PROCESSING)
    token = page_token(client, "/my/consents")
    response = client.post(f"/my/consents/{consent.id}/revoke", data={"csrf_token": token})
    assert response.status_code == 303
    page = client.get("/my/consents").get_data(as_text=True)
    assert "Согласие не действует" in page and "заявления на конкурсы отозваны" in page
    response = apply(client, district.contest_id)
    assert response.status_code == 303
    assert "Вы отозвали согласие на обработку персональных данных" in client.get("/applicant/").get_data(as_text=True)
    assert "Отозвано согласие на обработку" in client.get(app_url(application_id)).get_data(as_text=True)
    auth.logout()
    with runtime.sessions() as s:
        assert s.get(Application, application_id).state == "withdrawn"

    auth.login("hr@example.ru")  # staff see the withdrawal on the person's path
    path = client.get(f"/people/{district.users['applicant2']}/path").get_data(as_text=True)
    assert "Отозвано согласие на обработку персональных данных" in path
    auth.logout()

    auth.login("admin@example.ru")
    queue = client.get("/admin/destruction").get_data(as_text=True)
    assert "25.12.2026" in queue and "отзыв согласия" in queue and "Сведения профиля заявителя" in queue
    token = page_token(client, "/admin/destruction")
    runtime.engine.clock = lambda: NOW.replace(month=12, day=24)
    assert client.post("/admin/destruction/run", data={"csrf_token": token}).status_code == 303
    assert _acts(runtime) == []  # not yet due
    runtime.engine.clock = lambda: NOW.replace(month=12, day=25)
    assert client.post("/admin/destruction/run", data={"csrf_token": token}).status_code == 303
    acts = _acts(runtime)
    assert len(acts) == 3  # two documents and the profile's details
    assert {a.performed_by_id for a in acts} == {district.users["admin"]}
    assert all("отзыв согласия" in a.ground for a in acts)
    assert not _path(runtime, PDF).exists() and not _path(runtime, PNG).exists()
    assert stored_files(runtime) == []
    with runtime.sessions() as s:
        profile = s.get(ApplicantProfile, district.users["applicant2"])
        assert (profile.birth_date, profile.phone, profile.education) == (None, "", "")
        assert s.get(Application, application_id).documents == []
    page = client.get("/admin/destruction").get_data(as_text=True)
    assert "Админов Алексей Николаевич" in page and "Сведения профиля заявителя" in page
    # The name history goes with the profile (the event stays, its names erased under the
    # profile's act); the consent events hold nothing personal and stay whole.
    (profile_act,) = [a for a in acts if a.what.startswith("Сведения профиля")]
    with runtime.sessions() as s:
        person = s.scalars(
            select(AuditEvent).where(
                AuditEvent.subject_type == "user", AuditEvent.subject_id == district.users["applicant2"]
            )
        ).unique()
        by_kind = {}
        for event in person:
            by_kind.setdefault(event.kind, []).append(event)
        (renamed,) = by_kind["full_name_changed"]
        assert renamed.erased and renamed.payload == {} and renamed.personal.erasure_act_id == profile_act.id
        assert by_kind["consent_revoked"] and not any(e.erased for e in by_kind["consent_revoked"])
        result = verify_chain(s)
    assert result.ok and result.erasure_acts.get(profile_act.id) == 1
