"""In-app notifications and the administrator's undelivered e-mail, through the HTTP
client: unread count in the header, only one's own notifications, CSRF, retry."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.core.notifications.dispatch import dispatch_once
from reserve_flow.core.notifications.models import OutboxMessage
from tests.fixtures.scheduler import fire
from tests.helpers import NOW, _csrf_token


def _badge(html: str) -> int:
    """The unread count beside «Уведомления» in the header."""
    match = re.search(r'Уведомления\s*<span class="badge"[^>]*>(\d+)</span>', html)
    return int(match.group(1)) if match else 0


def _inapp(runtime, user_id):
    with runtime.sessions() as s:
        return s.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.channel == "inapp", OutboxMessage.recipient_id == user_id)
            .order_by(OutboxMessage.id)
        ).all()


def test_unread_count_list_open_and_mark_read(auth, client, district, runtime):
    fire(runtime, district.application_id, "submit", "applicant", district)
    fire(runtime, district.application_id, "return_for_fix", "secretary", district, reason="Нет подписи.")
    auth.login("applicant@example.ru")
    home = client.get("/").get_data(as_text=True)
    assert _badge(home) == 2

    page = client.get("/notifications/").get_data(as_text=True)
    assert f"Заявление № {district.application_id}: Заявителева Елена Андреевна: Вернуть на доработку" in page
    assert "Вернуть на доработку. Состояние: Возвращено на доработку. Причина: Нет подписи." in page
    assert page.index("Вернуть на доработку") < page.index("Подать заявление")  # newest first
    assert _badge(page) == 2

    newest, oldest = _inapp(runtime, district.users["applicant"])[::-1]
    token = _csrf_token(page)
    response = client.post(f"/notifications/{newest.id}/open", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/applications/{district.application_id}")
    assert _badge(client.get("/").get_data(as_text=True)) == 1

    response = client.post(f"/notifications/{oldest.id}/read", data={"csrf_token": token})
    assert response.status_code == 303
    assert _badge(client.get("/notifications/").get_data(as_text=True)) == 0
    assert all(m.read_at == NOW for m in _inapp(runtime, district.users["applicant"]))


def test_read_all(auth, client, district, runtime):
    fire(runtime, district.application_id, "submit", "applicant", district)
    auth.login("secretary@example.ru")
    page = client.get("/notifications/").get_data(as_text=True)
    assert _badge(page) >= 1
    response = client.post("/notifications/read-all", data={"csrf_token": _csrf_token(page)})
    assert response.status_code == 303
    assert _badge(client.get("/notifications/").get_data(as_text=True)) == 0


def test_someone_elses_notification_is_404_and_unchanged(auth, client, district, runtime):
    fire(runtime, district.application_id, "submit", "applicant", district)
    [theirs] = _inapp(runtime, district.users["applicant"])
    auth.login("applicant2@example.ru")
    token = _csrf_token(client.get("/notifications/").get_data(as_text=True))
    for action in ("open", "read"):
        assert client.post(f"/notifications/{theirs.id}/{action}", data={"csrf_token": token}).status_code == 404
    assert client.post("/notifications/999999/read", data={"csrf_token": token}).status_code == 404
    client.post("/notifications/read-all", data={"csrf_token": token})
    assert _inapp(runtime, district.users["applicant"])[0].read_at is None
    assert "Уведомлений пока нет." in client.get("/notifications/").get_data(as_text=True)


def test_mark_read_needs_csrf_and_login(auth, client, district, runtime):
    fire(runtime, district.application_id, "submit", "applicant", district)
    [mine] = _inapp(runtime, district.users["applicant"])
    assert client.get("/notifications/").status_code == 302  # to the login page
    auth.login("applicant@example.ru")
    assert client.post(f"/notifications/{mine.id}/read").status_code == 400
    assert _inapp(runtime, district.users["applicant"])[0].read_at is None


def _fail_everything(runtime, smtp_server):
    """Queue mail while the server refuses the secretary's mailbox for good."""
    smtp_server.refuse.add("secretary@example.ru")
    dispatch_once(runtime, NOW)


def test_admin_sees_failed_mail_and_sends_it_again(auth, client, district, runtime, smtp_server):
    fire(runtime, district.application_id, "submit", "applicant", district)
    _fail_everything(runtime, smtp_server)
    with runtime.sessions() as s:
        failed = s.scalars(select(OutboxMessage).where(OutboxMessage.status == "failed")).all()
        events = s.scalar(select(func.count()).select_from(AuditEvent))
    assert failed and {m.recipient_id for m in failed} == {district.users["secretary"]}
    target = failed[-1]

    auth.login("admin@example.ru")
    page = client.get("/admin/outbox/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Неотправленные письма" in html and "secretary@example.ru" in html and "550" in html
    assert f"Заявление № {district.application_id}: Заявителева Елена Андреевна: Подать заявление" in html

    smtp_server.refuse.clear()
    response = client.post(f"/admin/outbox/{target.id}/retry", data={"csrf_token": _csrf_token(html)})
    assert response.status_code == 303
    assert "снова в очереди" in client.get(response.headers["Location"]).get_data(as_text=True)
    with runtime.sessions() as s:
        message = s.get(OutboxMessage, target.id)
        assert (message.status, message.attempts) == ("pending", 0)
        event = s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert (event.kind, event.actor_id, event.subject_id) == ("outbox_retried", district.users["admin"], target.id)
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == events + 1
    dispatch_once(runtime, NOW)
    assert [r.to for r in smtp_server.received if r.to == ["secretary@example.ru"]] == [["secretary@example.ru"]]
    # Sent now: retrying it again is refused as unknown, and nothing changes.
    assert client.post(f"/admin/outbox/{target.id}/retry", data={"csrf_token": _csrf_token(html)}).status_code == 404


def test_outbox_page_is_for_administrators_only(auth, client, district, runtime, smtp_server):
    fire(runtime, district.application_id, "submit", "applicant", district)
    _fail_everything(runtime, smtp_server)
    with runtime.sessions() as s:
        target = s.scalars(select(OutboxMessage).where(OutboxMessage.status == "failed")).first()
    auth.login("secretary@example.ru")  # told the page does not exist, as on every admin page
    assert client.get("/admin/outbox/").status_code == 404
    token = _csrf_token(client.get("/notifications/").get_data(as_text=True))
    assert client.post(f"/admin/outbox/{target.id}/retry", data={"csrf_token": token}).status_code == 404
    auth.logout()
    auth.login("admin@example.ru")
    assert client.post(f"/admin/outbox/{target.id}/retry").status_code == 400  # no CSRF token
    with runtime.sessions() as s:
        assert s.get(OutboxMessage, target.id).status == "failed"


def test_admin_queues_every_failed_mail_again_at_once(auth, client, district, runtime, smtp_server):
    smtp_server.refuse.update({"secretary@example.ru", "applicant@example.ru"})
    fire(runtime, district.application_id, "submit", "applicant", district)
    fire(runtime, district.application_id, "return_for_fix", "secretary", district, reason="Нет подписи.")
    dispatch_once(runtime, NOW)
    with runtime.sessions() as s:
        failed = {m.id for m in s.scalars(select(OutboxMessage).where(OutboxMessage.status == "failed"))}
        events = s.scalar(select(func.count()).select_from(AuditEvent))
    assert len(failed) == 3

    auth.login("admin@example.ru")
    html = client.get("/admin/outbox/").get_data(as_text=True)
    assert "Отправить снова все неотправленные (3)" in html
    assert client.post("/admin/outbox/retry-failed").status_code == 400  # no CSRF token
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).where(OutboxMessage.status == "failed")) == 3

    smtp_server.refuse.clear()
    response = client.post("/admin/outbox/retry-failed", data={"csrf_token": _csrf_token(html)})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Снова в очереди на отправку писем: 3." in page and "Все письма отправлены." in page
    with runtime.sessions() as s:
        retried = s.scalars(select(AuditEvent).where(AuditEvent.kind == "outbox_retried")).all()
        assert {e.subject_id for e in retried} == failed
        assert {e.actor_id for e in retried} == {district.users["admin"]}
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == events + 3
    smtp_server.received.clear()
    dispatch_once(runtime, NOW)
    assert sorted(r.to[0] for r in smtp_server.received) == [
        "applicant@example.ru",
        "applicant@example.ru",
        "secretary@example.ru",
    ]


def test_only_an_administrator_queues_failed_mail_again(auth, client, district, runtime, smtp_server):
    fire(runtime, district.application_id, "submit", "applicant", district)
    _fail_everything(runtime, smtp_server)
    auth.login("secretary@example.ru")
    token = _csrf_token(client.get("/notifications/").get_data(as_text=True))
    assert client.post("/admin/outbox/retry-failed", data={"csrf_token": token}).status_code == 404
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).where(OutboxMessage.status == "failed")) == 1
