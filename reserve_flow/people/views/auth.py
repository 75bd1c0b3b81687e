"""Login and logout."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Email

from reserve_flow.core.i18n import translate
from reserve_flow.core.web import db, runtime
from reserve_flow.core.web.access import login_required, public
from reserve_flow.core.web.actions import attempt
from reserve_flow.core.web.limits import limiter, limits_off, login_rate
from reserve_flow.core.web.sessions import end_session, start_session
from reserve_flow.people.services.users import authenticate, end_sessions

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField(
        "Электронная почта",
        filters=[lambda value: value.strip() if value else value],
        validators=[DataRequired("Укажите адрес электронной почты"), Email("Некорректный адрес электронной почты")],
    )
    password = PasswordField("Пароль", validators=[DataRequired("Введите пароль")])
    submit = SubmitField("Войти")


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect would let a link send users elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("main.index")


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(login_rate, methods=["POST"], exempt_when=limits_off)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        rt = runtime()
        app_settings = rt.settings["app"]
        result = attempt(
            lambda: authenticate(
                db(),
                form.email.data or "",
                form.password.data or "",
                rt.now(),
                free_tries=app_settings["login_throttle_after"],
                max_wait=app_settings["login_throttle_max_seconds"],
            )
        ).value
        if result.user is not None:
            start_session(result.user)
            return redirect(_safe_next(request.args.get("next")))
        status = 429 if result.throttled else 401
        if not result.throttled:
            flash(translate("auth.bad_credentials"), "error")
        if result.wait_seconds:
            flash(translate("auth.throttled", seconds=result.wait_seconds), "error")
    elif request.method == "POST":
        status = 400
    return render_template("people/auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    attempt(lambda: end_sessions(db(), current_user))
    end_session()
    flash("Вы вышли из системы.", "info")
    return redirect(url_for("auth.login"))
