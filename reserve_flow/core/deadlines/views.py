"""Deadlines: the overview of the secretary and the HR officer, each user's own
deadlines with their private calendar (ICS) feed, and the feed itself.

The feed is fetched by calendar programs, which cannot log in: the secret token in
its URL is the credential; a new token (or none) revokes the old URL.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from reserve_flow.core.deadlines import services as service
from reserve_flow.core.web import db, runtime
from reserve_flow.core.web.access import login_required, public
from reserve_flow.core.web.actions import attempt

bp = Blueprint("deadlines", __name__, url_prefix="/deadlines")


@bp.route("/")
@login_required
def index():
    if not service.may_see_overview(current_user):
        abort(403)
    rows = service.overview(db(), runtime(), current_user, runtime().now())
    return render_template(
        "core/deadlines/index.html",
        overdue=[r for r in rows if r.overdue],
        upcoming=[r for r in rows if not r.overdue],
        district_wide=current_user.has_role("hr"),
    )


@bp.route("/mine")
@login_required
def mine():
    rt = runtime()
    rows = service.own_deadlines(db(), rt, current_user, rt.now())
    token = current_user.ics_token
    # The public address from the configuration: calendar programs fetch it from outside.
    base_url = rt.settings["app"]["base_url"].rstrip("/")
    feed_url = base_url + url_for("deadlines.feed", token=token) if token else None
    return render_template("core/deadlines/mine.html", rows=rows, feed_url=feed_url)


@bp.route("/mine/feed-token", methods=["POST"])
@login_required
def new_token():
    attempt(lambda: service.new_feed_token(db(), current_user))
    flash("Создана новая ссылка на календарь. Прежняя ссылка больше не работает.", "success")
    return redirect(url_for("deadlines.mine"), code=303)


@bp.route("/mine/feed-token/revoke", methods=["POST"])
@login_required
def revoke_token():
    attempt(lambda: service.revoke_feed_token(db(), current_user))
    flash("Ссылка на календарь отключена.", "success")
    return redirect(url_for("deadlines.mine"), code=303)


@bp.route("/feed/<token>.ics")
@public
def feed(token: str):
    rt = runtime()
    session = db()
    user = service.user_by_feed_token(session, token)
    if user is None:
        abort(404)
    now = rt.now()
    body = service.calendar_feed(rt, service.own_deadlines(session, rt, user, now), now)
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="deadlines.ics"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
