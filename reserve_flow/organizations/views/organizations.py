"""The registry of organizations: the administrator creates, edits, deactivates and imports
them; the staff who appoint heads (HR, the secretary, the chair) read the registry and each
organization's page with its monitoring history. Anyone else gets 404."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileRequired
from sqlalchemy import select
from wtforms import IntegerField, SelectField, StringField, widgets
from wtforms.validators import DataRequired, Optional

from reserve_flow.core.audit.views import label_event_kinds
from reserve_flow.core.files.tabular import (
    XLSX_MIMETYPE,
    notes_sheet,
    read_table,
    read_upload,
    write_csv,
    write_xlsx,
)
from reserve_flow.core.web import db, runtime, too_large_back_link
from reserve_flow.core.web.access import login_required
from reserve_flow.core.web.actions import attempt
from reserve_flow.core.web.downloads import send_bytes
from reserve_flow.core.web.forms import UploadField
from reserve_flow.history import services as history_service
from reserve_flow.organizations import access
from reserve_flow.organizations.models.organizations import ORGANIZATION_KINDS, Organization
from reserve_flow.organizations.services import monitoring
from reserve_flow.organizations.services import organizations as service
from reserve_flow.organizations.views.monitoring import sparkline
from reserve_flow.people.models import User

bp = Blueprint("organizations", __name__, url_prefix="/organizations")

label_event_kinds(
    {
        "organization_created": "Добавлена организация",
        "organization_updated": "Изменена организация",
        "organization_deactivated": "Организация закрыта",
        "organization_activated": "Организация возвращена в реестр",
        "organizations_imported": "Загружен реестр организаций",
        "monitoring_year_created": "Заведён год мониторинга",
        "monitoring_criteria_changed": "Изменены критерии мониторинга",
        "monitoring_imported": "Загружены результаты мониторинга",
        "monitoring_cleared": "Удалены результаты мониторинга",
    },
    subjects={"organization": "Организация", "monitoring_year": "Год мониторинга"},
    data={
        "full_name": "Полное наименование",
        "short_name": "Краткое наименование",
        "inn": "ИНН",
        "changed": "Изменения",
        "head_name": "Руководитель",
        "rows": "Строк",
        "created": "Добавлено",
        "updated": "Изменено",
        "unchanged": "Без изменений",
        "criteria": "Критерии",
        "deleted": "Удалено",
        "previous": "Прежняя загрузка",
        "replaced_results": "Заменено результатов",
        "replaced_file": "Заменённый файл",
    },
)

REQUIRED = "Заполните это поле"
STATUS_CHOICES = (("active", "действующие"), ("inactive", "закрытые"), ("all", "все"))


class OrganizationForm(FlaskForm):
    version = IntegerField(widget=widgets.HiddenInput(), validators=[Optional()])
    kind = SelectField("Вид организации", choices=[(k, v["ru"]) for k, v in ORGANIZATION_KINDS.items()])
    full_name = StringField("Полное наименование", validators=[DataRequired(REQUIRED)])
    short_name = StringField("Краткое наименование", validators=[DataRequired(REQUIRED)])
    address = StringField("Адрес")
    inn = StringField("ИНН")
    phone = StringField("Телефон")
    email = StringField("Электронная почта")
    head_name = StringField("Руководитель (ФИО)")
    head_user_id = SelectField("Учётная запись руководителя в системе", coerce=int)


class ImportForm(FlaskForm):
    file = UploadField("Файл XLSX или CSV", validators=[FileRequired("Выберите файл для загрузки")])


class ActiveForm(FlaskForm):
    version = IntegerField(widget=widgets.HiddenInput())


def _require_viewer() -> None:
    if not access.may_view_organizations(current_user):
        abort(404)


def _require_admin() -> None:
    if not access.may_manage_organizations(current_user):
        abort(404)


def _load(organization_id: int) -> Organization:
    return service.get(db(), organization_id)


def _form(organization: Organization | None = None) -> OrganizationForm:
    form = OrganizationForm(obj=organization) if request.method == "GET" and organization else OrganizationForm()
    users = db().scalars(select(User).where(User.active.is_(True)).order_by(User.full_name))
    form.head_user_id.choices = [(0, "— нет учётной записи —")] + [(u.id, f"{u.full_name} ({u.email})") for u in users]
    if request.method == "GET" and organization:
        form.head_user_id.data = organization.head_user_id or 0
        form.inn.data = organization.inn or ""
    return form


def _data(form: OrganizationForm) -> service.OrganizationData:
    return service.OrganizationData(
        kind=form.kind.data,
        full_name=form.full_name.data or "",
        short_name=form.short_name.data or "",
        address=form.address.data or "",
        inn=(form.inn.data or "").replace(" ", ""),
        phone=form.phone.data or "",
        email=form.email.data or "",
        head_name=form.head_name.data or "",
        head_user_id=form.head_user_id.data or None,
    )


@too_large_back_link(bp)
def _back_from_too_large(_view_args: dict) -> tuple[str, str]:
    return url_for("organizations.import_file"), "Вернуться к импорту организаций"


@bp.route("/")
@login_required
def index():
    _require_viewer()
    kind = request.args.get("kind", "")
    status = request.args.get("status", "active")
    query = request.args.get("q", "")
    session = db()
    return render_template(
        "organizations/registry/index.html",
        organizations=service.list_organizations(session, kind=kind, status=status, query=query),
        latest=monitoring.latest_results(session),
        kinds=ORGANIZATION_KINDS,
        statuses=STATUS_CHOICES,
        kind=kind,
        status=status,
        query=query,
        can_manage=access.may_manage_organizations(current_user),
        flag_below=monitoring.ANTI_CRISIS_BELOW,
    )


@bp.route("/<int:organization_id>")
@login_required
def show(organization_id: int):
    _require_viewer()
    organization = _load(organization_id)
    history = monitoring.organization_history(db(), organization)
    staff = access.may_follow_staff_links(current_user)
    return render_template(
        "organizations/registry/show.html",
        organization=organization,
        history=history,
        timeline=history_service.organization_timeline(runtime(), db(), organization),
        may_follow=staff,
        show_audit=current_user.has_role("admin"),
        chart=sparkline([(h.year, h.result.total_percent) for h in history], threshold=monitoring.ANTI_CRISIS_BELOW),
        can_manage=access.may_manage_organizations(current_user),
        active_form=ActiveForm(formdata=None, version=organization.version),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    _require_admin()
    form = _form()
    status = 200
    if form.validate_on_submit():
        outcome = attempt(lambda: service.create_organization(db(), current_user, _data(form), runtime().now()))
        if outcome.ok:
            flash(f"Организация «{outcome.value.short_name}» добавлена в реестр.", "success")
            return redirect(url_for("organizations.show", organization_id=outcome.value.id), code=303)
        flash(outcome.error, "error")
        status = outcome.status
    elif request.method == "POST":
        status = 400
    return render_template("organizations/registry/form.html", form=form, organization=None), status


@bp.route("/<int:organization_id>/edit", methods=["GET", "POST"])
@login_required
def edit(organization_id: int):
    _require_admin()
    organization = _load(organization_id)
    form = _form(organization)
    status = 200
    if form.validate_on_submit():
        outcome = attempt(
            lambda: service.update_organization(
                db(), organization, current_user, _data(form), form.version.data or 0, runtime().now()
            )
        )
        if outcome.ok:
            flash("Изменения сохранены." if outcome.value else "Изменений нет.", "success")
            return redirect(url_for("organizations.show", organization_id=organization.id), code=303)
        flash(outcome.error, "error")
        status = outcome.status
    elif request.method == "POST":
        status = 400
    return render_template("organizations/registry/form.html", form=form, organization=organization), status


@bp.route("/<int:organization_id>/<any(deactivate, activate):action>", methods=["POST"])
@login_required
def set_active(organization_id: int, action: str):
    _require_admin()
    organization = _load(organization_id)
    form = ActiveForm()
    if not form.validate_on_submit():
        abort(400)
    outcome = attempt(
        lambda: service.set_active(
            db(), organization, current_user, action == "activate", form.version.data, runtime().now()
        )
    )
    if outcome.ok:
        flash(
            "Организация снова действует."
            if action == "activate"
            else "Организация закрыта: она скрыта из списков и шаблонов, история сохранена.",
            "success",
        )
    else:
        flash(outcome.error, "error")
    return redirect(url_for("organizations.show", organization_id=organization_id), code=303)


@bp.route("/template.<any(xlsx, csv):fmt>")
@login_required
def template(fmt: str):
    _require_admin()
    sheet = attempt(lambda: service.export_registry(db(), current_user, fmt, runtime().now())).value
    if fmt == "csv":
        return send_bytes(write_csv(sheet.headers, sheet.rows), "organizations.csv", "text/csv; charset=utf-8")
    return send_bytes(write_xlsx([sheet, notes_sheet(service.TEMPLATE_NOTES)]), "organizations.xlsx", XLSX_MIMETYPE)


def _import(storage) -> service.ImportSummary:
    upload = read_upload(storage.stream, storage.filename, runtime().settings["uploads"]["max_size_mb"])
    return service.import_organizations(
        db(),
        current_user,
        read_table(upload.content, upload.filename),
        now=runtime().now(),
        sha256=upload.sha256,
        filename=upload.filename,
    )


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_file():
    _require_admin()
    form = ImportForm()
    problems: list = []
    status = 200
    if form.validate_on_submit():
        outcome = attempt(lambda: _import(form.file.data))
        if outcome.ok:
            summary = outcome.value
            flash(
                f"Загружено строк: {summary.total}. Добавлено организаций: {summary.created}, "
                f"обновлено: {summary.updated}, без изменений: {summary.unchanged}.",
                "success",
            )
            return redirect(url_for("organizations.index"), code=303)
        problems, status = list(outcome.problems), outcome.status
    elif request.method == "POST":
        status = 400
    return render_template(
        "organizations/registry/import.html", form=form, problems=problems, notes=service.TEMPLATE_NOTES
    ), status
