"""The secretary's document check: the queue of submitted applications by deadline, and
per application a checklist per document with a viewer, and the three decisions
(admit; return for correction with a reason per document; refuse citing the
eligibility requirement not met).

Only the contest's own secretary opens an application here (404 for everyone else);
opening it is a personal-file access and is logged. Decisions go through
services.applications, and so through the engine.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from reserve_flow.contest.models.contests import Application
from reserve_flow.contest.services import applicants as applicants_service
from reserve_flow.contest.services import applications as service
from reserve_flow.contest.services import documents as documents_service
from reserve_flow.contest.views.applications import deadline_text
from reserve_flow.core.files.storage import ALLOWED_TYPES
from reserve_flow.core.web import db, runtime, workflow_ui
from reserve_flow.core.web.access import login_required
from reserve_flow.core.web.actions import attempt
from reserve_flow.core.web.forms import VersionForm, stale, strip_text
from reserve_flow.privacy.services import consents

bp = Blueprint("check", __name__, url_prefix="/check")

# Shown in the viewer; DOCX is downloaded instead.
VIEWABLE = {"application/pdf": "pdf", "image/jpeg": "image", "image/png": "image"}


class DecisionForm(VersionForm):
    """A decision on the application, on the version the checklist showed."""


class RefuseForm(DecisionForm):
    requirement = SelectField(
        "Какое требование не выполнено",
        validators=[DataRequired("Выберите требование, которому заявитель не соответствует")],
    )
    comment = TextAreaField("Пояснение", filters=[strip_text], validators=[Length(max=4000)])


def return_form(application: Application, from_request: bool = True) -> DecisionForm:
    """A form with a reason field per document: a filled one returns that document."""

    class ReturnForm(DecisionForm):
        comment = TextAreaField("Общий комментарий (по желанию)", filters=[strip_text], validators=[Length(max=4000)])

    for document in application.documents:
        setattr(
            ReturnForm,
            f"reason_{document.id}",
            TextAreaField("Причина возврата", filters=[strip_text], validators=[Length(max=2000)]),
        )
    return ReturnForm() if from_request else ReturnForm(formdata=None)


def _require_secretary() -> None:
    if not current_user.has_role("secretary"):
        abort(403)


def _load(application_id: int) -> Application:
    _require_secretary()
    return service.get_for_check(db(), current_user, application_id)


@bp.route("/")
@login_required
def queue():
    _require_secretary()
    rt = runtime()
    session = db()

    def rows(states):
        found = []
        for application, deadline in service.check_queue(session, current_user, states):
            status = service.deadline_status(deadline, rt.now(), rt.tz) if deadline else None
            found.append({"application": application, "deadline": status, "deadline_text": deadline_text(status)})
        return found

    return render_template("contest/check/queue.html", submitted=rows(("submitted",)), returned=rows(("returned",)))


def _refusal_choices(application: Application) -> list[SelectChoice]:
    return [SelectChoice("", "— выберите —")] + [
        SelectChoice(r.code, r.label) for r in applicants_service.requirements(application.contest)
    ]


def _render(
    application: Application,
    *,
    error: str | None = None,
    status: int = 200,
    returned_form: DecisionForm | None = None,
    refuse_form: RefuseForm | None = None,
):
    rt = runtime()
    session = db()
    service.record_view(rt, session, application, current_user)
    profile = applicants_service.profile_for_reading(session, application.applicant)
    deadline = service.open_deadlines(session, [application.id]).get(application.id)
    deadline_status = service.deadline_status(deadline, rt.now(), rt.tz) if deadline else None
    viewing = None
    view_id = request.args.get("view", type=int)
    if view_id is not None:
        viewing = next((d for d in application.documents if d.id == view_id), None)
    version = application.version
    returned_form = returned_form or return_form(application, from_request=False)
    refuse_form = refuse_form or RefuseForm(formdata=None)
    refuse_form.requirement.choices = _refusal_choices(application)
    for form in (returned_form, refuse_form):
        form.version.data = version
    kinds = documents_service.kinds_with_documents(application)
    return render_template(
        "contest/check/show.html",
        application=application,
        state_label=workflow_ui.state_label(runtime(), application),
        deadline=deadline_status,
        deadline_text=deadline_text(deadline_status),
        profile=profile,
        requirements=applicants_service.requirements(application.contest, profile),
        kinds=kinds,
        missing=[k.title for k, files in kinds if application.requires(k) and not files],
        consent_withdrawn_at=consents.processing_withdrawn_at(db(), application.applicant_id),
        viewing=viewing,
        viewer_kind=VIEWABLE.get(viewing.content_type) if viewing else None,
        deciding=application.state == "submitted",
        admit_form=DecisionForm(formdata=None, version=version),
        return_form=returned_form,
        refuse_form=refuse_form,
        error=error,
        type_name=lambda content_type: ALLOWED_TYPES.get(content_type, (content_type,))[0],
    ), status


@bp.route("/<int:application_id>")
@login_required
def show(application_id: int):
    return _render(_load(application_id))


def _decided(application_id: int, call, **forms):
    """Run a decision; a refusal shows the checklist again with the reason and what the
    secretary typed (`forms`)."""
    outcome = attempt(call)
    if not outcome.ok:
        return _render(_load(application_id), error=outcome.error, status=outcome.status, **forms)
    application = _load(application_id)
    label = workflow_ui.state_label(runtime(), application)
    flash(f"Решение принято. Состояние заявления: {label}.", "success")
    return redirect(url_for("check.queue"), code=303)


@bp.route("/<int:application_id>/admit", methods=["POST"])
@login_required
def admit(application_id: int):
    application = _load(application_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    return _decided(
        application.id, lambda: service.admit(runtime(), db(), application.id, current_user, form.version.data)
    )


@bp.route("/<int:application_id>/return", methods=["POST"])
@login_required
def return_for_fix(application_id: int):
    application = _load(application_id)
    form = return_form(application)
    if not form.validate_on_submit():
        if stale(form):
            abort(400)
        return _render(application, error="Проверьте поля формы возврата.", status=400, returned_form=form)
    reasons = {d.id: getattr(form, f"reason_{d.id}").data or "" for d in application.documents}
    return _decided(
        application.id,
        lambda: service.return_for_fix(
            runtime(), db(), application.id, current_user, form.version.data, reasons, form.comment.data or ""
        ),
        returned_form=form,
    )


@bp.route("/<int:application_id>/refuse", methods=["POST"])
@login_required
def refuse(application_id: int):
    application = _load(application_id)
    form = RefuseForm()
    form.requirement.choices = _refusal_choices(application)
    if not form.validate_on_submit():
        if stale(form):
            abort(400)
        return _render(
            application,
            error="; ".join(form.requirement.errors or ["Проверьте поля формы отказа."]),
            status=400,
            refuse_form=form,
        )
    return _decided(
        application.id,
        lambda: service.refuse(
            runtime(),
            db(),
            application.id,
            current_user,
            form.version.data,
            form.requirement.data,
            form.comment.data or "",
        ),
        refuse_form=form,
    )
