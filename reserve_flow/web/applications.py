"""Contest applications: the list a user may see, the case page, and its actions.

Every view checks the login and the object: an application the user may not see is
answered with 404, as if it did not exist. State changes go through
services.applications.fire_application (and so through the engine) only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError

from reserve_flow import workdays
from reserve_flow.models import Application, AuditEvent
from reserve_flow.documents.storage import DOCX
from reserve_flow.services import applications as service
from reserve_flow.services import documents as documents_service
from reserve_flow.workflow.errors import ConcurrentChange, TransitionDenied
from reserve_flow.web import db, runtime

bp = Blueprint("applications", __name__, url_prefix="/applications")

# Labels for audit events that are not workflow transitions.
EVENT_KIND_LABELS = {
    "personal_file_viewed": "Просмотр личного дела",
    "document_replaced": "Документ заменён после возврата",
}


def _language() -> str:
    return current_app.config.get("RESERVE_FLOW_LANGUAGE", "ru")


def _format_time(moment: datetime) -> str:
    return moment.astimezone(runtime().tz).strftime("%d.%m.%Y %H:%M")


def _format_size(size: int) -> str:
    """A file size the Russian way: 980 Б, 1,5 КБ, 2,3 МБ."""
    if size < 1024:
        return f"{size} Б"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} КБ".replace(".", ",")
    return f"{size / (1024 * 1024):.1f} МБ".replace(".", ",")


def deadline_text(status: service.DeadlineStatus | None) -> str:
    if status is None:
        return ""
    calendar = status.deadline.calendar if status.deadline is not None else "working"
    return workdays.left_text(status.days_left, status.expired, calendar)


@dataclass
class HistoryRow:
    time: str
    actor: str
    action: str
    from_label: str
    to_label: str
    reason: str | None


def _history_rows(events: list[AuditEvent]) -> list[HistoryRow]:
    definition = runtime().workflows.definitions["application"]
    language = _language()
    rows = []
    for event in events:
        if event.kind == "transition":
            transition = next((t for t in definition.transitions if t.trigger == event.trigger), None)
            action = transition.label(language) if transition else (event.trigger or "")
        else:
            action = EVENT_KIND_LABELS.get(event.kind, event.kind)
            file_name = json.loads(event.data or "{}").get("file")
            if file_name:
                action = f"{action}: {file_name}"
        state_from = definition.states.get(event.from_state or "")
        state_to = definition.states.get(event.to_state or "")
        rows.append(HistoryRow(
            time=_format_time(event.occurred_at),
            actor=event.actor_name,
            action=action,
            from_label=state_from.label(language) if state_from else "",
            to_label=state_to.label(language) if state_to else "",
            reason=event.reason,
        ))
    return rows


def _state_label(application: Application) -> str:
    state = runtime().workflows.definition_for(application).states.get(application.state)
    return state.label(_language()) if state else application.state


def _load_visible(application_id: int) -> Application:
    try:
        return service.get_visible(db(), current_user, application_id)
    except service.ApplicationNotFound:
        abort(404)


@bp.errorhandler(CSRFError)
def _csrf_error(_error: CSRFError):
    return render_template("applications/csrf_error.html"), 400


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
            "state_label": _state_label(a),
            "deadline": deadline_text(service.deadline_status(deadlines[a.id], now, rt.tz)) if a.id in deadlines else "",
        }
        for a in items
    ]
    return render_template("applications/index.html", rows=rows)


def _render_case(application: Application, *, error: str | None = None, status: int = 200,
                 reason: str = "", failed_trigger: str | None = None):
    """The case page. Opening someone else's application is logged as a personal-file access."""
    rt = runtime()
    session = db()
    service.record_view(rt, session, application, current_user)
    deadline = service.open_deadlines(session, [application.id]).get(application.id)
    status_of_deadline = service.deadline_status(deadline, rt.now(), rt.tz) if deadline else None
    kinds = {k.code: k for k in application.contest.document_kinds}
    present = {d.kind_code for d in application.documents}
    missing = [k.title for k in application.contest.document_kinds if k.mandatory and k.code not in present]
    language = _language()
    actions = [
        {"trigger": t.trigger, "label": t.label(language), "reason_required": t.reason_required}
        for t in rt.engine.available(application, current_user)
    ]
    return render_template(
        "applications/show.html",
        application=application,
        state_label=_state_label(application),
        deadline=status_of_deadline,
        deadline_text=deadline_text(status_of_deadline),
        documents=sorted(application.documents, key=lambda d: (kinds[d.kind_code].position if d.kind_code in kinds else 999, d.id)),
        kinds=kinds,
        missing=missing,
        history=_history_rows(service.history(session, application.id)),
        actions=actions,
        error=error,
        reason=reason,
        failed_trigger=failed_trigger,
        format_time=_format_time,
        format_size=_format_size,
        tz_name=str(rt.tz),
        is_owner=application.applicant_id == current_user.id,
        is_secretary=application.holds_role(current_user, "secretary"),
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
    try:
        expected_version = int(request.form.get("version", ""))
    except ValueError:
        abort(400)
    reason = request.form.get("reason", "")
    rt = runtime()
    session = db()
    try:
        service.fire_application(rt, session, application.id, trigger, current_user, reason, expected_version)
    except service.ApplicationNotFound:
        abort(404)
    except ConcurrentChange as exc:
        return _render_case(_load_visible(application_id), error=exc.message(_language()), status=409)
    except TransitionDenied as exc:
        return _render_case(_load_visible(application_id), error=exc.message(_language()), status=400,
                            reason=reason, failed_trigger=trigger)
    definition = rt.workflows.definition_for(application)
    transition = next((t for t in definition.transitions if t.trigger == trigger), None)
    label = transition.label(_language()) if transition else trigger
    flash(f"Выполнено: {label}. Состояние: {_state_label(application)}.", "success")
    return redirect(url_for("applications.show", application_id=application_id), code=303)


@bp.route("/<int:application_id>/documents/<int:document_id>")
@login_required
def document(application_id: int, document_id: int):
    """A stored document, to whoever may see the application (404 for anyone else).
    Shown in the browser (PDF, images) or, with ?download=1 and for DOCX, downloaded.
    A look by anyone but the owner is logged as a personal-file access."""
    try:
        record, path = documents_service.open_document(runtime(), db(), current_user, application_id, document_id)
    except (service.ApplicationNotFound, documents_service.DocumentNotFound):
        abort(404)
    as_attachment = request.args.get("download") == "1" or record.content_type == DOCX
    response = send_file(path, mimetype=record.content_type, as_attachment=as_attachment,
                         download_name=record.original_name, etag=False, max_age=0)
    # The type was checked from the bytes at upload; never let a browser guess another.
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cache-Control"] = "private, no-store"
    return response
