"""The administrator's pages: people and roles (audited), and the audit log."""

from __future__ import annotations

from sqlalchemy import select

from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.people.models import User
from tests.helpers import _csrf_token


def post_form(client, url, **data):
    token = _csrf_token(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def test_only_administrators_open_admin_pages(client, auth, district):
    for who in ("secretary", "hr", "applicant"):
        auth.login(f"{who}@example.ru")
        for url in ("/admin/users", "/admin/users/new", f"/admin/users/{district.users['hr']}", "/admin/audit"):
            assert client.get(url).status_code == 404, (who, url)
        auth.logout()


def test_admin_creates_a_user_who_can_log_in(client, auth, district, runtime):
    auth.login("admin@example.ru")
    response = post_form(
        client,
        "/admin/users/new",
        email="mentor@example.ru",
        full_name="Наставникова Лидия Ивановна",
        roles=["hr"],
        active="y",
        password="long password",
    )
    assert response.status_code == 303
    with runtime.sessions() as s:
        user = s.scalars(select(User).where(User.email == "mentor@example.ru")).one()
        event = s.scalars(select(AuditEvent).where(AuditEvent.kind == "user_created")).one()
        assert user.roles == {"hr"} and event.subject_id == user.id and event.actor_id == district.users["admin"]
    auth.logout()
    assert auth.login("mentor@example.ru", "long password").status_code == 302


def test_role_change_is_audited_and_takes_effect(client, auth, district, runtime):
    auth.login("admin@example.ru")
    member = district.users["member2"]
    response = post_form(
        client, f"/admin/users/{member}", full_name="Оценщиков Пётр Ильич", roles=["member", "chair"], active="y"
    )
    assert response.status_code == 303
    with runtime.sessions() as s:
        assert s.get(User, member).roles == {"member", "chair"}
        event = s.scalars(select(AuditEvent).where(AuditEvent.kind == "user_changed")).one()
        assert '"стало":["chair","member"]' in event.data


def test_admin_cannot_lock_themselves_out(client, auth, district, runtime):
    auth.login("admin@example.ru")
    me = district.users["admin"]
    response = post_form(client, f"/admin/users/{me}", full_name="Админов Алексей Николаевич", roles=["hr"], active="y")
    assert response.status_code == 400
    assert "Нельзя снять роль администратора" in response.get_data(as_text=True)
    with runtime.sessions() as s:
        assert s.get(User, me).roles == {"admin"}


def test_deactivated_user_is_logged_out_of_new_logins(client, auth, district, runtime):
    auth.login("admin@example.ru")
    post_form(client, f"/admin/users/{district.users['hr']}", full_name="Кадрова Мария Ивановна", roles=["hr"])
    auth.logout()
    assert auth.login("hr@example.ru").status_code == 401


def test_audit_page_lists_events_and_verifies_the_chain(client, auth, district):
    auth.login("admin@example.ru")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "Начать приём заявлений" in page and "Секретарёва Ольга Петровна" in page
    response = client.post("/admin/audit/verify", data={"csrf_token": _csrf_token(page)}, follow_redirects=True)
    assert "Цепочка журнала цела: проверено событий — 2." in response.get_data(as_text=True)
