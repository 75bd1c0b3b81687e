"""Login, logout, CSRF, throttling of repeated failures, and `users create`."""

from __future__ import annotations

from datetime import timedelta

from click.testing import CliRunner
from sqlalchemy import select

from reserve_flow.cli import main
from reserve_flow.people.models import User
from tests.helpers import NOW, PASSWORD


def test_login_and_logout(client, auth, district):
    response = auth.login("secretary@example.ru")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Секретарёва Ольга Петровна" in client.get("/").get_data(as_text=True)
    response = auth.logout()
    assert response.status_code == 302
    assert "Войти в систему" in client.get("/").get_data(as_text=True)


def test_email_is_case_insensitive(auth, district):
    assert auth.login("  Secretary@Example.RU ").status_code == 302


def test_wrong_password_is_refused_in_russian(client, auth, district):
    response = auth.login("secretary@example.ru", "wrong password")
    assert response.status_code == 401
    assert "Неверный адрес электронной почты или пароль." in response.get_data(as_text=True)
    assert "Секретарёва" not in client.get("/").get_data(as_text=True)


def test_unknown_user_gets_the_same_answer(auth, district):
    response = auth.login("nobody@example.ru", "whatever password")
    assert response.status_code == 401
    assert "Неверный адрес электронной почты или пароль." in response.get_data(as_text=True)


def test_login_without_csrf_token_is_refused(client, district):
    response = client.post("/login", data={"email": "secretary@example.ru", "password": PASSWORD})
    assert response.status_code == 400
    assert "Секретарёва" not in client.get("/").get_data(as_text=True)


def test_logout_needs_post_with_token(client, auth, district):
    auth.login("secretary@example.ru")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert "Секретарёва" in client.get("/").get_data(as_text=True)


def test_repeated_failures_make_the_next_try_wait(client, auth, district, runtime):
    for _ in range(3):
        assert auth.login("hr@example.ru", "bad guess").status_code == 401
    # The fourth failure starts the wait; even the right password is not checked now.
    assert auth.login("hr@example.ru", "bad guess").status_code == 429
    response = auth.login("hr@example.ru")
    assert response.status_code == 429
    assert "Слишком много неудачных попыток входа. Повторите через 2 с." in response.get_data(as_text=True)
    # Other accounts are not affected.
    assert auth.login("admin@example.ru").status_code == 302
    auth.logout()
    # Once the wait is over, the right password works and the count resets.
    runtime.engine.clock = lambda: NOW + timedelta(seconds=3)
    assert auth.login("hr@example.ru").status_code == 302
    auth.logout()
    assert auth.login("hr@example.ru", "bad guess").status_code == 401


def test_inactive_user_cannot_log_in(auth, district, runtime):
    with runtime.transaction() as s:
        s.get(User, district.users["hr"]).active = False
    assert auth.login("hr@example.ru").status_code == 401


def test_next_parameter_cannot_send_users_elsewhere(client, district):
    from tests.helpers import _csrf_token

    token = _csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login?next=https://evil.example/",
        data={"email": "admin@example.ru", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


def test_passwords_are_stored_as_argon2id(runtime, district):
    with runtime.sessions() as s:
        user = s.get(User, district.users["admin"])
        assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash


def test_users_create_from_the_cli(settings, runtime):
    env = {
        "RESERVE_FLOW_DATABASE_URL": settings.database_url,
        "RESERVE_FLOW_APP_INSTANCE_PATH": settings["app"]["instance_path"],
    }
    args = [
        "users",
        "create",
        "--email",
        "Head@Example.ru",
        "--name",
        "Начальникова Вера Павловна",
        "--role",
        "hr",
        "--role",
        "admin",
        "--password",
        "s3cure-enough",
    ]
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 0, result.output
    assert "head@example.ru (admin, hr)" in result.output
    with runtime.sessions() as s:
        user = s.scalars(select(User).where(User.email == "head@example.ru")).one()
        assert user.roles == {"hr", "admin"}
    again = CliRunner().invoke(main, args, env=env)
    assert again.exit_code == 1 and "уже есть" in again.output
    bad_role = CliRunner().invoke(main, args[:6] + ["--role", "king", "--password", "s3cure-enough"], env=env)
    assert bad_role.exit_code == 1 and "Неизвестная роль: king" in bad_role.output


def test_users_create_prompts_for_the_password(settings, runtime):
    env = {
        "RESERVE_FLOW_DATABASE_URL": settings.database_url,
        "RESERVE_FLOW_APP_INSTANCE_PATH": settings["app"]["instance_path"],
    }
    result = CliRunner().invoke(
        main,
        ["users", "create", "--email", "p@example.ru", "--name", "Петров Пётр", "--role", "applicant"],
        input="long password\nlong password\n",
        env=env,
    )
    assert result.exit_code == 0, result.output
    assert "long password" not in result.output


def test_error_pages_are_russian(client, auth, district):
    assert "Страница не найдена" in client.get("/no-such-page").get_data(as_text=True)
    assert "Действие недоступно" in client.get("/logout").get_data(as_text=True)
