"""The diagrams of one application and of one contest, under the same object checks as
their pages (404 for a case the user may not see)."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from reserve_flow.contest.services import applications as applications_service
from reserve_flow.contest.services import contests as contests_service
from reserve_flow.core.web import db
from reserve_flow.core.web.access import login_required
from reserve_flow.core.web.diagrams import case_svg

bp = Blueprint("contest_diagrams", __name__)


@bp.route("/applications/<int:application_id>/diagram.svg")
@login_required
def application_svg(application_id: int):
    application = applications_service.get_visible(db(), current_user, application_id)
    return case_svg(application)


@bp.route("/contests/<int:contest_id>/diagram.svg")
@login_required
def contest_svg(contest_id: int):
    contest = contests_service.get_visible(db(), current_user, contest_id)
    return case_svg(contest)
