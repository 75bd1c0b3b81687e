"""The programme for forming the reserve (roadmap item 11): its period, targets and
events, the actual values beside the targets with a chart, and the yearly report
(XLSX, PDF). The HR officer keeps it; administrators see it. 404 for anyone else."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import Optional

from reserve_flow.core.web import db, runtime
from reserve_flow.core.web.access import login_required
from reserve_flow.core.web.actions import submit
from reserve_flow.core.web.forms import RussianForm, kept
from reserve_flow.reserve import access, charts, programme_report
from reserve_flow.reserve.services import programme as service

bp = Blueprint("programme", __name__, url_prefix="/programme")


@bp.app_template_filter("num")
def _num(value):
    return programme_report.format_number(value)


class ProgrammeForm(RussianForm):
    # The service checks the title and the period and says what is wrong with them.
    title = StringField("Название")
    first_year = IntegerField("Первый год", validators=[Optional()])
    last_year = IntegerField("Последний год", validators=[Optional()])
    approved_by = StringField("Чем утверждена")


class EventForm(RussianForm):
    year = IntegerField("Год", validators=[Optional()])
    title = StringField("Мероприятие")
    planned_on = DateField("Планируемая дата", validators=[Optional()])
    responsible = StringField("Ответственный")


class HeldForm(RussianForm):
    held_on = DateField("Дата проведения", validators=[Optional()])
    note = TextAreaField("Примечание")


def targets_form(programme) -> FlaskForm:
    """One text field per indicator and year of the programme, posted as t:<code>:<year>;
    the service reads the numbers and says which of them are not."""

    class TargetsForm(RussianForm):
        pass

    for code in service.INDICATORS:
        for year in programme.years:
            setattr(TargetsForm, f"t_{code}_{year}", StringField(name=f"t:{code}:{year}"))
    return TargetsForm()


def _target_values(form: FlaskForm) -> dict[tuple[str, int], str]:
    values = {}
    for field in form:
        if field.name.startswith("t:") and field.raw_data:
            _, code, year = field.name.split(":", 2)
            values[(code, int(year))] = field.data or ""
    return values


def _load(programme_id: int):
    return service.get(db(), current_user, programme_id)


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    if not access.may_view_programme(current_user):
        abort(404)
    error = None
    form = ProgrammeForm()
    if request.method == "POST":
        outcome = submit(
            form,
            lambda: service.create(
                runtime(),
                db(),
                current_user,
                form.title.data or "",
                form.first_year.data,
                form.last_year.data,
                form.approved_by.data or "",
            ),
        )
        if outcome.ok:
            flash("Программа создана: задайте целевые значения показателей.", "success")
            return redirect(url_for("programme.show", programme_id=outcome.value.id), code=303)
        error = outcome.error
    return render_template(
        "reserve/programme/index.html",
        programmes=service.programmes(db()),
        error=error,
        may_manage=access.may_manage_programme(current_user),
        form=kept(form) if error else {},
    ), 400 if error else 200


def _page(programme, error: str | None = None, status: int = 200, form: dict | None = None):
    rt = runtime()
    today = rt.now().astimezone(rt.tz).date()
    by_year = service.table(rt, db(), programme, today)
    chart_rows = [
        (
            code,
            indicator,
            charts.bars(
                indicator.name,
                indicator.unit,
                [(year, by_year[year][i].target, by_year[year][i].actual.value) for year in programme.years],
            ),
        )
        for i, (code, indicator) in enumerate(service.INDICATORS.items())
    ]
    targets = {(t.indicator, t.year): t.value for t in programme.targets}
    return render_template(
        "reserve/programme/show.html",
        programme=programme,
        by_year=by_year,
        charts=chart_rows,
        targets=targets,
        indicators=service.INDICATORS,
        today=today,
        may_manage=access.may_manage_programme(current_user),
        error=error,
        form=form or {},
    ), status


@bp.route("/<int:programme_id>")
@login_required
def show(programme_id: int):
    return _page(_load(programme_id))


def _act(programme_id: int, form: FlaskForm, action, done: str):
    """Validate the form, then run the action: a bad field or a refusal shows the page
    again with the reason and the input kept (400); success comes back with `done`."""
    _load(programme_id)  # a missing programme is 404 before its form is read
    outcome = submit(form, action)
    if not outcome.ok:
        return _page(_load(programme_id), outcome.error, outcome.status, kept(form) if outcome.status == 400 else None)
    flash(done, "success")
    return redirect(url_for("programme.show", programme_id=programme_id), code=303)


@bp.route("/<int:programme_id>/targets", methods=["POST"])
@login_required
def targets(programme_id: int):
    form = targets_form(_load(programme_id))
    return _act(
        programme_id,
        form,
        lambda: service.set_targets(runtime(), db(), current_user, programme_id, _target_values(form)),
        "Целевые значения сохранены.",
    )


@bp.route("/<int:programme_id>/events", methods=["POST"])
@login_required
def add_event(programme_id: int):
    form = EventForm()
    return _act(
        programme_id,
        form,
        lambda: service.add_event(
            runtime(),
            db(),
            current_user,
            programme_id,
            form.year.data,
            form.title.data or "",
            form.planned_on.data,
            form.responsible.data or "",
        ),
        "Мероприятие добавлено.",
    )


@bp.route("/<int:programme_id>/events/<int:event_id>/held", methods=["POST"])
@login_required
def event_held(programme_id: int, event_id: int):
    form = HeldForm()
    return _act(
        programme_id,
        form,
        lambda: service.mark_held(
            runtime(), db(), current_user, programme_id, event_id, form.held_on.data, form.note.data or ""
        ),
        "Отмечено проведение мероприятия.",
    )


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
