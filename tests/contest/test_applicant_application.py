"""The applicant's application page: consent, submit (and why it is refused), withdraw,
what the page says, the notifications, and what another applicant cannot do."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select

from reserve_flow.contest.models.contests import Application
from reserve_flow.privacy.models import ConsentRecord
from reserve_flow.privacy.texts import PROCESSING_VERSION as CONSENT_TEXT_VERSION
from tests.fixtures.applicant import (
    PDF,
    PNG,
    act,
    app_url,
    documents_of,
    give_consent,
    new_draft,
    outbox_for,
    page_token,
    ready_draft,
    snapshot,
    upload,
    views,
)
from tests.helpers import NOW


def test_consent_is_recorded_with_its_version_and_time(auth, client, runtime, district):
    application_id = new_draft(client, auth, district.contest_id)
    html = client.get(app_url(application_id)).get_data(as_text=True)
    assert "дайте согласие на обработку персональных данных" in html
    assert "152-ФЗ" in html and f"редакция {CONSENT_TEXT_VERSION}" in html

    runtime.engine.clock = lambda: NOW + timedelta(minutes=7)
    assert give_consent(client, application_id).status_code == 303
    with runtime.sessions() as s:
        application = s.get(Application, application_id)
        assert (application.consent_given_at, application.consent_text_version) == (
            NOW + timedelta(minutes=7),
            CONSENT_TEXT_VERSION,
        )
        # Recorded once for the person (the account was made without one), not per application.
        record = s.scalar(select(ConsentRecord).where(ConsentRecord.user_id == district.users["applicant2"]))
        assert (record.user_id, record.text_version, record.given_at) == (
            district.users["applicant2"],
            CONSENT_TEXT_VERSION,
            NOW + timedelta(minutes=7),
        )
    assert f"Согласие дано 25.11.2026 10:07 (редакция текста {CONSENT_TEXT_VERSION})" in client.get(
        app_url(application_id)
    ).get_data(as_text=True)


def test_consent_without_the_tick_is_refused(auth, client, runtime, district):
    application_id = new_draft(client, auth, district.contest_id)
    before = snapshot(runtime, application_id)
    response = client.post(
        f"{app_url(application_id)}/consent", data={"csrf_token": page_token(client, app_url(application_id))}
    )
    assert response.status_code == 400
    assert "Отметьте согласие, чтобы его записать" in response.get_data(as_text=True)
    assert snapshot(runtime, application_id) == before


def test_submit_without_a_mandatory_document_lists_it_and_changes_nothing(auth, client, runtime, district):
    application_id = new_draft(client, auth, district.contest_id)
    give_consent(client, application_id)
    upload(client, application_id, "application", "Заявление.pdf", PDF)
    before = snapshot(runtime, application_id)
    response = act(client, application_id, "submit")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Действие «Подать заявление» невозможно: не загружены обязательные документы: Паспорт." in html
    assert snapshot(runtime, application_id) == before
    assert before[0] == "draft"


def test_submit_without_consent_is_refused(auth, client, runtime, district):
    application_id = new_draft(client, auth, district.contest_id)
    upload(client, application_id, "application", "Заявление.pdf", PDF)
    upload(client, application_id, "passport", "Паспорт.png", PNG)
    before = snapshot(runtime, application_id)
    response = act(client, application_id, "submit")
    assert response.status_code == 400
    assert "нет согласия на обработку персональных данных" in response.get_data(as_text=True)
    assert snapshot(runtime, application_id) == before


def test_submit_after_the_contest_closes_is_refused(auth, client, runtime, district):
    application_id = ready_draft(client, auth, district.contest_id)
    before = snapshot(runtime, application_id)
    runtime.engine.clock = lambda: NOW + timedelta(days=21)  # 16.12.2026, the day after the close
    response = act(client, application_id, "submit")
    assert response.status_code == 400
    assert "приём заявлений на конкурс закрыт" in response.get_data(as_text=True)
    assert snapshot(runtime, application_id) == before


def test_submit_then_the_page_says_what_happens_next(auth, client, runtime, district):
    application_id = ready_draft(client, auth, district.contest_id)
    html = client.get(app_url(application_id)).get_data(as_text=True)
    assert "Все обязательные документы загружены, согласие дано. Нажмите «Подать заявление»." in html
    assert "Приём заявлений — до 15.12.2026 включительно." in html

    response = act(client, application_id, "submit")
    assert response.status_code == 303
    html = client.get(app_url(application_id)).get_data(as_text=True)
    assert "Подано, на проверке документов" in html
    assert "Секретарь конкурсной комиссии проверяет документы — до 02.12.2026" in html
    assert "осталось 5 рабочих дней" in html
    assert ">Подать заявление</button>" not in html
    # Nothing may be uploaded, replaced or removed any more.
    assert "/upload/" not in html and "/replace" not in html and "/delete" not in html
    assert outbox_for(runtime, district.users["applicant2"]) == ["application.submit"]
    listing = client.get("/applicant/").get_data(as_text=True)
    assert "Подано, на проверке документов" in listing and "осталось 5 рабочих дней" in listing


def test_stale_submit_form_is_a_conflict(auth, client, runtime, district):
    application_id = ready_draft(client, auth, district.contest_id)
    html = client.get(app_url(application_id)).get_data(as_text=True)
    from tests.fixtures.applicant import version_on
    from tests.helpers import _csrf_token

    stale = {"csrf_token": _csrf_token(html), "version": version_on(html)}
    # Another tab removes a mandatory document meanwhile.
    document = documents_of(runtime, application_id)[1]
    client.post(f"{app_url(application_id)}/documents/{document.id}/delete", data={"csrf_token": stale["csrf_token"]})
    before = snapshot(runtime, application_id)
    response = client.post(f"{app_url(application_id)}/submit", data=stale)
    assert response.status_code == 409
    assert "уже изменил другой пользователь" in response.get_data(as_text=True)
    assert snapshot(runtime, application_id) == before


def test_withdraw_needs_a_confirmation_then_notifies_the_applicant(auth, client, runtime, district):
    application_id = ready_draft(client, auth, district.contest_id)
    act(client, application_id, "submit")
    before = snapshot(runtime, application_id)
    response = act(client, application_id, "withdraw", reason="Передумал")
    assert response.status_code == 400
    assert "Подтвердите отзыв заявления" in response.get_data(as_text=True)
    assert snapshot(runtime, application_id) == before

    response = act(client, application_id, "withdraw", reason="Перехожу на работу в другой район", confirm="y")
    assert response.status_code == 303
    html = client.get(app_url(application_id)).get_data(as_text=True)
    assert "Отозвано заявителем" in html and "Вы отозвали заявление." in html
    assert "Перехожу на работу в другой район" in html
    assert outbox_for(runtime, district.users["applicant2"]) == ["application.submit", "application.withdraw"]
    assert outbox_for(runtime, district.users["secretary"]) == ["application.submit", "application.withdraw"]


def test_another_applicant_gets_404_everywhere_and_nothing_changes(auth, client, runtime, district):
    application_id = ready_draft(client, auth, district.contest_id)
    document = documents_of(runtime, application_id)[0]
    auth.logout()
    before = snapshot(runtime, application_id)

    auth.login("applicant@example.ru")
    token = page_token(client, "/applicant/")
    base = app_url(application_id)
    assert client.get(base).status_code == 404
    assert client.get(f"/applications/{application_id}").status_code == 404
    assert client.get(f"/applications/{application_id}/documents/{document.id}").status_code == 404
    assert client.get(f"/applications/{application_id}/documents/{document.id}?download=1").status_code == 404
    posts = [
        (f"{base}/upload/passport", {"file": (io.BytesIO(PDF), "чужой.pdf")}),
        (f"{base}/documents/{document.id}/replace", {"file": (io.BytesIO(PDF), "чужой.pdf")}),
        (f"{base}/documents/{document.id}/delete", {}),
        (f"{base}/consent", {"agree": "y"}),
        (f"{base}/submit", {"version": str(before[1])}),
        (f"{base}/withdraw", {"version": str(before[1]), "confirm": "y"}),
    ]
    for url, data in posts:
        response = client.post(url, data={"csrf_token": token, **data}, content_type="multipart/form-data")
        assert response.status_code == 404, url
    assert "Второв" not in client.get("/applicant/").get_data(as_text=True)
    assert snapshot(runtime, application_id) == before
    assert views(runtime, application_id) == []
