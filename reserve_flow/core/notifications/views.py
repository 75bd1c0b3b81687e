"""In-app notifications: the user's list, marking read, and the unread count shown
in every page's header. Each notification is the user's own outbox row (channel
"inapp"); anyone else's is answered with 404."""

from __future__ import annotations

import json

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user

from reserve_flow.core.notifications import dispatch as notify
from reserve_flow.core.notifications.models import OutboxMessage
from reserve_flow.core.web import db, runtime
from reserve_flow.core.web.access import login_required
from reserve_flow.core.web.actions import attempt

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_context_processor
def _unread():
    if not current_user.is_authenticated:
        return {}
    return {"unread_notifications": notify.unread_count(db(), current_user)}


@bp.route("/")
@login_required
def index():
    rt = runtime()
    base_url = rt.settings["app"]["base_url"]
    items = []
    for message in notify.inbox(db(), current_user):
        rendered = notify.render(message, current_user, base_url)
        items.append(
            {
                "message": message,
                "title": rendered.subject,
                "summary": rendered.summary,
                "link": notify.link_path(json.loads(message.context or "{}")),
            }
        )
    return render_template("core/notifications/index.html", items=items)


def _own(message_id: int) -> OutboxMessage:
    message = db().get(OutboxMessage, message_id)
    if message is None or message.channel != "inapp" or message.recipient_id != current_user.id:
        abort(404)
    return message


@bp.route("/<int:message_id>/open", methods=["POST"])
@login_required
def open_(message_id: int):
    """Mark the notification read and go to its case (or back to the list)."""
    message = _own(message_id)
    attempt(lambda: notify.mark_read(db(), current_user, message.id, runtime().now()))
    link = notify.link_path(json.loads(message.context or "{}"))
    return redirect(link or url_for("notifications.index"), code=303)


@bp.route("/<int:message_id>/read", methods=["POST"])
@login_required
def read(message_id: int):
    message = _own(message_id)
    attempt(lambda: notify.mark_read(db(), current_user, message.id, runtime().now()))
    return redirect(url_for("notifications.index"), code=303)


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all():
    attempt(lambda: notify.mark_read(db(), current_user, None, runtime().now()))
    return redirect(url_for("notifications.index"), code=303)
