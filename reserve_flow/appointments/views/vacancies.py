"""The HR officer's pages for vacancies (issue 6, items 3-5): the list and the opening
form, a vacancy's page (its shortlist, the attestation, the order's draft and the
history), the side-by-side comparison of the shortlisted and the attestation's
signed document.

HR officers act; administrators read; anyone else is told the page does not exist.
Changes go through services.appointments: a refusal shows its Russian reason (400)
and changes nothing, a form older than the vacancy answers 409.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import Optional

from reserve_flow.appointments import access
from reserve_flow.appointments.models import (
    CONTRACT_YEARS,
    MAX_PROBATION_MONTHS,
    OPEN_STATES,
    PRE_HIRE_ITEMS,
    VACANCY_REASONS,
    Vacancy,
)
from reserve_flow.appointments.services import candidates as candidate_facts
from reserve_flow.appointments.services import vacancies as service
from reserve_flow.core import workdays
from reserve_flow.core.audit.views import label_event_kinds
from reserve_flow.core.deadlines.models import Deadline
from reserve_flow.core.errors import Refused
from reserve_flow.core.web import db, runtime, too_large_back_link, workflow_ui
from reserve_flow.core.web.access import login_required
from reserve_flow.core.web.actions import attempt, submit
from reserve_flow.core.web.downloads import send_stored
from reserve_flow.core.web.forms import RussianForm, UploadField, VersionForm, kept
from reserve_flow.organizations.models.organizations import HEAD_POSITIONS, Organization
from reserve_flow.people.models import User
from reserve_flow.reserve.models.membership import ACTIVE_STATES, ReserveMembership

bp = Blueprint("appointments", __name__)

_KINDS = {
    "candidate_added": "Кандидат из резерва включён в список",
    "direct_candidate_added": "Кандидат вне резерва включён в список (с обоснованием)",
    "candidate_withdrawn": "Кандидат исключён из списка",
    "attestation_recorded": "Внесены результаты аттестации",
    "pre_hire_document_recorded": "Внесён документ перед назначением",
    "labour_contract_recorded": "Внесён трудовой договор",
}
label_event_kinds(
    _KINDS,
    subjects={"appointment": "Вакансия"},
    data={
        "candidate_id": "Кандидат (№ записи)",
        "membership_id": "Членство в резерве (№)",
        "justification": "Обоснование",
        "session_id": "Аттестация (№ записи)",
        "attested": "Аттестован(а)",
        "held_on": "Дата проведения",
    },
)


@too_large_back_link(bp)
def _back_from_too_large(view_args: dict) -> tuple[str, str] | None:
    """A signed attestation document too large for the request: back to its vacancy."""
    if "vacancy_id" not in view_args:
        return None
    return url_for("appointments.show", vacancy_id=view_args["vacancy_id"]), "Вернуться к вакансии"


def _require_viewer() -> None:
    if not access.may_view_vacancies(current_user):
        abort(404)


def _load(vacancy_id: int) -> Vacancy:
    return service.get_vacancy(db(), current_user, vacancy_id)


# The service checks what is chosen and what is missing and names it in its refusal; the
# forms catch what cannot be read at all (a bad date or number).


class OpenForm(RussianForm):
    organization_id = IntegerField("Организация", validators=[Optional()])
    position = StringField("Должность")
    reason = StringField("Причина открытия вакансии")
    planned_on = DateField("Планируемая дата назначения", validators=[Optional()])
    reason_note = TextAreaField("Пояснение")


class MemberForm(RussianForm):
    membership_id = IntegerField("Член резерва", validators=[Optional()])


class DirectForm(RussianForm):
    user_id = IntegerField("Кандидат", validators=[Optional()])
    justification = TextAreaField("Обоснование")


class WithdrawForm(RussianForm):
    reason = TextAreaField("Причина")


class ReasonForm(VersionForm):
    reason = TextAreaField("Причина")


class SelectForm(VersionForm):
    candidate_id = IntegerField("Кандидат", validators=[Optional()])


class AttestationForm(VersionForm):
    held_on = DateField("Дата заседания", validators=[Optional()])
    members = TextAreaField("Состав комиссии")
    attested = StringField("Результат")
    conclusion = TextAreaField("Заключение")
    document = UploadField("Подписанный документ")


class PreHireForm(VersionForm):
    item = StringField("Документ")
    dated_on = DateField("Дата документа", validators=[Optional()])
    file = UploadField("Файл")


class ContractForm(VersionForm):
    # The service checks every rule and names each problem; the form only reads the fields.
    number = StringField("Номер трудового договора")
    signed_on = DateField("Дата заключения", validators=[Optional()])
    term = StringField("Срок договора")  # "indefinite" or the number of years
    probation_months = IntegerField("Испытательный срок, месяцев", validators=[Optional()])
    start_on = DateField("Дата начала работы", validators=[Optional()])


class DraftForm(VersionForm):
    grounds = TextAreaField("Основания")


def planned_left(vacancy: Vacancy) -> str:
    """Working days left until the planned date, while the vacancy is open."""
    if vacancy.state not in OPEN_STATES:
        return ""
    rt = runtime()
    return workdays.describe_left(rt.now(), workdays.end_of(vacancy.planned_on, rt.tz), rt.tz, "working")


# --- the list ---


def render_index(*, error: str | None = None, status: int = 200, form: dict | None = None):
    rt = runtime()
    session = db()
    rows = service.vacancies(session, current_user)
    rows.sort(key=lambda v: v.state not in OPEN_STATES)
    organizations = list(
        session.scalars(
            select(Organization)
            .where(Organization.active.is_(True))
            .order_by(Organization.kind, Organization.short_name)
        )
    )
    return render_template(
        "appointments/index.html",
        vacancies=rows,
        left={v.id: planned_left(v) for v in rows},
        state_label=lambda v: workflow_ui.state_label(rt, v),
        may_manage=access.may_manage_vacancies(current_user),
        organizations=organizations,
        reasons=VACANCY_REASONS,
        head_positions=HEAD_POSITIONS,
        form=form or {},
        error=error,
    ), status


@bp.route("/appointments")
@login_required
def index():
    _require_viewer()
    return render_index()


@bp.route("/appointments/open", methods=["POST"])
@login_required
def open_vacancy():
    _require_viewer()
    form = OpenForm()

    def opening():
        if form.planned_on.data is None:
            raise Refused("Укажите планируемую дату назначения.")
        return service.open_vacancy(
            runtime(),
            db(),
            current_user,
            organization_id=form.organization_id.data or 0,
            reason=form.reason.data or "",
            planned_on=form.planned_on.data,
            reason_note=form.reason_note.data or "",
            position=form.position.data or "",
        )

    outcome = submit(form, opening)
    if not outcome.ok:
        return render_index(
            error=outcome.error, status=outcome.status, form=kept(form) if outcome.status == 400 else None
        )
    flash(f"Открыта вакансия № {outcome.value.id}.", "success")
    return redirect(url_for("appointments.show", vacancy_id=outcome.value.id), code=303)


# --- a vacancy's page ---


def _stage_deadlines(vacancy: Vacancy) -> list[tuple[date, str]]:
    """The open deadlines of the current stage (the planned date is shown on its own):
    (the last day, how much is left)."""
    rt = runtime()
    found = db().scalars(
        select(Deadline)
        .where(
            Deadline.subject_type == service.SUBJECT_TYPE,
            Deadline.subject_id == vacancy.id,
            Deadline.scope != "workflow",
            Deadline.closed_at.is_(None),
        )
        .order_by(Deadline.due_at)
    )
    return [
        (workdays.last_day_of(d.due_at, rt.tz), workdays.describe_left(rt.now(), d.due_at, rt.tz, d.calendar))
        for d in found
    ]


def _direct_choices(vacancy: Vacancy) -> list[User]:
    """Active users outside the active reserve and not already on the list."""
    session = db()
    in_reserve = set(
        session.scalars(select(ReserveMembership.user_id).where(ReserveMembership.state.in_(ACTIVE_STATES)))
    )
    listed = {c.user_id for c in vacancy.candidates}
    return [
        u
        for u in session.scalars(select(User).where(User.active.is_(True)).order_by(User.full_name))
        if u.id not in in_reserve and u.id not in listed
    ]


def render_vacancy(
    vacancy: Vacancy,
    *,
    error: str | None = None,
    status: int = 200,
    failed: str | None = None,
    form: dict | None = None,
):
    rt = runtime()
    session = db()
    manage = access.may_manage_vacancies(current_user)
    editable = manage and vacancy.state in ("open", "shortlisted")
    selected = vacancy.selected
    passed = selected is not None and any(s.attested for s in vacancy.attestations if s.candidate_id == selected.id)
    actions = workflow_ui.actions(rt, vacancy, current_user)
    order = vacancy.order
    return render_template(
        "appointments/show.html",
        vacancy=vacancy,
        state_label=workflow_ui.state_label(rt, vacancy),
        planned_left=planned_left(vacancy),
        stage_deadlines=_stage_deadlines(vacancy),
        facts=candidate_facts.for_candidates(rt, session, vacancy.candidates),
        eligible=candidate_facts.for_members(rt, session, service.eligible_members(rt, session, vacancy))
        if editable
        else [],
        direct_choices=_direct_choices(vacancy) if editable else [],
        position_kinds=HEAD_POSITIONS,
        may_manage=manage,
        editable=editable,
        selected=selected,
        passed=passed,
        not_selectable=service.not_selectable(rt, session, vacancy),
        blocked={a.trigger: a.blocked for a in actions},
        may_cancel=any(a.trigger == "cancel" for a in actions),
        default_grounds=service.default_grounds(session, vacancy) if passed else "",
        contract_years=CONTRACT_YEARS,
        max_probation=MAX_PROBATION_MONTHS,
        pre_hire_items=PRE_HIRE_ITEMS,
        criminal_record_max_age=service.criminal_record_max_age(rt),
        start_passed=order is not None and not order.issued and order.start_on < rt.now().astimezone(rt.tz).date(),
        history=workflow_ui.history(rt, session, vacancy),
        is_admin=current_user.has_role("admin"),
        error=error,
        failed=failed,
        form=form or {},
    ), status


@bp.route("/appointments/<int:vacancy_id>")
@login_required
def show(vacancy_id: int):
    return render_vacancy(_load(vacancy_id))


def act(vacancy_id: int, failed: str, form: FlaskForm, action: Callable[[], Any], done: str | Callable[[], str]):
    """Validate the form, then run a service action: on a bad field or a refusal the page
    again with the reason and the form kept (400), on a conflict with a notice (409), else
    back to the page with `done`. A form the page could not have sent is answered 400."""
    _load(vacancy_id)  # a missing or foreign vacancy is 404 before its form is read
    outcome = submit(form, action)
    if outcome.ok:
        flash(done() if callable(done) else done, "success")
        return redirect(url_for("appointments.show", vacancy_id=vacancy_id), code=303)
    return render_vacancy(
        _load(vacancy_id),
        error=outcome.error,
        status=outcome.status,
        failed=failed,
        form=kept(form) if outcome.status == 400 else None,
    )


@bp.route("/appointments/<int:vacancy_id>/members", methods=["POST"])
@login_required
def add_member(vacancy_id: int):
    form = MemberForm()
    return act(
        vacancy_id,
        "add_member",
        form,
        lambda: service.add_member(runtime(), db(), current_user, vacancy_id, form.membership_id.data or 0),
        "Член резерва включён в список кандидатов.",
    )


@bp.route("/appointments/<int:vacancy_id>/direct", methods=["POST"])
@login_required
def add_direct(vacancy_id: int):
    form = DirectForm()
    return act(
        vacancy_id,
        "add_direct",
        form,
        lambda: service.add_direct(
            runtime(), db(), current_user, vacancy_id, form.user_id.data or 0, form.justification.data or ""
        ),
        "Кандидат вне резерва включён в список; обоснование сохранено.",
    )


@bp.route("/appointments/<int:vacancy_id>/candidates/<int:candidate_id>/withdraw", methods=["POST"])
@login_required
def withdraw(vacancy_id: int, candidate_id: int):
    form = WithdrawForm()
    return act(
        vacancy_id,
        f"withdraw-{candidate_id}",
        form,
        lambda: service.withdraw_candidate(
            runtime(), db(), current_user, vacancy_id, candidate_id, form.reason.data or ""
        ),
        "Кандидат исключён из списка.",
    )


@bp.route("/appointments/<int:vacancy_id>/confirm", methods=["POST"])
@login_required
def confirm(vacancy_id: int):
    form = VersionForm()
    return act(
        vacancy_id,
        "confirm",
        form,
        lambda: service.confirm_shortlist(runtime(), db(), current_user, vacancy_id, form.version.data),
        "Список кандидатов утверждён.",
    )


@bp.route("/appointments/<int:vacancy_id>/select", methods=["POST"])
@login_required
def select_candidate(vacancy_id: int):
    form = SelectForm()
    return act(
        vacancy_id,
        "select",
        form,
        lambda: service.select_candidate(
            runtime(), db(), current_user, vacancy_id, form.version.data, form.candidate_id.data or 0
        ),
        "Кандидат выбран и направлен на аттестацию.",
    )


@bp.route("/appointments/<int:vacancy_id>/attestation", methods=["POST"])
@login_required
def attestation(vacancy_id: int):
    form = AttestationForm()

    def record():
        if form.held_on.data is None:
            raise service.AppointmentRefused("Укажите дату заседания аттестационной комиссии.")
        if form.attested.data not in ("yes", "no"):
            raise service.AppointmentRefused("Укажите результат: аттестован или не аттестован.")
        upload = form.document.data
        if upload is None:
            raise service.AppointmentRefused(
                "Приложите подписанный документ аттестационной комиссии (PDF, JPEG, PNG или DOCX)."
            )
        return service.record_attestation(
            runtime(),
            db(),
            current_user,
            vacancy_id,
            form.version.data,
            held_on=form.held_on.data,
            members=form.members.data or "",
            attested=form.attested.data == "yes",
            conclusion=form.conclusion.data or "",
            stream=upload.stream,
            filename=upload.filename,
        )

    def done() -> str:
        return (
            "Результаты аттестации внесены: кандидат аттестован."
            if form.attested.data == "yes"
            else "Результаты аттестации внесены: кандидат не аттестован, вакансия возвращена к списку кандидатов."
        )

    return act(vacancy_id, "attestation", form, record, done)


@bp.route("/appointments/<int:vacancy_id>/selected/withdraw", methods=["POST"])
@login_required
def withdraw_selected(vacancy_id: int):
    form = ReasonForm()
    return act(
        vacancy_id,
        "withdraw_selected",
        form,
        lambda: service.withdraw_selected(
            runtime(), db(), current_user, vacancy_id, form.version.data, form.reason.data or ""
        ),
        "Выбранный кандидат исключён; вакансия возвращена к списку кандидатов.",
    )


@bp.route("/appointments/<int:vacancy_id>/attestations/<int:session_id>/document")
@login_required
def attestation_document(vacancy_id: int, session_id: int):
    """The signed attestation document; each look is logged as a personal-file access."""
    record, path = attempt(
        lambda: service.open_attestation_document(runtime(), db(), current_user, vacancy_id, session_id)
    ).value
    return send_stored(path, mimetype=record.document_content_type, name=record.document_name)


@bp.route("/appointments/<int:vacancy_id>/pre-hire", methods=["POST"])
@login_required
def pre_hire(vacancy_id: int):
    form = PreHireForm()

    def record():
        upload = form.file.data
        return service.record_pre_hire(
            runtime(),
            db(),
            current_user,
            vacancy_id,
            form.version.data,
            item=form.item.data or "",
            dated_on=form.dated_on.data,
            stream=upload.stream if upload else None,
            filename=upload.filename if upload else "",
        )

    return act(vacancy_id, "pre_hire", form, record, lambda: f"Внесено: {form_label(form.item.data)}.")


def form_label(item: str | None) -> str:
    return PRE_HIRE_ITEMS.get(item or "", "документ")


@bp.route("/appointments/<int:vacancy_id>/contract", methods=["POST"])
@login_required
def contract(vacancy_id: int):
    form = ContractForm()

    def record():
        term = (form.term.data or "").strip()
        if term != "indefinite" and not term.isdigit():
            raise service.AppointmentRefused("Укажите срок трудового договора: от 1 до 5 лет или неопределённый срок.")
        return service.record_contract(
            runtime(),
            db(),
            current_user,
            vacancy_id,
            form.version.data,
            number=form.number.data or "",
            signed_on=form.signed_on.data,
            term_years=None if term == "indefinite" else int(term),
            probation_months=form.probation_months.data if form.probation_months.data is not None else 0,
            start_on=form.start_on.data,
        )

    return act(vacancy_id, "contract", form, record, "Трудовой договор внесён.")


@bp.route("/appointments/<int:vacancy_id>/draft", methods=["POST"])
@login_required
def draft(vacancy_id: int):
    form = DraftForm()
    return act(
        vacancy_id,
        "draft",
        form,
        lambda: service.draft_order(
            runtime(), db(), current_user, vacancy_id, form.version.data, grounds=form.grounds.data or ""
        ),
        "Проект приказа подготовлен.",
    )


@bp.route("/appointments/<int:vacancy_id>/revise", methods=["POST"])
@login_required
def revise_draft(vacancy_id: int):
    form = ReasonForm()
    return act(
        vacancy_id,
        "revise",
        form,
        lambda: service.revise_draft(
            runtime(), db(), current_user, vacancy_id, form.version.data, form.reason.data or ""
        ),
        "Проект приказа отозван для переделки: подготовьте новый проект для того же кандидата.",
    )


@bp.route("/appointments/<int:vacancy_id>/return", methods=["POST"])
@login_required
def return_to_shortlist(vacancy_id: int):
    form = ReasonForm()
    return act(
        vacancy_id,
        "return",
        form,
        lambda: service.return_to_shortlist(
            runtime(), db(), current_user, vacancy_id, form.version.data, form.reason.data or ""
        ),
        "Проект приказа отозван; вакансия возвращена к списку кандидатов.",
    )


@bp.route("/appointments/<int:vacancy_id>/cancel", methods=["POST"])
@login_required
def cancel(vacancy_id: int):
    form = ReasonForm()
    return act(
        vacancy_id,
        "cancel",
        form,
        lambda: service.cancel(runtime(), db(), current_user, vacancy_id, form.version.data, form.reason.data or ""),
        "Вакансия отменена.",
    )


# --- comparing the shortlisted ---


@bp.route("/appointments/<int:vacancy_id>/compare")
@login_required
def compare(vacancy_id: int):
    vacancy = _load(vacancy_id)
    shown = [c for c in vacancy.candidates if c.status != "withdrawn"]
    return render_template(
        "appointments/compare.html",
        vacancy=vacancy,
        candidates=shown,
        facts=candidate_facts.for_candidates(runtime(), db(), shown),
        not_selectable=service.not_selectable(runtime(), db(), vacancy),
        state_label=workflow_ui.state_label(runtime(), vacancy),
        # The print view: the page without the site's header and menu, printed by the browser's own command.
        print_view=request.args.get("print") == "1",
    )
