"""Who may reach a view at all: every view declares it, and what is not declared public
needs a login.

Each view carries its declaration as an attribute of the view function: `@public`
(anyone, signed in or not), `@login_required` (signed-in users; the object rule of the
domain's access.py decides the rest) or `@role_required(...)`; the JSON API's views are
declared `api_access` (a token or a login, checked by core/api/auth.py) unless public. The app checks the login
before every request whose view is not public (`require_login_unless_public`), so a view
that forgets its decorator is closed rather than open, and tests/core/test_access_matrix.py
fails for any route whose view declares nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, abort, current_app, request
from flask_login import current_user
from flask_login import login_required as _flask_login_required

ACCESS_ATTRIBUTE = "access_rule"
PUBLIC = "public"
LOGIN = "login"
# A view of the JSON API: a personal token or a login, checked by the API itself
# (core/api/auth.py), which answers 401 as a problem document rather than a redirect.
API = "api"
# Endpoints Flask itself adds, which cannot carry a decorator of ours.
BUILTIN_PUBLIC_ENDPOINTS = frozenset({"static"})


def _declare(view: Callable, rule: Any) -> Callable:
    setattr(view, ACCESS_ATTRIBUTE, rule)
    return view


def public(view: Callable) -> Callable:
    """Anyone may open this view, signed in or not (public pages, the login, the calendar feed by its token)."""
    return _declare(view, PUBLIC)


def api_access(view: Callable) -> Callable:
    """A view of the JSON API (core/api/): a token or a login, checked by the API's own authentication."""
    return _declare(view, API)


def login_required(view: Callable) -> Callable:
    """Signed-in users only; anyone else is sent to the login page."""
    return _declare(_flask_login_required(view), LOGIN)


def role_required(*roles: str):
    """Signed-in users holding one of `roles` only; everyone else is told the page does not exist."""

    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not any(current_user.has_role(role) for role in roles):
                abort(404)
            return view(*args, **kwargs)

        return _declare(wrapped, ("roles", tuple(roles)))

    return decorate


def admin_required(view):
    """Administrators only; everyone else is told the page does not exist."""
    return role_required("admin")(view)


def declared_rule(app: Flask, endpoint: str) -> Any:
    """The declaration of an endpoint's view: PUBLIC, LOGIN, ("roles", (...)), or None when it declares nothing."""
    if endpoint in BUILTIN_PUBLIC_ENDPOINTS:
        return PUBLIC
    view = app.view_functions.get(endpoint)
    return getattr(view, ACCESS_ATTRIBUTE, None) if view is not None else None


def require_login_unless_public():
    """Before every request: a view that is not declared public needs a login, whatever it forgot."""
    endpoint = request.endpoint
    if endpoint is None or declared_rule(current_app, endpoint) in (PUBLIC, API):
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    return None
