"""History pages (issue 6, item 7): a person's path from application to appointment.
The organization's timeline is part of the organization's page (organizations/views/organizations.py).

Who sees which path, and which of its details, is history.access. Opening someone
else's path is a personal-file view and is audited. The links into the audit journal
are shown to administrators only (the journal is theirs)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from reserve_flow.core.web import db, runtime
from reserve_flow.core.web.access import login_required
from reserve_flow.history import access
from reserve_flow.history import services as service

bp = Blueprint("history", __name__)


@bp.route("/people/<int:user_id>/path")
@login_required
def person_path(user_id: int):
    session = db()
    person = service.get_person(session, current_user, user_id)
    rt = runtime()
    service.record_view(rt, session, person, current_user)
    return render_template(
        "history/path.html",
        person=person,
        steps=service.person_path(rt, session, person, current_user),
        own=person.id == current_user.id,
        may_follow=access.may_follow_staff_links(current_user),
        show_audit=current_user.has_role("admin"),
    )
