"""Who calls the API: a personal token (Authorization: Bearer <token>), which needs no
CSRF token since a browser never sends it by itself, or the browser's session, whose
unsafe requests must carry the page's CSRF token in X-CSRFToken (Flask-WTF's header)."""

from __future__ import annotations

from flask import current_app, g, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError

from reserve_flow.core.actors import Actor
from reserve_flow.core.api import tokens
from reserve_flow.core.api.problems import ApiProblem
from reserve_flow.core.web import access, db, runtime

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def public(view):
    """Mark an API view as open without signing in (the API's description and its page)."""
    view._api_public = True
    return access.public(view)


def multipart(view):
    """Mark an API view whose body is multipart/form-data (an upload) rather than JSON."""
    view._api_body = "multipart/form-data"
    return view


def authenticate() -> None:
    """before_request of every API blueprint: sets the caller or refuses with 401/403,
    then refuses a body of another type than the view reads (415)."""
    view = current_app.view_functions.get(request.endpoint or "")
    _identify(view)
    expected = getattr(view, "_api_body", "application/json")
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype and request.mimetype != expected:
        raise ApiProblem(415, f"Тело запроса должно быть в формате {expected}.", kind="unsupported-media-type")


def _identify(view) -> None:
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise ApiProblem(401, "Заголовок Authorization должен быть вида «Bearer <токен>».", kind="bad-token")
        user = tokens.authenticate(db(), secret.strip(), runtime().now())
        if user is None:
            raise ApiProblem(401, "Токен неизвестен, отозван или истёк.", kind="bad-token")
        # This request's user (flask-login's per-request slot); no session cookie is written.
        current_app.login_manager._update_request_context_with_user(user)
        g.api_token_used = True
        return
    if getattr(view, "_api_public", False):
        return
    if not current_user.is_authenticated:
        raise ApiProblem(401)
    if request.method not in SAFE_METHODS:
        try:
            validate_csrf(request.headers.get("X-CSRFToken", ""))
        except ValidationError as exc:
            raise CSRFError(str(exc)) from None


def actor() -> Actor:
    """The caller of this request (authenticate() has made sure there is one)."""
    if not current_user.is_authenticated:
        raise ApiProblem(401)
    return current_user._get_current_object()
