"""Public pages, as the РУО website publishes them: contest announcements while they
are open, and results once decided. Only the names recorded at submission of those who
consented to their publication appear; no other personal data."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from sqlalchemy import select

from reserve_flow.contest.models.contests import Application, Contest
from reserve_flow.contest.services.contests import PUBLIC_STATES
from reserve_flow.core.web import db, runtime, workflow_ui
from reserve_flow.core.web.access import public
from reserve_flow.organizations.models.organizations import HEAD_POSITIONS, ORGANIZATION_KINDS
from reserve_flow.privacy.services.publication import NOT_PUBLISHED, Publication

bp = Blueprint("public", __name__, url_prefix="/public")


def reserved_positions(contest: Contest) -> list[str]:
    return [HEAD_POSITIONS[k] for k in contest.organization_kinds.split(",") if k in HEAD_POSITIONS]


def _public_contest(contest_id: int) -> Contest:
    contest = db().get(Contest, contest_id)
    if contest is None or contest.state not in PUBLIC_STATES:
        abort(404)
    return contest


@bp.route("/")
@public
def index():
    contests = db().scalars(
        select(Contest).where(Contest.state.in_(PUBLIC_STATES)).order_by(Contest.accept_from.desc())
    )
    rt = runtime()
    return render_template(
        "contest/public/index.html", contests=list(contests), state_label=lambda c: workflow_ui.state_label(rt, c)
    )


@bp.route("/contests/<int:contest_id>")
@public
def contest(contest_id: int):
    contest = _public_contest(contest_id)
    included: list[str | None] = []
    if contest.state == "decided":
        applications = list(
            db().scalars(
                select(Application).where(Application.contest_id == contest.id, Application.state == "included")
            )
        )
        publication = Publication(db(), "contest_results", [a.applicant_id for a in applications])
        # Named first, by name; those who did not consent after them, without a name.
        included = sorted(
            (publication.name(a.applicant_id, a.recorded_name) for a in applications),
            key=lambda n: (n is None, n or ""),
        )
    return render_template(
        "contest/public/contest.html",
        contest=contest,
        state_label=workflow_ui.state_label(runtime(), contest),
        organization_kinds=[
            ORGANIZATION_KINDS[k]["ru"] for k in contest.organization_kinds.split(",") if k in ORGANIZATION_KINDS
        ],
        positions=reserved_positions(contest),
        included=included,
        not_published=NOT_PUBLISHED,
    )
