"""The administrator's audit journal: the events, newest first, with filters, and the
check of the hash chain; and the public page of the chain head and its checkpoints.
Each area names its own event kinds, subjects and data keys (label_event_kinds)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from reserve_flow.core.audit import journal as words
from reserve_flow.core.audit.chain import chain_head, verify_chain
from reserve_flow.core.audit.checkpoint import latest_checkpoints
from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.core.web import database_id, db, runtime, workflow_ui
from reserve_flow.core.web.access import admin_required, public

bp = Blueprint("audit", __name__, url_prefix="/admin")
public_bp = Blueprint("audit_public", __name__)

# The journal's names of event kinds (the filter's choices); each domain adds its own.
EVENT_KINDS = words.EVENT_KINDS


def label_event_kinds(
    labels: dict[str, str],
    *,
    history: dict[str, str] | None = None,
    subjects: dict[str, str] | None = None,
    data: dict[str, str] | None = None,
    access: tuple[str, ...] = (),
) -> None:
    """Name an area's own audit event kinds once: for the journal's filter and for the case
    histories (core/web/workflow_ui.py), which may word some of them as `history` says;
    the journal's names of its subject types («Пункт плана») and data keys; and which of
    its kinds are accesses to personal data (views, exports) for the journal's filter."""
    EVENT_KINDS.update(labels)
    workflow_ui.EVENT_KIND_LABELS.update({**labels, **(history or {})})
    words.SUBJECTS.update(subjects or {})
    words.DATA_KEYS.update(data or {})
    words.ACCESS_KINDS.update(access)


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
    if kind == words.ACCESS_FILTER:
        statement = statement.where(AuditEvent.kind.in_(sorted(words.ACCESS_KINDS)))
    elif kind:
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
    workflows = runtime().workflows
    return render_template(
        "core/audit/journal.html",
        events=events,
        rows=[words.present(e, workflows) for e in events],
        kinds={words.ACCESS_FILTER: "Доступ к персональным данным", **EVENT_KINDS},
        subjects=dict(
            sorted({**{d.subject: d.label_ru for d in workflows.definitions.values()}, **words.SUBJECTS}.items())
        ),
        kind=kind,
        subject_type=subject_type,
        event_id=event_id,
    )


@bp.route("/audit/verify", methods=["POST"])
@admin_required
def verify():
    result = verify_chain(db())
    if result.ok:
        erased = f" Персональные данные уничтожены в событиях: {result.erased}." if result.erased else ""
        flash(f"Цепочка журнала цела: проверено событий — {result.checked}.{erased}", "success")
    else:
        flash(f"Цепочка журнала НАРУШЕНА после {result.checked} целых событий: {result.problem}.", "error")
    return redirect(url_for("audit.journal"), code=303)


@public_bp.route("/audit/head")
@public
def head():
    """Public: the chain head and the latest signed checkpoints, so anyone can write them
    down; a later rewrite of the journal then contradicts the copies."""
    session = db()
    return render_template("core/audit/head.html", head=chain_head(session), checkpoints=latest_checkpoints(session))
