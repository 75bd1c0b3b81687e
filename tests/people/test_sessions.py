"""Sessions end when their reason does: logout, a password reset or a deactivation by the
administrator end every session of that user (a copied cookie too); signing in renews the
session and its CSRF token; an idle session ends; the cookie is Secure outside the tests."""

from __future__ import annotations

import time

from reserve_flow.cli import DEMO_OVERRIDES
from reserve_flow.config import load_settings
from reserve_flow.runtime import Runtime
from tests.helpers import PASSWORD, AuthActions, _csrf_token

PAGE = "/applications/"


def post_form(client, url, **data):
    token = _csrf_token(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def _copy_of(app, client):
    """Another browser holding the same session cookie (as one stolen from the first)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def _signed_out(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_session_cookie_copied_before_logout_no_longer_works_after_it(app, client, auth, district):
    auth.login("hr@example.ru")
    thief = _copy_of(app, client)
    assert thief.get(PAGE).status_code == 200
    assert auth.logout().status_code == 302
    assert _signed_out(thief.get(PAGE))
    assert _signed_out(client.get(PAGE))
    assert auth.login("hr@example.ru").status_code == 302  # a new login works as before
    assert client.get(PAGE).status_code == 200


def test_a_password_reset_by_the_administrator_ends_the_users_sessions(app, client, auth, district):
    auth.login("hr@example.ru")
    admin = app.test_client()
    AuthActions(admin).login("admin@example.ru")
    assert client.get(PAGE).status_code == 200
    response = post_form(
        admin,
        f"/admin/users/{district.users['hr']}",
        full_name="Кадрова Мария Ивановна",
        roles=["hr"],
        active="y",
        password="новый пароль кадровика",
    )
    assert response.status_code == 303
    assert _signed_out(client.get(PAGE))
    assert admin.get(PAGE).status_code == 200  # the administrator's own session is untouched
    assert auth.login("hr@example.ru", PASSWORD).status_code == 401
    assert auth.login("hr@example.ru", "новый пароль кадровика").status_code == 302


def test_deactivation_ends_the_users_sessions_and_a_name_change_does_not(app, client, auth, district):
    auth.login("hr@example.ru")
    admin = app.test_client()
    AuthActions(admin).login("admin@example.ru")
    url = f"/admin/users/{district.users['hr']}"
    post_form(admin, url, full_name="Кадрова Мария Ивановна (отдел кадров)", roles=["hr"], active="y")
    assert client.get(PAGE).status_code == 200
    post_form(admin, url, full_name="Кадрова Мария Ивановна", roles=["hr"])
    assert _signed_out(client.get(PAGE))


def test_signing_in_starts_a_new_session_with_a_new_csrf_token(client, auth, district):
    client.get("/login")
    with client.session_transaction() as session:
        before = session["csrf_token"]
        session["planted"] = "by someone else"
    auth.login("hr@example.ru")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("csrf_token") != before


def _idle_for(client, minutes: int) -> None:
    """As if the browser's last request were `minutes` ago."""
    with client.session_transaction() as session:
        session["last_seen"] = time.time() - minutes * 60


def test_a_session_left_idle_ends(client, auth, district):
    auth.login("hr@example.ru")
    _idle_for(client, 29)
    assert client.get(PAGE).status_code == 200  # in use: the idle time starts again from here
    _idle_for(client, 31)
    response = client.get(PAGE)
    assert _signed_out(response)
    assert "долго не пользовались" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert _signed_out(client.get(PAGE))


def test_the_session_cookie_is_secure_by_default_and_not_in_the_demo(settings, make_app, district):
    defaults = load_settings(env={})
    assert defaults["app"]["secure_cookies"] is True
    assert defaults["app"]["session_idle_minutes"] == 30
    assert load_settings(env={}, overrides=DEMO_OVERRIDES)["app"]["secure_cookies"] is False
    settings.values["app"]["secure_cookies"] = True
    rt = Runtime(settings)
    try:
        app = make_app(rt)
        client = app.test_client()
        # Flask-WTF checks the Referer of a form posted over HTTPS.
        https = {"base_url": "https://localhost", "headers": {"Referer": "https://localhost/login"}}
        token = _csrf_token(client.get("/login", **https).get_data(as_text=True))
        response = client.post(
            "/login", data={"email": "hr@example.ru", "password": PASSWORD, "csrf_token": token}, **https
        )
        assert response.status_code == 302
        cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
        assert "Secure" in cookie and "HttpOnly" in cookie
    finally:
        rt.dispose()
