"""The secretary's document check through the HTTP client: the queue by deadline, the
checklist with its viewer, admit, return with a reason per document (and the applicant's
fix and resubmission), refuse citing a requirement, and every refusal changing nothing."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from reserve_flow.contest.models.applicants import ApplicantProfile
from reserve_flow.contest.models.contests import Contest
from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.people.services.users import create_user
from tests.fixtures.applicant import (
    DOCX,
    JPEG,
    PDF,
    act,
    app_url,
    documents_of,
    outbox_for,
    page_token,
    replace,
    snapshot,
    stored_files,
    submitted,
    upload,
    version_on,
    views,
)
from tests.helpers import NOW, PASSWORD, _csrf_token


def _check(client, application_id, **query):
    return client.get(f"/check/{application_id}", query_string=query)


def _decide(client, application_id, decision, **fields):
    html = _check(client, application_id).get_data(as_text=True)
    data = {"csrf_token": _csrf_token(html), "version": version_on(html), **fields}
    return client.post(f"/check/{application_id}/{decision}", data=data)


def _state(runtime, application_id):
    return snapshot(runtime, application_id)[0]


def test_queue_lists_submitted_applications_nearest_deadline_first(auth, client, runtime, district):
    runtime.engine.clock = lambda: NOW - timedelta(days=1)  # Tuesday: due Tuesday 01.12
    early = submitted(client, auth, district.contest_id)
    runtime.engine.clock = lambda: NOW
    auth.login("applicant@example.ru")  # the fixture's complete draft, submitted on Wednesday
    assert (
        client.post(
            f"{app_url(district.application_id)}/submit",
            data={
                "csrf_token": page_token(client, app_url(district.application_id)),
                "version": version_on(client.get(app_url(district.application_id)).get_data(as_text=True)),
            },
        ).status_code
        == 303
    )
    auth.logout()

    auth.login("secretary@example.ru")
    html = client.get("/check/").get_data(as_text=True)
    assert html.index("Второв Сергей Павлович") < html.index("Заявителева Елена Андреевна")
    assert "01.12.2026" in html and "02.12.2026" in html
    assert f'href="/check/{early}"' in html
    # The fixture's applicant never filled a profile: the checklist says so and writes none.
    html = _check(client, district.application_id).get_data(as_text=True)
    assert "Дата рождения</dt><dd>не указана" in html
    with runtime.sessions() as s:
        assert s.get(ApplicantProfile, district.users["applicant"]) is None


def test_queue_and_checklist_are_the_contest_secretarys_only(auth, client, runtime, district):
    application_id = submitted(client, auth, district.contest_id)
    with runtime.transaction() as s:
        create_user(
            s,
            email="other.secretary@example.ru",
            full_name="Другая Секретарь Ивановна",
            password=PASSWORD,
            roles=["secretary"],
        )
    before = snapshot(runtime, application_id)
    for email, queue_status in (
        ("chair@example.ru", 403),
        ("applicant2@example.ru", 403),
        ("other.secretary@example.ru", 200),
    ):
        auth.login(email)
        response = client.get("/check/")
        assert response.status_code == queue_status, email
        assert "Второв" not in response.get_data(as_text=True).split("<main>")[1]  # the header names who is logged in
        expected = 404 if queue_status == 200 else 403
        assert _check(client, application_id).status_code == expected, email
        token = page_token(client, "/")
        for decision in ("admit", "return", "refuse"):
            response = client.post(
                f"/check/{application_id}/{decision}",
                data={"csrf_token": token, "version": str(before[1]), "requirement": "education"},
            )
            assert response.status_code == expected, (email, decision)
        auth.logout()
    assert snapshot(runtime, application_id) == before
    assert views(runtime, application_id) == []


def test_checklist_shows_documents_requirements_and_logs_the_look(auth, client, runtime, district):
    application_id = submitted(client, auth, district.contest_id)
    pdf, png = documents_of(runtime, application_id)
    auth.login("secretary@example.ru")
    html = _check(client, application_id, view=pdf.id).get_data(as_text=True)
    for text in (
        "Второв Сергей Павлович",
        "12.03.1984",
        "+7 924 555-12-34",
        "Заместитель директора по УВР",
        "Образование: высшее образование",
        "выполнено",
        "Заявление.pdf",
        "Паспорт.png",
        "PDF, 77 Б",
        "не проверен",
        "осталось 5 рабочих дней",
        "дано 25.11.2026 10:00, редакция 2026-2",
        "Допустить к конкурсу",
        "Вернуть на доработку",
        "Отказать в допуске",
    ):
        assert text in html, text
    # The viewer frames the document from its protected address.
    assert f'<iframe src="/applications/{application_id}/documents/{pdf.id}"' in html
    html = _check(client, application_id, view=png.id).get_data(as_text=True)
    assert f'<img src="/applications/{application_id}/documents/{png.id}"' in html
    assert [actor for actor, _ in views(runtime, application_id)] == [district.users["secretary"]] * 2


def test_return_fix_and_resubmit_then_admit(auth, client, runtime, district):
    application_id = submitted(client, auth, district.contest_id)
    pdf, png = documents_of(runtime, application_id)
    auth.login("secretary@example.ru")
    response = _decide(
        client,
        application_id,
        "return",
        **{
            f"reason_{png.id}": "Скан паспорта нечитаем: загрузите цветной скан разворота с фотографией.",
            "comment": "Остальное в порядке.",
        },
    )
    assert response.status_code == 303
    assert _state(runtime, application_id) == "returned"
    pdf, png = documents_of(runtime, application_id)
    assert (pdf.review_status, pdf.review_reason) == ("accepted", None)
    assert (png.review_status, png.review_reason) == (
        "returned",
        "Скан паспорта нечитаем: загрузите цветной скан разворота с фотографией.",
    )
    with runtime.sessions() as s:
        event = s.scalar(select(AuditEvent).where(AuditEvent.trigger == "return_for_fix"))
        assert event.reason == (
            "Паспорт (Паспорт.png): Скан паспорта нечитаем: загрузите цветной скан разворота "
            "с фотографией.\nОстальное в порядке."
        )
        assert json.loads(event.data) == {"returned_documents": [png.id]}
    html = client.get("/check/").get_data(as_text=True)
    assert "Заявлений на проверке нет." in html and "Второв Сергей Павлович" in html  # among the returned
    auth.logout()

    # The applicant sees the reason per document, the fix deadline and what to do.
    auth.login("applicant2@example.ru")
    html = client.get(app_url(application_id)).get_data(as_text=True)
    assert "Возвращено на доработку" in html
    assert "Причина возврата: Скан паспорта нечитаем: загрузите цветной скан разворота с фотографией." in html
    assert "Остальное в порядке." in html
    assert "осталось 3 рабочих дня" in html and "до 30.11.2026 включительно" in html
    assert f"/documents/{png.id}/replace" in html and f"/documents/{pdf.id}/replace" not in html
    assert "/upload/" not in html

    # Only the returned document may change, and resubmitting needs it replaced.
    before = snapshot(runtime, application_id)
    response = replace(client, application_id, pdf.id, "Заявление-2.pdf", PDF + b"%v2")
    assert response.status_code == 400
    assert "Этот документ секретарь не возвращал" in response.get_data(as_text=True)
    response = upload(client, application_id, "programme", "Программа.docx", DOCX)
    assert response.status_code == 400
    assert "После возврата на доработку можно только заменить возвращённые документы." in response.get_data(
        as_text=True
    )
    response = act(client, application_id, "resubmit")
    assert response.status_code == 400
    assert "не загружены обязательные документы: Паспорт (возвращён на исправление, не заменён)" in response.get_data(
        as_text=True
    )
    assert snapshot(runtime, application_id) == before

    old_file = runtime.settings.uploads_folder / png.storage_key
    assert replace(client, application_id, png.id, "Паспорт-цветной.jpg", JPEG).status_code == 303
    [_, new_png] = documents_of(runtime, application_id)
    assert (new_png.review_status, new_png.original_name, new_png.content_type) == (
        "replaced",
        "Паспорт-цветной.jpg",
        "image/jpeg",
    )
    assert old_file.exists()  # what was submitted first is kept
    assert len(stored_files(runtime)) == 3
    with runtime.sessions() as s:
        event = s.scalar(select(AuditEvent).where(AuditEvent.kind == "document_replaced"))
        assert json.loads(event.data)["old_sha256"] == png.sha256
    assert "Документ заменён после возврата: Паспорт-цветной.jpg" in client.get(
        f"/applications/{application_id}"
    ).get_data(as_text=True)
    assert act(client, application_id, "resubmit").status_code == 303
    assert _state(runtime, application_id) == "submitted"
    auth.logout()

    auth.login("secretary@example.ru")
    html = _check(client, application_id).get_data(as_text=True)
    assert "заменён после возврата" in html and "Паспорт-цветной.jpg" in html
    assert _decide(client, application_id, "admit").status_code == 303
    assert _state(runtime, application_id) == "admitted"
    assert {d.review_status for d in documents_of(runtime, application_id)} == {"accepted"}
    assert outbox_for(runtime, district.users["applicant2"]) == [
        "application.submit",
        "application.return_for_fix",
        "application.resubmit",
        "application.admit",
    ]
    assert "application.admit" in outbox_for(runtime, district.users["member"])
    auth.logout()
    auth.login("applicant2@example.ru")
    assert "Вы допущены к конкурсу." in client.get(app_url(application_id)).get_data(as_text=True)


def test_return_without_any_reason_is_refused(auth, client, runtime, district):
    application_id = submitted(client, auth, district.contest_id)
    auth.login("secretary@example.ru")
    before = snapshot(runtime, application_id)
    pdf, png = documents_of(runtime, application_id)
    response = _decide(client, application_id, "return", **{f"reason_{pdf.id}": "   ", "comment": ""})
    assert response.status_code == 400
    assert "Укажите, что исправить" in response.get_data(as_text=True)
    after = snapshot(runtime, application_id)
    assert after[:4] == before[:4] and after[5:] == before[5:]
    # The only new events are the secretary's looks at the checklist (shown, then shown again).
    assert after[4] - before[4] == len(views(runtime, application_id)) == 2


def test_refuse_cites_the_unmet_requirement(auth, client, runtime, district):
    with runtime.transaction() as s:
        s.get(Contest, district.contest_id).min_teaching_years = 20
    application_id = submitted(client, auth, district.contest_id)
    auth.login("secretary@example.ru")
    html = _check(client, application_id).get_data(as_text=True)
    assert "Стаж педагогической работы не менее 20 лет" in html and "не выполнено" in html

    before = snapshot(runtime, application_id)
    response = _decide(client, application_id, "refuse", comment="Стаж 15 лет.")
    assert response.status_code == 400
    assert "Выберите требование, которому заявитель не соответствует" in response.get_data(as_text=True)
    response = _decide(client, application_id, "refuse", requirement="astrology", comment="")
    assert response.status_code == 400
    assert snapshot(runtime, application_id)[:4] == before[:4]

    response = _decide(
        client,
        application_id,
        "refuse",
        requirement="teaching_years",
        comment="По трудовой книжке педагогический стаж — 15 лет.",
    )
    assert response.status_code == 303
    assert _state(runtime, application_id) == "refused"
    reason = (
        "Не выполнено требование: Стаж педагогической работы не менее 20 лет. "
        "По трудовой книжке педагогический стаж — 15 лет."
    )
    with runtime.sessions() as s:
        event = s.scalar(select(AuditEvent).where(AuditEvent.trigger == "refuse"))
        assert (event.reason, json.loads(event.data)) == (reason, {"requirement": "teaching_years"})
    auth.logout()
    auth.login("applicant2@example.ru")
    html = client.get(app_url(application_id)).get_data(as_text=True)
    assert "Отказано в допуске" in html and "Причина отказа" in html and reason in html
    assert outbox_for(runtime, district.users["applicant2"]) == ["application.submit", "application.refuse"]


def test_a_stale_checklist_is_a_conflict(auth, client, runtime, district):
    application_id = submitted(client, auth, district.contest_id)
    auth.login("secretary@example.ru")
    html = _check(client, application_id).get_data(as_text=True)
    stale = {"csrf_token": _csrf_token(html), "version": version_on(html)}
    assert _decide(client, application_id, "admit").status_code == 303
    before = snapshot(runtime, application_id)
    response = client.post(f"/check/{application_id}/refuse", data={**stale, "requirement": "education"})
    assert response.status_code == 409
    assert "уже изменил другой пользователь" in response.get_data(as_text=True)
    assert snapshot(runtime, application_id)[:4] == before[:4]
    assert _state(runtime, application_id) == "admitted"


def test_deciding_twice_is_refused_in_russian(auth, client, runtime, district):
    application_id = submitted(client, auth, district.contest_id)
    auth.login("secretary@example.ru")
    html = _check(client, application_id).get_data(as_text=True)
    token = _csrf_token(html)
    assert _decide(client, application_id, "admit").status_code == 303
    html = _check(client, application_id).get_data(as_text=True)
    assert "Допустить к конкурсу</button>" not in html  # no decisions on an admitted application
    before = snapshot(runtime, application_id)
    response = client.post(f"/check/{application_id}/admit", data={"csrf_token": token, "version": str(before[1])})
    assert response.status_code == 400
    assert "Действие «Допустить к конкурсу» недоступно в состоянии «Допущено к конкурсу»." in response.get_data(
        as_text=True
    )
    assert snapshot(runtime, application_id)[:4] == before[:4]


def test_a_returned_application_lapses_by_its_deadline_and_the_applicant_is_told(auth, client, runtime, district):
    """The scheduler fires `lapse` from the deadline the return opened; here it is fired
    as the scheduler would (actor None) to see what the applicant then gets."""
    from reserve_flow.contest.models.contests import Application
    from reserve_flow.core.deadlines.models import Deadline

    application_id = submitted(client, auth, district.contest_id)
    pdf, png = documents_of(runtime, application_id)
    auth.login("secretary@example.ru")
    assert _decide(client, application_id, "return", **{f"reason_{png.id}": "Нечитаемо"}).status_code == 303
    auth.logout()
    with runtime.transaction() as s:
        deadline = s.scalar(select(Deadline).where(Deadline.subject_id == application_id, Deadline.closed_at.is_(None)))
        assert (deadline.state, deadline.on_expiry, deadline.days) == ("returned", "lapse", 3)
        assert deadline.due_at.astimezone(runtime.tz).date().isoformat() == "2026-12-01"
        runtime.engine.clock = lambda: deadline.due_at
        runtime.engine.fire(s.get(Application, application_id), "lapse", None)
    auth.login("applicant2@example.ru")
    html = client.get(app_url(application_id)).get_data(as_text=True)
    assert "Не исправлено в срок" in html and "исправленные документы не поданы в срок" in html
    assert "/replace" not in html
    assert outbox_for(runtime, district.users["applicant2"])[-1] == "application.lapse"


def test_the_applicant_is_notified_at_the_commissions_steps_too(auth, client, runtime, district):
    from reserve_flow.contest.models.contests import Application
    from reserve_flow.people.models import User

    application_id = submitted(client, auth, district.contest_id)
    auth.login("secretary@example.ru")
    _decide(client, application_id, "admit")
    # The commission's steps go through its service: the engine's guards want the
    # scores of a quorum before the assessment and a closed vote before the inclusion.
    from reserve_flow.contest.services import commission

    voters = ("chair", "member", "member2")
    with runtime.sessions() as s:
        user = {k: s.get(User, district.users[k]) for k in voters + ("secretary",)}
        criteria = s.get(Application, application_id).contest.criteria
        for key in voters:  # the last one completes the assessment (the system fires assess)
            commission.record_scores(runtime, s, user[key], application_id, {c.id: ("7", "") for c in criteria})
        commission.mark_attendance(
            runtime, s, user["secretary"], district.contest_id, {district.users[k] for k in voters}
        )
        commission.open_vote(runtime, s, user["chair"], application_id, s.get(Application, application_id).version)
        for key in voters:
            commission.cast_vote(runtime, s, user[key], application_id, "include")
        commission.close_vote(runtime, s, user["chair"], application_id, s.get(Application, application_id).version)
    assert outbox_for(runtime, district.users["applicant2"]) == [
        "application.submit",
        "application.admit",
        "application.assess",
        "application.open_vote",
        "application.include",
    ]
