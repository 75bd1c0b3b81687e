"""Administrator pages: people and their roles, and the audit log with its check."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, Email, Optional

from reserve_flow.core.audit.chain import verify_chain
from reserve_flow.core.web import db, runtime, workflow_ui
from reserve_flow.core.web.actions import attempt
from reserve_flow.people.models import ROLES, User
from reserve_flow.people.services import admin as service

bp = Blueprint("admin", __name__, url_prefix="/admin")

EVENT_KINDS = {
    "transition": "Шаг процесса",
    "personal_file_viewed": "Просмотр личного дела",
    "user_created": "Создан пользователь",
    "user_changed": "Изменён пользователь",
    "outbox_retried": "Письмо снова поставлено в очередь",
    "organization_created": "Добавлена организация",
    "organization_updated": "Изменена организация",
    "organization_deactivated": "Организация закрыта",
    "organization_activated": "Организация возвращена в реестр",
    "organizations_imported": "Загружен реестр организаций",
    "monitoring_year_created": "Заведён год мониторинга",
    "monitoring_criteria_changed": "Изменены критерии мониторинга",
    "monitoring_imported": "Загружены результаты мониторинга",
    "monitoring_cleared": "Удалены результаты мониторинга",
    "deficit_added": "Внесён профессиональный дефицит резервиста",
    "plan_changed": "Изменён план развития резервиста",
    "plan_confirmed": "Подтверждён план развития резервиста",
    "evidence_uploaded": "Загружен документ по плану развития",
    "mentor_review": "Отзыв наставника о стажировке",
    "programme_created": "Создана программа формирования резерва",
    "programme_targets": "Изменены целевые значения программы",
    "programme_event": "Добавлено мероприятие программы",
    "programme_event_held": "Отмечено проведение мероприятия программы",
    "programme_report": "Сформирован отчёт о реализации программы",
}



def label_event_kinds(labels: dict[str, str]) -> None:
    """Name an area's own audit event kinds once, for the journal's filter and for the
    case histories (web/workflow_ui.py) alike."""
    EVENT_KINDS.update(labels)
    workflow_ui.EVENT_KIND_LABELS.update(labels)

def admin_required(view):
    """Administrators only; everyone else is told the page does not exist."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.has_role("admin"):
            abort(404)
        return view(*args, **kwargs)

    return wrapped


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
    return render_template("people/admin/users.html", users=service.users(db(), role or None, query), roles=ROLES,
                           role=role, query=query)


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def new_user():
    form = UserForm()
    status = 200
    if form.validate_on_submit():
        outcome = attempt(lambda: service.create_user_by_admin(
            runtime(), db(), current_user, email=form.email.data, full_name=form.full_name.data,
            password=form.password.data or "", roles=form.roles.data or []))
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
        outcome = attempt(lambda: service.update_user(runtime(), session, current_user, user,
                                                      full_name=form.full_name.data, roles=form.roles.data or [],
                                                      active=form.active.data,
                                                      new_password=form.password.data or ""))
        if not outcome.ok:
            flash(outcome.error, "error")
            status = outcome.status
        else:
            flash("Изменения сохранены.", "success")
            return redirect(url_for("admin.users"), code=303)
    elif request.method == "POST":
        status = 400
    return render_template("people/admin/user_form.html", form=form, user=user), status


@bp.route("/audit")
@admin_required
def audit():
    kind = request.args.get("kind", "")
    subject_type = request.args.get("subject", "")
    before = request.args.get("before", type=int)
    event_id = request.args.get("event", type=int)  # one event, as history pages link to it
    events = service.recent_events(db(), kind=kind, subject_type=subject_type, before_seq=before, event_id=event_id)
    return render_template("core/audit/journal.html", events=events, kinds=EVENT_KINDS, kind=kind, subject_type=subject_type,
                           event_id=event_id)


@bp.route("/audit/verify", methods=["POST"])
@admin_required
def audit_verify():
    result = verify_chain(db())
    if result.ok:
        flash(f"Цепочка журнала цела: проверено событий — {result.checked}.", "success")
    else:
        flash(f"Цепочка журнала НАРУШЕНА после {result.checked} целых событий: {result.problem}.", "error")
    return redirect(url_for("admin.audit"), code=303)
