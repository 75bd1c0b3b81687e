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
from werkzeug.routing import IntegerConverter

from reserve_flow.core.actors import Actor, directory
from reserve_flow.core.context import Context
from reserve_flow.core.errors import NotFound
from reserve_flow.core.web import access_log
from reserve_flow.core.web.access import require_login_unless_public
from reserve_flow.core.web.limits import limiter
from reserve_flow.core.web.sessions import expire_idle_session

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
def _load_user(session_id: str) -> Actor | None:
    """The signed-in user, found through the people directory (core.actors), if the session
    was signed in with the user's current session version ("<id>:<version>"): logout, a
    password change or reset and deactivation move the version and so end older sessions."""
    user_id, _, version = session_id.partition(":")
    try:
        user = directory().get(db(), int(user_id))
        wanted = int(version)
    except ValueError:
        return None
    if user is None or not user.active or user.session_version != wanted:
        return None
    return user


# Status -> (title, text) of the Russian error pages.
ERROR_PAGES = {
    403: ("Доступ запрещён", "У вас нет прав для этого действия."),
    429: ("Слишком много попыток", "С вашего адреса было слишком много попыток подряд. Подождите немного и повторите."),
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


class DatabaseId(IntegerConverter):
    """`<int:...>` in every route: at most 2**31 - 1, PostgreSQL's integer (the type of every
    id), so a longer number answers 404 like any missing object instead of failing in the
    database (an out-of-range error on PostgreSQL, an overflow on SQLite)."""

    def __init__(self, url_map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


MAX_ID = 2**31 - 1


def database_id(text: str) -> int:
    """A query argument read as an id (`request.args.get(..., type=database_id)`): ValueError,
    and so no value, for anything but a whole number within the ids' range."""
    number = int(text)
    if not 0 < number <= MAX_ID:
        raise ValueError(text)
    return number


def init_app(app: Flask) -> None:
    # Before any blueprint adds its rules: the converter is looked up when a rule is added.
    app.url_map.converters["int"] = DatabaseId
    access_log.install()
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    login_manager.login_message = "Войдите, чтобы открыть эту страницу."
    login_manager.login_message_category = "info"
    app.teardown_appcontext(_close_db)
    # The idle check first: a session it ends is then treated as signed out.
    app.before_request(expire_idle_session)
    app.before_request(require_login_unless_public)
    _register_error_pages(app)

    from reserve_flow.core.web import format as formatting
    from reserve_flow.core.web import menu, security_headers

    formatting.init_app(app)
    menu.init_app(app)
    security_headers.init_app(app)

    from reserve_flow.core.audit import views as audit
    from reserve_flow.core.deadlines import views as deadlines
    from reserve_flow.core.notifications import admin_views as admin_outbox
    from reserve_flow.core.notifications import views as notifications
    from reserve_flow.core.web import diagrams
    from reserve_flow.core.web import home as main

    for blueprint in (main.bp, diagrams.bp, notifications.bp, deadlines.bp, admin_outbox.bp, audit.bp, audit.public_bp):
        app.register_blueprint(blueprint)
    main.init_app(app)
    from reserve_flow.core.notifications.home import failed_messages

    main.register_home_section(app, "admin", "Администрирование", failed_messages, position=900)
