"""Effectiveness monitoring pages. The administrator creates a year with its criteria,
downloads the template, imports the results (all or nothing; a year already imported
only with "replace") and may clear them. HR, the secretary and the chair read the
district overview and export it; it feeds appointments. Anyone else gets 404."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileRequired
from wtforms import BooleanField, FieldList, Form, FormField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from reserve_flow.core.files.tabular import (
    XLSX_MIMETYPE,
    format_number,
    notes_sheet,
    parse_number,
    read_table,
    read_upload,
    write_xlsx,
)
from reserve_flow.core.web import db, runtime, too_large_back_link
from reserve_flow.core.web.access import login_required
from reserve_flow.core.web.actions import attempt
from reserve_flow.core.web.downloads import send_bytes
from reserve_flow.core.web.forms import UploadField
from reserve_flow.organizations import access
from reserve_flow.organizations.models.monitoring import MONITORING_LEVELS, MonitoringYear
from reserve_flow.organizations.models.organizations import ORGANIZATION_KINDS
from reserve_flow.organizations.services import monitoring as service

bp = Blueprint("monitoring", __name__, url_prefix="/monitoring")


class CriterionForm(Form):
    name = StringField("Критерий", validators=[Optional()])
    max_points = StringField("Максимум баллов", validators=[Optional()])  # «12,5» as typed in Russian


class YearForm(FlaskForm):
    year = IntegerField(
        "Год мониторинга",
        validators=[
            InputRequired("Укажите год"),
            NumberRange(service.FIRST_YEAR, service.LAST_YEAR, "Год указан неверно"),
        ],
    )
    criteria = FieldList(FormField(CriterionForm), min_entries=6)


class ImportForm(FlaskForm):
    file = UploadField("Файл XLSX или CSV", validators=[FileRequired("Выберите файл для загрузки")])
    replace = BooleanField("Заменить загруженные результаты этого года")


class ClearForm(FlaskForm):
    reason = TextAreaField("Причина удаления", validators=[DataRequired("Укажите причину удаления результатов")])


def _require_viewer() -> None:
    if not access.may_view_organizations(current_user):
        abort(404)


def _require_admin() -> None:
    if not access.may_manage_organizations(current_user):
        abort(404)


def _load(year: int) -> MonitoringYear:
    return service.get_year(db(), year)


def _criteria(form: YearForm) -> list[service.CriterionData]:
    """The filled rows of the criteria table; MonitoringError for a maximum that is not a number."""
    criteria = []
    for entry in form.criteria.entries:
        name = (entry.form.name.data or "").strip()
        if not name:
            continue
        try:
            max_points = parse_number(entry.form.max_points.data)
        except ValueError:
            raise service.MonitoringError(f"Максимальный балл критерия «{name}» — не число.") from None
        criteria.append(service.CriterionData(name, max_points))
    return criteria


def _fill_criteria(form: YearForm, criteria: list[service.CriterionData]) -> None:
    while form.criteria.entries:
        form.criteria.pop_entry()
    for criterion in criteria:
        form.criteria.append_entry({"name": criterion.name, "max_points": format_number(criterion.max_points)})
    while len(form.criteria.entries) < max(6, len(criteria) + 3):
        form.criteria.append_entry()


@dataclass
class Sparkline:
    """An inline SVG line of totals by year (no JavaScript), with the 50 % line."""

    width: int
    height: int
    points: str
    dots: list[tuple[float, float, int, float]]  # x, y, year, total
    threshold_y: float


def sparkline(
    values: list[tuple[int, float]], threshold: float, width: int = 320, height: int = 96
) -> Sparkline | None:
    """Totals by year scaled to the range they and the threshold span, so that a change
    of a few points shows; room is left for the year under each dot and the total above."""
    if not values:
        return None
    top, bottom, side = 18, 20, 24
    totals = [v for _, v in values]
    low = max(0.0, min(min(totals), threshold) - 5)
    high = min(100.0, max(max(totals), threshold) + 5)

    def y(value: float) -> float:
        return round(top + (high - value) / (high - low) * (height - top - bottom), 1)

    step = (width - 2 * side) / max(1, len(values) - 1)
    dots = [
        (round(side + i * step if len(values) > 1 else width / 2, 1), y(v), year, v)
        for i, (year, v) in enumerate(values)
    ]
    return Sparkline(width, height, " ".join(f"{x},{yy}" for x, yy, _, _ in dots), dots, y(threshold))


@too_large_back_link(bp)
def _back_from_too_large(view_args: dict) -> tuple[str, str]:
    if "year" in view_args:
        return url_for("monitoring.show", year=view_args["year"]), f"Вернуться к мониторингу {view_args['year']} года"
    return url_for("monitoring.index"), "Вернуться к мониторингу"


@bp.route("/")
@login_required
def index():
    _require_viewer()
    return render_template(
        "organizations/monitoring/index.html",
        years=service.years(db()),
        can_manage=access.may_manage_organizations(current_user),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    _require_admin()
    form = YearForm()
    status = 200
    if request.method == "GET":
        form.year.data = runtime().now().astimezone(runtime().tz).year
        _fill_criteria(form, service.latest_criteria(db()))
    elif form.validate_on_submit():
        outcome = attempt(
            lambda: service.create_year(db(), current_user, form.year.data, _criteria(form), runtime().now())
        )
        if outcome.ok:
            flash(
                f"Мониторинг за {outcome.value.year} год заведён. Скачайте шаблон, заполните и загрузите его.",
                "success",
            )
            return redirect(url_for("monitoring.show", year=outcome.value.year), code=303)
        flash(outcome.error, "error")
        status = outcome.status
    else:
        status = 400
    return render_template("organizations/monitoring/year_form.html", form=form, monitoring_year=None), status


@bp.route("/<int:year>/criteria", methods=["GET", "POST"])
@login_required
def criteria(year: int):
    _require_admin()
    monitoring_year = _load(year)
    form = YearForm()
    status = 200
    if monitoring_year.results:
        flash(
            f"Результаты за {year} год уже загружены: критерии менять нельзя. Сначала удалите загруженные результаты.",
            "error",
        )
        return redirect(url_for("monitoring.show", year=year), code=303)
    if request.method == "GET":
        form.year.data = year
        _fill_criteria(form, [service.CriterionData(c.name, c.max_points) for c in monitoring_year.criteria])
    elif form.validate_on_submit():
        outcome = attempt(
            lambda: service.update_criteria(db(), current_user, monitoring_year, _criteria(form), runtime().now())
        )
        if outcome.ok:
            flash("Критерии сохранены.", "success")
            return redirect(url_for("monitoring.show", year=year), code=303)
        flash(outcome.error, "error")
        status = outcome.status
    else:
        status = 400
    return render_template(
        "organizations/monitoring/year_form.html", form=form, monitoring_year=monitoring_year
    ), status


def _render_show(
    monitoring_year: MonitoringYear,
    status: int = 200,
    problems: list[str] | None = None,
    import_form: ImportForm | None = None,
    clear_form: ClearForm | None = None,
):
    kind = request.args.get("kind", "")
    ranking = service.overview(db(), monitoring_year, kind)
    return render_template(
        "organizations/monitoring/show.html",
        monitoring_year=monitoring_year,
        ranking=ranking,
        kind=kind,
        kinds=ORGANIZATION_KINDS,
        levels=MONITORING_LEVELS,
        can_manage=access.may_manage_organizations(current_user),
        import_form=import_form or ImportForm(formdata=None),
        clear_form=clear_form or ClearForm(formdata=None),
        problems=problems or [],
        thresholds=(service.OPTIMAL_FROM, service.ACCEPTABLE_FROM),
        level_counts={code: sum(1 for r in ranking if r.result.level == code) for code in MONITORING_LEVELS},
        flagged=sum(1 for r in ranking if r.flagged),
    ), status


@bp.route("/<int:year>")
@login_required
def show(year: int):
    _require_viewer()
    return _render_show(_load(year))


@bp.route("/<int:year>/export.xlsx")
@login_required
def export(year: int):
    _require_viewer()
    monitoring_year = _load(year)
    ranking = service.overview(db(), monitoring_year, request.args.get("kind", ""))
    return send_bytes(
        write_xlsx([service.overview_sheet(monitoring_year, ranking)]), f"monitoring-{year}.xlsx", XLSX_MIMETYPE
    )


@bp.route("/<int:year>/template.<any(xlsx, csv):fmt>")
@login_required
def template(year: int, fmt: str):
    _require_admin()
    monitoring_year = _load(year)
    if fmt == "csv":
        return send_bytes(
            service.template_csv(db(), monitoring_year), f"monitoring-{year}-template.csv", "text/csv; charset=utf-8"
        )
    book = write_xlsx([service.template_sheet(db(), monitoring_year), notes_sheet(service.TEMPLATE_NOTES)])
    return send_bytes(book, f"monitoring-{year}-template.xlsx", XLSX_MIMETYPE)


def _import(monitoring_year: MonitoringYear, form: ImportForm) -> service.ImportSummary:
    storage = form.file.data
    upload = read_upload(storage.stream, storage.filename, runtime().settings["uploads"]["max_size_mb"])
    return service.import_results(
        db(),
        current_user,
        monitoring_year,
        read_table(upload.content, upload.filename),
        now=runtime().now(),
        sha256=upload.sha256,
        filename=upload.filename,
        replace=form.replace.data,
    )


@bp.route("/<int:year>/import", methods=["POST"])
@login_required
def import_file(year: int):
    _require_admin()
    monitoring_year = _load(year)
    form = ImportForm()
    if not form.validate_on_submit():
        problems = [e for errors in form.errors.values() for e in errors]
        if "csrf_token" in form.errors:
            problems = ["Форма устарела. Обновите страницу и повторите загрузку."]
        return _render_show(monitoring_year, 400, problems, import_form=form)
    outcome = attempt(lambda: _import(monitoring_year, form))
    if not outcome.ok:
        return _render_show(_load(year), 400, list(outcome.problems), import_form=form)
    summary = outcome.value
    flash(
        f"Загружены результаты {summary.imported} организаций за {summary.year} год"
        f"{f' (заменено прежних: {summary.replaced})' if summary.replaced else ''}. "
        f"Менее 50 %: {summary.flagged}.",
        "success",
    )
    return redirect(url_for("monitoring.show", year=year), code=303)


@bp.route("/<int:year>/clear", methods=["POST"])
@login_required
def clear(year: int):
    _require_admin()
    monitoring_year = _load(year)
    form = ClearForm()
    if not form.validate_on_submit():
        return _render_show(monitoring_year, 400, clear_form=form)
    outcome = attempt(
        lambda: service.clear_results(db(), current_user, monitoring_year, form.reason.data, runtime().now())
    )
    if not outcome.ok:
        flash(outcome.error, "error")
        return redirect(url_for("monitoring.show", year=year), code=303)
    count = outcome.value
    flash(
        f"Результаты за {year} год удалены ({count}). Теперь можно изменить критерии и загрузить файл заново.",
        "success",
    )
    return redirect(url_for("monitoring.show", year=year), code=303)
