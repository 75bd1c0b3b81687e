"""Signed-in sessions: how one starts, how long it lasts when left alone, how it ends.

- Signing in starts from an empty session: whatever the browser carried before (a
  session planted by someone else, its CSRF token) is dropped, and the CSRF token is new.
- The session cookie carries the user's session version (people.models.User.get_id); the
  user loader (core/web/__init__.py) refuses a version that has moved on, so logout, a
  password change or reset and deactivation end every session of that user, in every
  browser, including a copied cookie.
- A session left idle for `app.session_idle_minutes` ends: the last request's time is kept
  in the session and checked before each request (the signed cookie itself also stops
  being accepted after that long: PERMANENT_SESSION_LIFETIME).
"""

from __future__ import annotations

import time
from datetime import timedelta

from flask import Flask, flash, session
from flask_login import current_user, login_user, logout_user

from reserve_flow.core.actors import Actor

LAST_SEEN = "last_seen"
IDLE_MESSAGE = "Сеанс завершён: вы долго не пользовались системой. Войдите снова."


def _now() -> float:
    # The wall clock, not the runtime's: idleness is the browser's, whatever day the cases are at.
    return time.time()


def _idle_seconds() -> int:
    from reserve_flow.core.web import runtime

    return runtime().settings["app"]["session_idle_minutes"] * 60


def start_session(user: Actor) -> None:
    """Sign `user` in on a fresh session (new session contents, new CSRF token)."""
    session.clear()
    login_user(user)
    session[LAST_SEEN] = _now()


def end_session() -> None:
    """Sign the current user out of this browser and forget the session's contents."""
    logout_user()
    session.clear()


def expire_idle_session() -> None:
    """Before every request: end a signed-in session idle for too long, else note this request."""
    if not current_user.is_authenticated:
        return
    now = _now()
    last = session.get(LAST_SEEN)
    if last is None or now - float(last) > _idle_seconds():
        end_session()
        flash(IDLE_MESSAGE, "info")
        return
    session[LAST_SEEN] = now


def configure(app: Flask, *, secure_cookies: bool, idle_minutes: int) -> None:
    """The cookie flags and lifetimes the settings ask for (the app factory's use_runtime)."""
    app.config.update(
        SESSION_COOKIE_SECURE=secure_cookies,
        REMEMBER_COOKIE_SECURE=secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True,
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=idle_minutes),
    )
