"""Administrator pages: people and their roles (the audit journal is the core's, core/audit/views.py)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, Email, Optional

from reserve_flow.core.audit.views import label_event_kinds
from reserve_flow.core.web import db, runtime
from reserve_flow.core.web.access import admin_required
from reserve_flow.core.web.actions import attempt
from reserve_flow.people.models import ROLES, User
from reserve_flow.people.services import admin as service

bp = Blueprint("admin", __name__, url_prefix="/admin")

label_event_kinds(
    {"user_created": "Создан пользователь", "user_changed": "Изменён пользователь"},
    data={
        "email": "Электронная почта",
        "roles": "Роли",
        "full_name": "ФИО",
        "active": "Учётная запись действует",
        "password": "Пароль",
    },
)


class RolesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class UserForm(FlaskForm):
    email = EmailField("Электронная почта", validators=[DataRequired("Укажите адрес"), Email("Некорректный адрес")])
    full_name = StringField("Фамилия, имя, отчество", validators=[DataRequired("Укажите ФИО")])
    roles = RolesField("Роли", choices=[(k, v["ru"]) for k, v in ROLES.items()])
    active = BooleanField("Учётная запись действует", default=True)
    password = PasswordField("Пароль (для нового пользователя или сброса)", validators=[Optional()])


@bp.route("/users")
@admin_required
def users():
    role = request.args.get("role", "")
    query = request.args.get("q", "")
    return render_template(
        "people/admin/users.html", users=service.users(db(), role or None, query), roles=ROLES, role=role, query=query
    )


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def new_user():
    form = UserForm()
    status = 200
    if form.validate_on_submit():
        outcome = attempt(
            lambda: service.create_user_by_admin(
                runtime(),
                db(),
                current_user,
                email=form.email.data,
                full_name=form.full_name.data,
                password=form.password.data or "",
                roles=form.roles.data or [],
            )
        )
        if not outcome.ok:
            flash(outcome.error, "error")
            status = outcome.status
        else:
            flash(f"Пользователь {outcome.value.full_name} создан.", "success")
            return redirect(url_for("admin.users"), code=303)
    elif request.method == "POST":
        status = 400
    return render_template("people/admin/user_form.html", form=form, user=None), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def edit_user(user_id: int):
    session = db()
    user = session.get(User, user_id)
    if user is None:
        abort(404)
    form = UserForm(obj=user) if request.method == "GET" else UserForm()
    if request.method == "GET":
        form.roles.data = sorted(user.roles)
    form.email.data = user.email  # the login name does not change here
    status = 200
    if form.validate_on_submit():
        outcome = attempt(
            lambda: service.update_user(
                runtime(),
                session,
                current_user,
                user,
                full_name=form.full_name.data,
                roles=form.roles.data or [],
                active=form.active.data,
                new_password=form.password.data or "",
            )
        )
        if not outcome.ok:
            flash(outcome.error, "error")
            status = outcome.status
        else:
            flash("Изменения сохранены.", "success")
            return redirect(url_for("admin.users"), code=303)
    elif request.method == "POST":
        status = 400
    return render_template("people/admin/user_form.html", form=form, user=user), status
