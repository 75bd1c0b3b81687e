"""Role checks for views, shared by the core's pages and the domains'."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def role_required(*roles: str):
    """Signed-in users holding one of `roles` only; everyone else is told the page does not exist."""

    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not any(current_user.has_role(role) for role in roles):
                abort(404)
            return view(*args, **kwargs)

        return wrapped

    return decorate


def admin_required(view):
    """Administrators only; everyone else is told the page does not exist."""
    return role_required("admin")(view)
