"""The appointment order's pages: numbering a drafted order, the order's page where the
head of the РУО signs it or the HR officer uploads its signed scan, the draft's
preview, the orders' downloads and register, the administrator's order template, and
the public list of appointments.

Every view checks the login, the role and the object: anyone who may not see an order
or a vacancy gets 404. Changes go through services.orders.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.file import FileRequired

from reserve_flow.appointments import access
from reserve_flow.appointments import order_document as order_document
from reserve_flow.appointments.services import orders as service
from reserve_flow.core.audit.views import label_event_kinds
from reserve_flow.core.files import storage
from reserve_flow.core.web import db, runtime, too_large_back_link
from reserve_flow.core.web.access import login_required, public
from reserve_flow.core.web.actions import attempt, submit
from reserve_flow.core.web.downloads import send_bytes, send_stored
from reserve_flow.core.web.forms import RussianForm, UploadField, VersionForm
from reserve_flow.privacy.services.publication import NOT_PUBLISHED

bp = Blueprint("orders", __name__)

# Labels of this module's audit events, for case histories and the administrator's journal.
EVENT_LABELS = {
    "order_issued": "Издан приказ о назначении",
    "order_numbered": "Приказу о назначении присвоен номер",
    "order_signed": "Приказ о назначении подписан",
    "organization_head_changed": "Сменился руководитель организации",
    "order_template_uploaded": "Загружен шаблон приказа о назначении",
    "order_template_reverted": "Восстановлен встроенный шаблон приказа о назначении",
}
label_event_kinds(
    EVENT_LABELS,
    subjects={"order_template": "Шаблон приказа"},
    data={
        "order_id": "Приказ (№ записи)",
        "register": "Журнал регистрации",
        "template_id": "Шаблон (№ записи)",
        "old": "Было",
        "new": "Стало",
        "order": "Приказ",
        "vacancy_id": "Вакансия (№)",
        "replaced": "Заменённый шаблон",
        "head_user_id": "Руководитель (№ пользователя)",
    },
)


class SignedScanForm(VersionForm):
    # The service checks that it is a PDF within the size limit; the form, that one was chosen.
    file = UploadField(validators=[FileRequired("Выберите файл скана подписанного приказа (PDF).")])


class TemplateForm(RussianForm):
    # The service checks that it is a DOCX that renders; the form, that one was chosen.
    file = UploadField(validators=[FileRequired("Выберите файл шаблона (DOCX).")])


@too_large_back_link(bp)
def _back_from_too_large(view_args: dict) -> tuple[str, str]:
    if "order_id" in view_args:  # the signed scan
        return url_for("orders.show", order_id=view_args["order_id"]), "Вернуться к приказу"
    return url_for("orders.template"), "Вернуться к шаблону приказа"


@bp.app_template_filter("years")
def years_filter(years: int) -> str:
    return order_document.years_phrase(years)


@bp.app_template_filter("contract_term")
def contract_term_filter(years: int | None) -> str:
    return order_document.contract_phrase(years)


@bp.app_template_filter("probation")
def probation_filter(months: int) -> str:
    return order_document.probation_phrase(months)


def vacancy_url(vacancy_id: int) -> str:
    """The vacancy's page (appointments/views/vacancies.py), where the order's part is shown."""
    return url_for("appointments.show", vacancy_id=vacancy_id)


def _refused(message: str, status: int, back: str):
    return render_template("appointments/orders/refused.html", message=message, back=back), status


# --- issuing and the draft ---


@bp.route("/appointments/<int:vacancy_id>/order/number", methods=["POST"])
@login_required
def number(vacancy_id: int):
    back = vacancy_url(vacancy_id)
    form = VersionForm()
    if not form.validate_on_submit():
        return _refused("Форма устарела: обновите страницу вакансии и повторите.", 400, back)
    outcome = attempt(lambda: service.number(runtime(), db(), current_user, vacancy_id, form.version.data))
    if not outcome.ok:
        return _refused(outcome.error, outcome.status, back)
    order = outcome.value
    flash(
        f"Приказу присвоен номер {order.number_label}: он передан на подпись начальнику РУО. "
        "Руководитель будет назначен, когда приказ будет подписан.",
        "success",
    )
    return redirect(url_for("orders.show", order_id=order.id), code=303)


def _order_page(order_id: int, error: str | None = None, status: int = 200):
    order = service.order_page(db(), current_user, order_id)
    return render_template(
        "appointments/orders/show.html",
        order=order,
        vacancy=order.vacancy,
        may_sign=access.may_sign_orders(current_user) and order.vacancy.state == "order_numbered",
        may_upload_scan=current_user.has_role("hr") and order.vacancy.state == "order_numbered",
        pdf_converted=order_document.soffice() is not None,
        error=error,
        max_size_mb=runtime().settings["uploads"]["max_size_mb"],
    ), status


@bp.route("/orders/<int:order_id>")
@login_required
def show(order_id: int):
    return _order_page(order_id)


@bp.route("/orders/<int:order_id>/sign", methods=["POST"])
@login_required
def sign(order_id: int):
    order = service.order_page(db(), current_user, order_id)
    form = VersionForm()
    if not form.validate_on_submit():
        return _order_page(order_id, "Форма устарела: обновите страницу и повторите.", 400)
    outcome = attempt(lambda: service.sign(runtime(), db(), current_user, order.vacancy_id, form.version.data))
    if not outcome.ok:
        return _order_page(order_id, outcome.error, outcome.status)
    flash(f"{outcome.value.title} подписан: руководитель назначен, вакансия закрыта.", "success")
    return redirect(url_for("orders.show", order_id=order_id), code=303)


@bp.route("/orders/<int:order_id>/signed-scan", methods=["POST"])
@login_required
def signed_scan(order_id: int):
    order = service.order_page(db(), current_user, order_id)
    form = SignedScanForm()
    outcome = submit(
        form,
        lambda: service.record_signed_scan(
            runtime(),
            db(),
            current_user,
            order.vacancy_id,
            form.version.data,
            form.file.data.stream,
            form.file.data.filename,
        ),
    )
    if not outcome.ok:
        return _order_page(order_id, outcome.error, outcome.status)
    flash(f"Скан подписанного приказа сохранён: {outcome.value.title} вступил в силу.", "success")
    return redirect(url_for("orders.show", order_id=order_id), code=303)


@bp.route("/appointments/<int:vacancy_id>/order/preview.docx")
@login_required
def preview(vacancy_id: int):
    outcome = attempt(lambda: service.preview(runtime(), db(), current_user, vacancy_id))
    if not outcome.ok:  # the draft cannot be rendered as it stands
        return _refused(outcome.error, 409, vacancy_url(vacancy_id))
    content, name = outcome.value
    return send_bytes(content, name, storage.DOCX)


# --- issued orders ---


@bp.route("/orders/<int:order_id>.<kind>")
@login_required
def download(order_id: int, kind: str):
    outcome = attempt(lambda: service.open_file(runtime(), db(), current_user, order_id, kind))
    if not outcome.ok:  # the file on disk no longer matches its hash
        return outcome.error, 409, {"Content-Type": "text/plain; charset=utf-8"}
    found = outcome.value
    return send_stored(found.path, mimetype=found.mimetype, name=found.download_name, attachment=True)


@bp.route("/orders")
@login_required
def register():
    years = service.issued_years(db())
    today = runtime().now().astimezone(runtime().tz).date()
    year = request.args.get("year", type=int) or (years[0] if years else today.year)
    rows = service.order_register(db(), current_user, year)
    return render_template(
        "appointments/orders/register.html", rows=rows, years=years, year=year, vacancy_url=vacancy_url
    )


# --- the template (administrator) ---


def _template_page(error: str | None = None, status: int = 200):
    template = service.current_template(db())
    return render_template(
        "appointments/orders/template.html",
        template=template,
        history=service.template_history(db()),
        placeholders=order_document.PLACEHOLDERS,
        pdf_converted=order_document.soffice() is not None,
        error=error,
        max_size_mb=runtime().settings["uploads"]["max_size_mb"],
    ), status


def _require_admin() -> None:
    if not access.may_manage_order_template(current_user):
        abort(404)


@bp.route("/admin/order-template", methods=["GET", "POST"])
@login_required
def template():
    _require_admin()
    if request.method == "GET":
        return _template_page()
    form = TemplateForm()
    outcome = submit(
        form,
        lambda: service.upload_template(runtime(), db(), current_user, form.file.data.stream, form.file.data.filename),
    )
    if not outcome.ok:
        return _template_page(outcome.error, outcome.status)
    flash(f"Шаблон «{outcome.value.original_name}» загружен: следующие приказы будут сформированы по нему.", "success")
    return redirect(url_for("orders.template"), code=303)


@bp.route("/admin/order-template/revert", methods=["POST"])
@login_required
def template_revert():
    _require_admin()
    outcome = attempt(lambda: service.revert_template(runtime(), db(), current_user))
    if not outcome.ok:
        return _template_page(outcome.error, outcome.status)
    flash("Восстановлен встроенный шаблон приказа.", "success")
    return redirect(url_for("orders.template"), code=303)


@bp.route("/admin/order-template/current.docx")
@login_required
def template_file():
    _require_admin()
    outcome = attempt(lambda: service.template_download(runtime(), db(), current_user))
    if not outcome.ok:  # the stored template is missing or altered
        return _template_page(outcome.error, 409)
    content, name = outcome.value
    return send_bytes(content, name, storage.DOCX)


# --- public ---


@bp.route("/public/appointments")
@public
def public_appointments():
    """Appointments as the РУО website publishes them: name (with the appointee's consent),
    organization, position, order."""
    return render_template(
        "appointments/public.html", rows=service.public_appointments(db()), not_published=NOT_PUBLISHED
    )
