"""Contest applications: the list a user may see, the case page, and its actions.

Every view checks the login and the object: an application the user may not see is
answered with 404, as if it did not exist. State changes go through
services.applications.fire_application (and so through the engine) only.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from reserve_flow.contest import access
from reserve_flow.contest.models.contests import Application
from reserve_flow.contest.services import applications as service
from reserve_flow.contest.services import documents as documents_service
from reserve_flow.core import workdays
from reserve_flow.core.audit.views import label_event_kinds
from reserve_flow.core.web import db, runtime, workflow_ui
from reserve_flow.core.web.access import login_required
from reserve_flow.core.web.actions import attempt
from reserve_flow.core.web.downloads import send_stored
from reserve_flow.core.web.forms import FireForm

bp = Blueprint("applications", __name__, url_prefix="/applications")

label_event_kinds(
    {
        "protocol_generated": "Сформирован протокол",
        "document_replaced": "Документ заменён после возврата",
        "conflict_of_interest_declared": "Заявлен конфликт интересов (самоотвод)",
        "scores_recorded": "Выставлены баллы",
        "vote_cast": "Подан голос",
        "attendance_marked": "Отмечено присутствие на заседании",
    },
    subjects={"contest": "Конкурс", "application": "Заявление", "application_assessment": "Оценка заявления"},
    data={
        "protocol_id": "Протокол (№ записи)",
        "document_id": "Документ (№ записи)",
        "kind": "Вид",
        "scores": "Баллы по критериям",
        "include": "За включение в резерв",
        "present": "Присутствовали (№ пользователей)",
        "absent": "Отсутствовали (№ пользователей)",
        "returned_documents": "Возвращённые документы (№)",
        "scored_by": "Оценили (№ пользователей)",
        "decision": "Решение",
        "requirement": "Требование",
    },
)


def deadline_text(status: service.DeadlineStatus | None) -> str:
    if status is None:
        return ""
    calendar = status.deadline.calendar if status.deadline is not None else "working"
    return workdays.left_text(status.days_left, status.expired, calendar)


def _load_visible(application_id: int) -> Application:
    return service.get_visible(db(), current_user, application_id)


@bp.route("/")
@login_required
def index():
    rt = runtime()
    session = db()
    items = service.visible_applications(session, current_user)
    deadlines = service.open_deadlines(session, [a.id for a in items])
    now = rt.now()
    rows = [
        {
            "application": a,
            "state_label": workflow_ui.state_label(rt, a),
            "deadline": deadline_text(service.deadline_status(deadlines[a.id], now, rt.tz))
            if a.id in deadlines
            else "",
        }
        for a in items
    ]
    return render_template("contest/applications/index.html", rows=rows)


def _render_case(
    application: Application,
    *,
    error: str | None = None,
    status: int = 200,
    reason: str = "",
    failed_trigger: str | None = None,
):
    """The case page. Opening someone else's application is logged as a personal-file access."""
    rt = runtime()
    session = db()
    service.record_view(rt, session, application, current_user)
    deadline = service.open_deadlines(session, [application.id]).get(application.id)
    status_of_deadline = service.deadline_status(deadline, rt.now(), rt.tz) if deadline else None
    kinds = {k.code: k for k in application.contest.document_kinds}
    present = {d.kind_code for d in application.documents}
    missing = [k.title for k in application.contest.document_kinds if application.requires(k) and k.code not in present]
    return render_template(
        "contest/applications/show.html",
        application=application,
        state_label=workflow_ui.state_label(rt, application),
        deadline=status_of_deadline,
        deadline_text=deadline_text(status_of_deadline),
        documents=sorted(
            application.documents, key=lambda d: (kinds[d.kind_code].position if d.kind_code in kinds else 999, d.id)
        ),
        kinds=kinds,
        missing=missing,
        history=workflow_ui.history(rt, session, application),
        actions=workflow_ui.actions(rt, application, current_user),
        error=error,
        reason=reason,
        failed_trigger=failed_trigger,
        is_owner=application.applicant_id == current_user.id,
        is_secretary=application.holds_role(current_user, "secretary"),
        may_open=lambda d: access.may_open_document_file(current_user, application, d.kind_code),
    ), status


@bp.route("/<int:application_id>")
@login_required
def show(application_id: int):
    return _render_case(_load_visible(application_id))


@bp.route("/<int:application_id>/fire/<trigger>", methods=["POST"])
@login_required
def fire(application_id: int, trigger: str):
    """Fire one action. Denied: the page again with the reason why (400); the case
    changed since the form was shown: the current page with a conflict notice (409)."""
    application = _load_visible(application_id)
    form = FireForm()
    if not form.validate_on_submit():
        abort(400)
    reason = form.reason.data or ""
    rt = runtime()
    outcome = attempt(
        lambda: service.fire_application(rt, db(), application.id, trigger, current_user, reason, form.version.data)
    )
    if outcome.status == 409:
        return _render_case(_load_visible(application_id), error=outcome.error, status=409)
    if not outcome.ok:
        return _render_case(
            _load_visible(application_id),
            error=outcome.error,
            status=outcome.status,
            reason=reason,
            failed_trigger=trigger,
        )
    flash(
        f"Выполнено: {workflow_ui.action_label(rt, application, trigger)}. "
        f"Состояние: {workflow_ui.state_label(rt, application)}.",
        "success",
    )
    return redirect(url_for("applications.show", application_id=application_id), code=303)


@bp.route("/<int:application_id>/documents/<int:document_id>")
@login_required
def document(application_id: int, document_id: int):
    """A stored document, to whoever may see the application (404 for anyone else).
    Shown in the browser (PDF, images) or, with ?download=1 and for DOCX, downloaded.
    A look by anyone but the owner is logged as a personal-file access."""
    outcome = attempt(
        lambda: documents_service.open_document(runtime(), db(), current_user, application_id, document_id),
        refused_status=403,
    )
    if not outcome.ok:
        abort(outcome.status)
    record, path = outcome.value
    return send_stored(path, mimetype=record.content_type, name=record.original_name)
