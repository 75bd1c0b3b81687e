"""A database that cannot be reached answers the Russian 503 page, not Werkzeug's
English 500: here every new connection of the engine is refused."""

from __future__ import annotations

from sqlalchemy import event


def _refuse_connections(runtime) -> None:
    dbapi = runtime.db.dialect.loaded_dbapi

    def refuse(*_args, **_kwargs):
        raise dbapi.OperationalError("connection refused (test: the database server is down)")

    event.listen(runtime.db, "do_connect", refuse)
    runtime.db.dispose()  # the pooled connections go: the next request must connect


def test_a_signed_in_page_says_in_russian_that_the_service_is_unavailable(client, auth, district, runtime):
    auth.login("hr@example.ru")
    _refuse_connections(runtime)
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 503, html[:500]
    assert "Сервис временно недоступен" in html
    assert "Нет связи с базой данных" in html and "ничего не сохранено" in html
    assert response.headers["Retry-After"] == "60"


def test_a_login_while_the_database_is_down_is_the_same_page(client, district, runtime):
    from tests.helpers import _csrf_token

    token = _csrf_token(client.get("/login").get_data(as_text=True))
    _refuse_connections(runtime)
    response = client.post("/login", data={"csrf_token": token, "email": "hr@example.ru", "password": "x" * 10})
    assert response.status_code == 503
    assert "Сервис временно недоступен" in response.get_data(as_text=True)
