"""The web layer: blueprints per area, a request-scoped database session, login."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, current_app, g, render_template, request
from flask_login import LoginManager
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import NotFound as werkzeug_not_found

from reserve_flow.core.actors import Actor, directory
from reserve_flow.core.context import Context
from reserve_flow.core.errors import NotFound

csrf = CSRFProtect()
login_manager = LoginManager()


def runtime() -> Context:
    return current_app.extensions["reserve_flow"]


def db() -> Session:
    """The request's session; rolled back and closed when the request ends."""
    if "db" not in g:
        g.db = runtime().sessions()
    return g.db


def _close_db(_exc: BaseException | None) -> None:
    session = g.pop("db", None)
    if session is not None:
        try:
            session.rollback()
        except SQLAlchemyError:  # the connection is gone: nothing of it is left to undo
            pass
        session.close()


@login_manager.user_loader
def _load_user(user_id: str) -> Actor | None:
    """The signed-in user, found through the people directory (core.actors)."""
    try:
        user = directory().get(db(), int(user_id))
    except ValueError:
        return None
    return user if user is not None and user.active else None


# Status -> (title, text) of the Russian error pages.
ERROR_PAGES = {
    403: ("Доступ запрещён", "У вас нет прав для этого действия."),
    404: ("Страница не найдена", "Такой страницы нет, или у вас нет к ней доступа."),
    405: ("Действие недоступно", "Этот адрес так не открывается: вернитесь на страницу и воспользуйтесь кнопкой."),
}


# Blueprint name -> where the "file too large" page leads back to: a function of the request's
# view arguments giving (url, label), or None when the request names no page to return to.
BackLink = Callable[[dict[str, Any]], tuple[str, str] | None]
_too_large_back_links: dict[str, BackLink] = {}


def too_large_back_link(blueprint: Blueprint) -> Callable[[BackLink], BackLink]:
    """Decorator: the decorated function gives the back link of the 413 page for requests to
    `blueprint` (the page whose upload form was too large). Without one the page links home."""

    def register(link: BackLink) -> BackLink:
        _too_large_back_links[blueprint.name] = link
        return link

    return register


def _register_error_pages(app: Flask) -> None:
    """Russian pages instead of Werkzeug's English ones; a missing CSRF token says the form is stale;
    a request over MAX_CONTENT_LENGTH says how large a file may be and leads back to its form.
    A domain's NotFound (a missing or foreign object) that a view lets through is the 404 page,
    so views load objects without wrapping each lookup. A database that cannot be reached
    is a Russian 503 page that needs no database to draw."""

    def csrf_error(_error: CSRFError):
        return render_template("core/errors/csrf.html"), 400

    def error_page(error: HTTPException):
        title, text = ERROR_PAGES[error.code]
        return render_template("core/errors/error.html", title=title, text=text), error.code

    def not_found(_error: NotFound):
        return error_page(werkzeug_not_found())

    def database_unavailable(error: OperationalError | InterfaceError):
        # A dropped or refused connection (or SQLite still locked after its busy timeout):
        # the request's transaction is lost whole, so the user is told to try again.
        current_app.logger.error("database unavailable: %s", error)
        g._login_user = login_manager.anonymous_user()  # drawn for a visitor: no user can be loaded
        return render_template("core/errors/unavailable.html"), 503, {"Retry-After": "60"}

    def too_large(_error: HTTPException):
        link = _too_large_back_links.get(request.blueprint or "")
        back = link(request.view_args or {}) if link else None
        limit = runtime().settings["uploads"]["max_size_mb"]
        return render_template("core/errors/too_large.html", limit=limit, back=back), 413

    app.register_error_handler(CSRFError, csrf_error)
    app.register_error_handler(413, too_large)
    app.register_error_handler(NotFound, not_found)
    app.register_error_handler(OperationalError, database_unavailable)
    app.register_error_handler(InterfaceError, database_unavailable)  # psycopg: "the connection is closed"
    for code in ERROR_PAGES:
        app.register_error_handler(code, error_page)


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    login_manager.login_message = "Войдите, чтобы открыть эту страницу."
    login_manager.login_message_category = "info"
    app.teardown_appcontext(_close_db)
    _register_error_pages(app)

    from reserve_flow.core.web import format as formatting
    from reserve_flow.core.web import menu

    formatting.init_app(app)
    menu.init_app(app)

    from reserve_flow.core.audit import views as audit
    from reserve_flow.core.deadlines import views as deadlines
    from reserve_flow.core.notifications import admin_views as admin_outbox
    from reserve_flow.core.notifications import views as notifications
    from reserve_flow.core.web import diagrams
    from reserve_flow.core.web import home as main

    for blueprint in (main.bp, diagrams.bp, notifications.bp, deadlines.bp, admin_outbox.bp, audit.bp):
        app.register_blueprint(blueprint)
    main.init_app(app)
    from reserve_flow.core.notifications.home import failed_messages

    main.register_home_section(app, "admin", "Администрирование", failed_messages, position=900)
