"""The programme for forming the reserve (roadmap item 11): its period, targets and
events, the actual values beside the targets with a chart, and the yearly report
(XLSX, PDF). The HR officer keeps it; administrators see it. 404 for anyone else."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from reserve_flow.core.web import db, runtime
from reserve_flow.core.web.actions import attempt
from reserve_flow.reserve import charts, programme_report
from reserve_flow.reserve.services import programme as service
from reserve_flow.reserve.views.membership import parse_date

bp = Blueprint("programme", __name__, url_prefix="/programme")


@bp.app_template_filter("num")
def _num(value):
    return programme_report.format_number(value)


def _year(value: str | None) -> int | None:
    try:
        return int(value or "")
    except ValueError:
        return None


def _load(programme_id: int):
    try:
        return service.get(db(), current_user, programme_id)
    except service.ProgrammeNotFound:
        abort(404)


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    if not service.may_view(current_user):
        abort(404)
    error = None
    if request.method == "POST":
        form = request.form
        outcome = attempt(lambda: service.create(runtime(), db(), current_user, form.get("title", ""),
                                                 _year(form.get("first_year")), _year(form.get("last_year")),
                                                 form.get("approved_by", "")))
        if outcome.ok:
            flash("Программа создана: задайте целевые значения показателей.", "success")
            return redirect(url_for("programme.show", programme_id=outcome.value.id), code=303)
        error = outcome.error
    return render_template("reserve/programme/index.html", programmes=service.programmes(db()), error=error,
                           may_manage=service.may_manage(current_user),
                           form=request.form if error else {}), 400 if error else 200


def _page(programme, error: str | None = None, status: int = 200):
    rt = runtime()
    today = rt.now().astimezone(rt.tz).date()
    by_year = service.table(rt, db(), programme, today)
    chart_rows = [
        (code, indicator, charts.bars(indicator.name, indicator.unit,
                                      [(year, by_year[year][i].target, by_year[year][i].actual.value)
                                       for year in programme.years]))
        for i, (code, indicator) in enumerate(service.INDICATORS.items())]
    targets = {(t.indicator, t.year): t.value for t in programme.targets}
    return render_template(
        "reserve/programme/show.html", programme=programme, by_year=by_year, charts=chart_rows, targets=targets,
        indicators=service.INDICATORS, today=today, may_manage=service.may_manage(current_user), error=error,
        form=request.form if error else {},
    ), status


@bp.route("/<int:programme_id>")
@login_required
def show(programme_id: int):
    return _page(_load(programme_id))


def _act(programme_id: int, action, done: str):
    programme = _load(programme_id)
    outcome = attempt(action)
    if not outcome.ok:
        return _page(_load(programme.id), outcome.error, outcome.status)
    flash(done, "success")
    return redirect(url_for("programme.show", programme_id=programme_id), code=303)


@bp.route("/<int:programme_id>/targets", methods=["POST"])
@login_required
def targets(programme_id: int):
    values = {}
    for key, text in request.form.items():
        if key.startswith("t:"):
            _, code, year = key.split(":", 2)
            if (number := _year(year)) is not None:
                values[(code, number)] = text
    return _act(programme_id, lambda: service.set_targets(runtime(), db(), current_user, programme_id, values),
                "Целевые значения сохранены.")


@bp.route("/<int:programme_id>/events", methods=["POST"])
@login_required
def add_event(programme_id: int):
    form = request.form
    return _act(programme_id, lambda: service.add_event(
        runtime(), db(), current_user, programme_id, _year(form.get("year")), form.get("title", ""),
        parse_date(form.get("planned_on")), form.get("responsible", "")), "Мероприятие добавлено.")


@bp.route("/<int:programme_id>/events/<int:event_id>/held", methods=["POST"])
@login_required
def event_held(programme_id: int, event_id: int):
    form = request.form
    return _act(programme_id, lambda: service.mark_held(runtime(), db(), current_user, programme_id, event_id,
                                                        parse_date(form.get("held_on")), form.get("note", "")),
                "Отмечено проведение мероприятия.")


@bp.route("/<int:programme_id>/report/<int:year>.<kind>")
@login_required
def report(programme_id: int, year: int, kind: str):
    programme = _load(programme_id)
    if year not in programme.years or kind not in ("xlsx", "pdf"):
        abort(404)
    content = service.report_content(runtime(), db(), programme, year)
    service.audit_report(runtime(), db(), current_user, programme, year, kind)
    if kind == "xlsx":
        body = programme_report.render_xlsx(content)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = programme_report.render_pdf(content)
        mimetype = "application/pdf"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="programme-{programme.id}-{year}.{kind}"'
    return response
