"""The administrator's audit journal: the events, newest first, with filters, and the
check of the hash chain. Each area names its own event kinds (label_event_kinds)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from reserve_flow.core.audit import exports
from reserve_flow.core.audit.chain import verify_chain
from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.core.web import database_id, db, workflow_ui
from reserve_flow.core.web.access import admin_required

bp = Blueprint("audit", __name__, url_prefix="/admin")

# The journal's names of event kinds; each domain adds its own with label_event_kinds.
EVENT_KINDS = {
    "transition": "Шаг процесса",
    "personal_file_viewed": "Просмотр личного дела",
    "outbox_retried": "Письмо снова поставлено в очередь",
    exports.KIND: "Выгрузка персональных данных",
}


def label_event_kinds(labels: dict[str, str], *, history: dict[str, str] | None = None) -> None:
    """Name an area's own audit event kinds once: for the journal's filter and for the case
    histories (core/web/workflow_ui.py), which may word some of them as `history` says."""
    EVENT_KINDS.update(labels)
    workflow_ui.EVENT_KIND_LABELS.update({**labels, **(history or {})})


def recent_events(
    session: Session,
    *,
    kind: str = "",
    subject_type: str = "",
    limit: int = 200,
    before_seq: int | None = None,
    event_id: int | None = None,
) -> list[AuditEvent]:
    statement = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(limit)
    if event_id is not None:
        statement = statement.where(AuditEvent.id == event_id)
    if kind:
        statement = statement.where(AuditEvent.kind == kind)
    if subject_type:
        statement = statement.where(AuditEvent.subject_type == subject_type)
    if before_seq:
        statement = statement.where(AuditEvent.seq < before_seq)
    return list(session.scalars(statement))


@bp.route("/audit")
@admin_required
def journal():
    kind = request.args.get("kind", "")
    subject_type = request.args.get("subject", "")
    before = request.args.get("before", type=database_id)
    event_id = request.args.get("event", type=database_id)  # one event, as history pages link to it
    events = recent_events(db(), kind=kind, subject_type=subject_type, before_seq=before, event_id=event_id)
    return render_template(
        "core/audit/journal.html",
        events=events,
        kinds=EVENT_KINDS,
        kind=kind,
        subject_type=subject_type,
        event_id=event_id,
    )


@bp.route("/audit/verify", methods=["POST"])
@admin_required
def verify():
    result = verify_chain(db())
    if result.ok:
        flash(f"Цепочка журнала цела: проверено событий — {result.checked}.", "success")
    else:
        flash(f"Цепочка журнала НАРУШЕНА после {result.checked} целых событий: {result.problem}.", "error")
    return redirect(url_for("audit.journal"), code=303)
