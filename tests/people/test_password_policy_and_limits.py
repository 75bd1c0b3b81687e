"""Passwords: at least app.password_min_length (12) characters and none of the common ones,
wherever a password is set (registration, the administrator, the command line). Logins:
many e-mails tried from one address are slowed by a per-address limit, answered in Russian."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from reserve_flow.cli import main
from reserve_flow.core.web.limits import limiter
from reserve_flow.people import passwords
from tests.helpers import PASSWORD, _csrf_token


def post_form(client, url, **data):
    token = _csrf_token(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def test_the_policy_refuses_short_and_common_passwords():
    assert passwords.problem("Sh0rt-pass") == "Пароль должен быть не короче 12 символов"
    assert "слишком распространён" in passwords.problem("QWERTY123456")  # case does not help
    assert "слишком распространён" in passwords.problem("password", min_length=8)
    assert passwords.problem(PASSWORD) is None
    assert len(passwords.common_passwords()) > 3000


def test_the_administrator_cannot_set_a_weak_password(client, auth, district, runtime):
    auth.login("admin@example.ru")
    url = f"/admin/users/{district.users['hr']}"
    for weak, message in (("qwerty123456", "слишком распространён"), ("кратко", "не короче 12 символов")):
        response = post_form(client, url, full_name="Кадрова Мария Ивановна", roles=["hr"], active="y", password=weak)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    response = post_form(
        client, "/admin/users/new", email="n@example.ru", full_name="Новый Пользователь", password="1qaz2wsx3edc"
    )
    assert response.status_code == 400 and "слишком распространён" in response.get_data(as_text=True)
    auth.logout()
    assert auth.login("hr@example.ru", PASSWORD).status_code == 302  # the old password still works


def test_the_command_line_refuses_a_common_password(settings, runtime, monkeypatch):
    monkeypatch.setenv("RESERVE_FLOW_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("RESERVE_FLOW_APP_INSTANCE_PATH", str(settings.instance_path))
    args = ["users", "create", "--email", "x@example.ru", "--name", "Х", "--role", "hr"]
    result = CliRunner().invoke(main, [*args, "--password", "123456qwerty"])
    assert result.exit_code == 1
    assert "слишком распространён" in result.output


@pytest.fixture
def login_limit(runtime):
    """The per-address limit on, at 3 tries a minute, counted afresh."""
    runtime.settings.values["app"].update(rate_limit_enabled=True, login_rate_limit="3/minute")
    limiter.reset()
    yield
    limiter.reset()


def _try(client, email: str, address: str):
    environ = {"REMOTE_ADDR": address}
    token = _csrf_token(client.get("/login", environ_base=environ).get_data(as_text=True))
    return client.post(
        "/login", data={"email": email, "password": "wrong password!", "csrf_token": token}, environ_base=environ
    )


def test_many_emails_from_one_address_are_slowed_with_a_russian_page(app, district, login_limit):
    client = app.test_client()
    answers = [_try(client, f"user{n}@example.ru", "10.0.0.1").status_code for n in range(3)]
    assert answers == [401, 401, 401]  # each e-mail's own throttle has not started yet
    refused = _try(client, "user4@example.ru", "10.0.0.1")
    assert refused.status_code == 429
    assert "Слишком много попыток" in refused.get_data(as_text=True)
    assert _try(client, "user5@example.ru", "10.0.0.2").status_code == 401  # another address is not held up
    other = app.test_client()
    token = _csrf_token(other.get("/login", environ_base={"REMOTE_ADDR": "10.0.0.3"}).get_data(as_text=True))
    signed_in = other.post(
        "/login",
        data={"email": "hr@example.ru", "password": PASSWORD, "csrf_token": token},
        environ_base={"REMOTE_ADDR": "10.0.0.3"},
    )
    assert signed_in.status_code == 302


def test_the_limit_can_be_turned_off(app, district, runtime, login_limit):
    runtime.settings.values["app"]["rate_limit_enabled"] = False
    client = app.test_client()
    assert {_try(client, f"user{n}@example.ru", "10.0.0.9").status_code for n in range(5)} == {401}


def test_behind_a_trusted_proxy_the_limit_counts_the_forwarded_address(settings, make_app, district):
    settings.values["app"].update(rate_limit_enabled=True, login_rate_limit="2/minute", trusted_proxies=1)
    from reserve_flow.runtime import Runtime

    rt = Runtime(settings)
    try:
        app = make_app(rt)
        limiter.reset()
        client = app.test_client()

        def from_client(address: str) -> int:
            headers = {"X-Forwarded-For": address}
            environ = {"REMOTE_ADDR": "127.0.0.1"}  # the proxy
            token = _csrf_token(client.get("/login", headers=headers, environ_base=environ).get_data(as_text=True))
            data = {"email": "nobody@example.ru", "password": "wrong password!", "csrf_token": token}
            return client.post("/login", data=data, headers=headers, environ_base=environ).status_code

        assert [from_client("203.0.113.5") for _ in range(3)] == [401, 401, 429]
        assert from_client("198.51.100.7") == 401  # another client behind the same proxy
    finally:
        limiter.reset()
        rt.dispose()
