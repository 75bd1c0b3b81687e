"""The administrator's page of e-mails that could not be sent: those that failed
for good (refused by the server, or not built in smtp.max_attempts tries) and those
still waiting for another try; a failed one, or all of them, can be queued again."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from reserve_flow.core.actors import directory
from reserve_flow.core.notifications import dispatch as notify
from reserve_flow.core.web import db, runtime
from reserve_flow.core.web.access import admin_required
from reserve_flow.core.web.actions import attempt

bp = Blueprint("admin_outbox", __name__, url_prefix="/admin/outbox")


@bp.route("/")
@admin_required
def index():
    rt = runtime()
    session = db()
    rows = []
    for message in notify.undelivered(session):
        recipient = directory().get(session, message.recipient_id)
        rows.append(
            {
                "message": message,
                "recipient": recipient,
                "subject": notify.render(message, recipient, rt.settings["app"]["base_url"]).subject,
            }
        )
    return render_template(
        "core/notifications/undelivered.html",
        rows=rows,
        failed=sum(1 for row in rows if row["message"].status == "failed"),
    )


@bp.route("/<int:message_id>/retry", methods=["POST"])
@admin_required
def retry(message_id: int):
    # Not failed (any more) or not there: attempt() answers 404.
    message = attempt(lambda: notify.retry(db(), message_id, current_user, runtime().now())).value
    flash(f"Письмо № {message.id} снова в очереди на отправку.", "success")
    return redirect(url_for("admin_outbox.index"), code=303)


@bp.route("/retry-failed", methods=["POST"])
@admin_required
def retry_failed():
    count = attempt(lambda: notify.retry_all_failed(db(), current_user, runtime().now())).value
    flash(f"Снова в очереди на отправку писем: {count}.", "success")
    return redirect(url_for("admin_outbox.index"), code=303)
