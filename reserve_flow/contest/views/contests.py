"""The secretary's contests: create, edit while still a draft or announced, move the
contest through its workflow, extend acceptance. The commission sees its contests."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import (
    DateField,
    FieldList,
    FloatField,
    Form,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from reserve_flow.contest.models.contests import Application, Contest
from reserve_flow.contest.services import contests as service
from reserve_flow.core.web import db, runtime, workflow_ui
from reserve_flow.core.web.access import login_required
from reserve_flow.core.web.actions import attempt
from reserve_flow.core.web.format import format_date
from reserve_flow.core.web.forms import FireForm
from reserve_flow.organizations.models.organizations import ORGANIZATION_KINDS
from reserve_flow.people.models import User, UserRole

bp = Blueprint("contests", __name__, url_prefix="/contests")

DOCUMENT_CHOICES = [("mandatory", "обязательный"), ("optional", "по желанию"), ("none", "не требуется")]
REQUIRED = "Заполните это поле"


class CriterionForm(Form):
    name = StringField("Критерий", validators=[Optional()])
    max_score = IntegerField("Максимальный балл", default=10, validators=[Optional(), NumberRange(1, 100)])
    weight = FloatField("Вес", default=1.0, validators=[Optional(), NumberRange(0.1, 10)])


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ContestForm(FlaskForm):
    version = IntegerField(widget=widgets.HiddenInput(), validators=[Optional()])
    title = StringField("Название конкурса", validators=[DataRequired(REQUIRED)])
    announcement = TextAreaField("Текст объявления", validators=[DataRequired(REQUIRED)])
    contacts = TextAreaField("Контакты для справок")
    organization_kinds = MultiCheckboxField(
        "Для каких организаций формируется резерв",
        choices=[(k, v["ru"]) for k, v in ORGANIZATION_KINDS.items()],
        validators=[DataRequired("Выберите хотя бы один вид организаций")],
    )
    required_education = StringField("Требования к образованию", default="высшее образование")
    min_teaching_years = IntegerField(
        "Педагогический стаж, лет, не менее", default=3, validators=[InputRequired(REQUIRED), NumberRange(0, 60)]
    )
    min_management_years = IntegerField(
        "Стаж руководящей работы, лет, не менее", default=0, validators=[InputRequired(REQUIRED), NumberRange(0, 60)]
    )
    accept_from = DateField("Приём заявлений с", validators=[DataRequired("Укажите дату")])
    accept_to = DateField("Приём заявлений по", validators=[DataRequired("Укажите дату")])
    check_period_days = IntegerField(
        "Проверка документов, рабочих дней", default=5, validators=[InputRequired(REQUIRED), NumberRange(1, 60)]
    )
    fix_period_days = IntegerField(
        "Исправление замечаний, рабочих дней", default=5, validators=[InputRequired(REQUIRED), NumberRange(1, 60)]
    )
    vote_period_days = IntegerField(
        "Оценка и голосование, рабочих дней", default=5, validators=[InputRequired(REQUIRED), NumberRange(1, 60)]
    )
    assessment_date = DateField("Дата заседания (оценки)", validators=[Optional()])
    quorum_numerator = IntegerField("Кворум: числитель", default=2, validators=[InputRequired(REQUIRED)])
    quorum_denominator = IntegerField("Кворум: знаменатель", default=3, validators=[InputRequired(REQUIRED)])
    reserve_term_years = IntegerField(
        "Срок пребывания в резерве, лет", default=3, validators=[InputRequired(REQUIRED), NumberRange(1, 10)]
    )
    chair_id = SelectField("Председатель комиссии", coerce=int)
    member_ids = MultiCheckboxField("Члены комиссии", coerce=int)
    criteria = FieldList(FormField(CriterionForm), min_entries=5)


for _code, _title, _mandatory in service.STANDARD_DOCUMENT_KINDS:
    setattr(
        ContestForm,
        f"doc_{_code}",
        SelectField(_title, choices=DOCUMENT_CHOICES, default="mandatory" if _mandatory else "optional"),
    )


class ExtendForm(FlaskForm):
    version = IntegerField(widget=widgets.HiddenInput())
    accept_to = DateField("Новая дата окончания приёма", validators=[DataRequired("Укажите дату")])
    reason = TextAreaField("Причина продления", validators=[DataRequired("Укажите причину продления")])


def _users_with(role: str) -> list[User]:
    return list(
        db().scalars(
            select(User).join(UserRole).where(UserRole.role == role, User.active.is_(True)).order_by(User.full_name)
        )
    )


def _contest_form(contest: Contest | None = None) -> ContestForm:
    form = ContestForm(obj=contest) if request.method == "GET" and contest else ContestForm()
    form.chair_id.choices = [(0, "— не назначен —")] + [(u.id, u.full_name) for u in _users_with("chair")]
    form.member_ids.choices = [(u.id, u.full_name) for u in _users_with("member")]
    if request.method == "GET" and contest:
        form.organization_kinds.data = contest.organization_kinds.split(",")
        form.chair_id.data = contest.chair_id or 0
        form.member_ids.data = [s.user_id for s in contest.seats]
        kinds = {k.code: k for k in contest.document_kinds}
        for code, _, _ in service.STANDARD_DOCUMENT_KINDS:
            kind = kinds.get(code)
            getattr(form, f"doc_{code}").data = (
                "none" if kind is None else ("mandatory" if kind.mandatory else "optional")
            )
        while len(form.criteria.entries):
            form.criteria.pop_entry()
        for criterion in contest.criteria:
            form.criteria.append_entry(
                {"name": criterion.name, "max_score": criterion.max_score, "weight": criterion.weight}
            )
        while len(form.criteria.entries) < len(contest.criteria) + 2:
            form.criteria.append_entry()
    return form


def _data(form: ContestForm) -> service.ContestData:
    return service.ContestData(
        title=form.title.data or "",
        announcement=form.announcement.data or "",
        contacts=form.contacts.data or "",
        organization_kinds=list(form.organization_kinds.data or []),
        required_education=form.required_education.data or "",
        min_teaching_years=form.min_teaching_years.data,
        min_management_years=form.min_management_years.data,
        accept_from=form.accept_from.data,
        accept_to=form.accept_to.data,
        check_period_days=form.check_period_days.data,
        fix_period_days=form.fix_period_days.data,
        vote_period_days=form.vote_period_days.data,
        assessment_date=form.assessment_date.data,
        quorum_numerator=form.quorum_numerator.data,
        quorum_denominator=form.quorum_denominator.data,
        reserve_term_years=form.reserve_term_years.data,
        chair_id=form.chair_id.data or None,
        member_ids=list(form.member_ids.data or []),
        document_kinds={
            code: getattr(form, f"doc_{code}").data
            for code, _, _ in service.STANDARD_DOCUMENT_KINDS
            if getattr(form, f"doc_{code}").data != "none"
        },
        criteria=[
            service.CriterionData(e.form.name.data.strip(), e.form.max_score.data or 0, e.form.weight.data or 0)
            for e in form.criteria.entries
            if (e.form.name.data or "").strip()
        ],
    )


def _load(contest_id: int) -> Contest:
    return service.get_visible(db(), current_user, contest_id)


def _require_secretary() -> None:
    if not current_user.has_role("secretary"):
        abort(404)


@bp.route("/")
@login_required
def index():
    contests = service.visible_contests(db(), current_user)
    return render_template(
        "contest/contests/index.html", contests=contests, state_label=lambda c: workflow_ui.state_label(runtime(), c)
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    _require_secretary()
    form = _contest_form()
    status = 200
    if form.validate_on_submit():
        outcome = attempt(lambda: service.create_contest(runtime(), db(), current_user, _data(form)))
        if outcome.ok:
            flash("Конкурс создан. Проверьте условия и объявите его.", "success")
            return redirect(url_for("contests.show", contest_id=outcome.value.id), code=303)
        flash(outcome.error, "error")
        status = outcome.status
    elif request.method == "POST":
        status = 400
    return render_template("contest/contests/form.html", form=form, contest=None), status


@bp.route("/<int:contest_id>/edit", methods=["GET", "POST"])
@login_required
def edit(contest_id: int):
    contest = _load(contest_id)
    if not contest.holds_role(current_user, "secretary"):
        abort(404)
    form = _contest_form(contest)
    status = 200
    if form.validate_on_submit():
        outcome = attempt(
            lambda: service.update_contest(
                runtime(), db(), contest_id, current_user, _data(form), form.version.data or 0
            )
        )
        if outcome.ok:
            flash("Изменения сохранены.", "success")
            return redirect(url_for("contests.show", contest_id=contest.id), code=303)
        flash(outcome.error, "error")
        status = outcome.status
    elif request.method == "POST":
        status = 400
    return render_template("contest/contests/form.html", form=form, contest=contest), status


def _render_show(
    contest: Contest,
    status: int = 200,
    error: str | None = None,
    extend_form: ExtendForm | None = None,
    reason: str = "",
    failed_trigger: str | None = None,
):
    rt = runtime()
    session = db()
    counts = dict(
        session.execute(
            select(Application.state, func.count())
            .where(Application.contest_id == contest.id)
            .group_by(Application.state)
        ).all()
    )
    application_states = rt.workflows.definitions["application"].states
    extend_form = extend_form or ExtendForm(formdata=None, version=contest.version, accept_to=contest.accept_to)
    return render_template(
        "contest/contests/show.html",
        contest=contest,
        state_label=workflow_ui.state_label(rt, contest),
        actions=workflow_ui.actions(rt, contest, current_user),
        can_extend=any(t.trigger == "extend_acceptance" for t in rt.engine.available(contest, current_user)),
        can_edit=contest.holds_role(current_user, "secretary") and contest.state in service.EDITABLE_STATES,
        history=workflow_ui.history(rt, session, contest),
        counts=[(application_states[s].label(), n) for s, n in counts.items() if s in application_states],
        organization_kinds=[
            ORGANIZATION_KINDS[k]["ru"] for k in contest.organization_kinds.split(",") if k in ORGANIZATION_KINDS
        ],
        extend_form=extend_form,
        error=error,
        reason=reason,
        failed_trigger=failed_trigger,
    ), status


@bp.route("/<int:contest_id>")
@login_required
def show(contest_id: int):
    return _render_show(_load(contest_id))


@bp.route("/<int:contest_id>/fire/<trigger>", methods=["POST"])
@login_required
def fire(contest_id: int, trigger: str):
    contest = _load(contest_id)
    form = FireForm()
    if not form.validate_on_submit():
        abort(400)
    reason = form.reason.data or ""
    rt = runtime()
    outcome = attempt(
        lambda: service.fire_contest(rt, db(), current_user, contest_id, trigger, reason, form.version.data)
    )
    if not outcome.ok:
        if outcome.status == 409:
            return _render_show(_load(contest_id), 409, outcome.error)
        return _render_show(_load(contest_id), outcome.status, outcome.error, reason=reason, failed_trigger=trigger)
    flash(
        f"Выполнено: {workflow_ui.action_label(rt, contest, trigger)}. "
        f"Состояние: {workflow_ui.state_label(rt, contest)}.",
        "success",
    )
    return redirect(url_for("contests.show", contest_id=contest_id), code=303)


@bp.route("/<int:contest_id>/extend", methods=["POST"])
@login_required
def extend(contest_id: int):
    contest = _load(contest_id)
    form = ExtendForm()
    if not form.validate_on_submit():
        return _render_show(contest, 400, "Укажите новую дату и причину продления.", extend_form=form)
    outcome = attempt(
        lambda: service.extend_acceptance(
            runtime(), db(), contest_id, current_user, form.accept_to.data, form.reason.data, form.version.data or 0
        )
    )
    if not outcome.ok:
        return _render_show(_load(contest_id), outcome.status, outcome.error, extend_form=form)
    flash(f"Приём заявлений продлён до {format_date(form.accept_to.data)}.", "success")
    return redirect(url_for("contests.show", contest_id=contest_id), code=303)
