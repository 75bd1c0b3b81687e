"""The start page: what the signed-in user has to do."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from reserve_flow.core.web.access import public

bp = Blueprint("main", __name__)


@bp.route("/")
@public
def index():
    return render_template("core/index.html", user=current_user)
