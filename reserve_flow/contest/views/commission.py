"""The commission's pages: the contests a user sits on, the applications to score and
vote on, the chair's vote controls, the secretary's attendance, ranking and protocols.

Every view needs a login and a seat on the contest's commission (secretary, chair or
member, role and seat both): anything else is answered with 404, as if it did not
exist. Actions go through services.commission and services.protocols; a refused one
shows the page again with the reason (400), a conflicting one with a notice (409).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, TextAreaField

from reserve_flow.contest import access
from reserve_flow.contest import commission_rules as rules
from reserve_flow.contest.models.contests import Application, Contest
from reserve_flow.contest.services import commission as service
from reserve_flow.contest.services import protocols
from reserve_flow.contest.services.ranking import ranking
from reserve_flow.core.web import db, runtime
from reserve_flow.core.web.access import login_required
from reserve_flow.core.web.actions import attempt
from reserve_flow.core.web.downloads import send_stored
from reserve_flow.core.web.forms import VersionForm
from reserve_flow.core.web.workflow_ui import language

bp = Blueprint("commission", __name__, url_prefix="/commission")

ROLE_LABELS = service.ROLE_LABELS


class AttendanceForm(FlaskForm):
    # Who is on the commission is the service's rule (a refusal with its reason); the form
    # only turns the ticked ids into numbers.
    present = SelectMultipleField(coerce=int, validate_choice=False)


class RecusalForm(FlaskForm):
    comment = TextAreaField()


class VoteForm(FlaskForm):
    choice = StringField()


class CloseVoteForm(VersionForm):
    casting_vote = StringField()


def scores_form(criteria) -> FlaskForm:
    """The member's scores: a score and a comment per criterion of the contest, named
    score-<id> and comment-<id> as on the page; the service checks the ranges."""

    class ScoresForm(FlaskForm):
        pass

    for criterion in criteria:
        setattr(ScoresForm, f"score_{criterion.id}", StringField(name=f"score-{criterion.id}"))
        setattr(ScoresForm, f"comment_{criterion.id}", StringField(name=f"comment-{criterion.id}"))
    return ScoresForm()


def _valid(form: FlaskForm) -> FlaskForm:
    """The posted form, or 400 for one the page could not have sent."""
    if not form.validate_on_submit():
        abort(400)
    return form


def _state_label(subject) -> str:
    state = runtime().workflows.definition_for(subject).states.get(subject.state)
    return state.label(language()) if state else subject.state


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")


def _contest(contest_id: int) -> Contest:
    return service.get_contest(db(), current_user, contest_id)


def _application(application_id: int) -> Application:
    return service.get_application(db(), current_user, application_id)


def _roles(contest: Contest) -> set[str]:
    return access.commission_roles(current_user, contest)


@bp.route("/")
@login_required
def index():
    session = db()
    rows = [
        {
            "contest": c,
            "state_label": _state_label(c),
            "roles": ", ".join(ROLE_LABELS[r] for r in ("chair", "secretary", "member") if r in _roles(c)),
            "applications": len(service.contest_applications(session, c)),
        }
        for c in service.visible_contests(session, current_user)
    ]
    return render_template("contest/commission/index.html", rows=rows)


# --- a contest: its applications, the meeting's attendance, the protocols ---


def _render_contest(contest_id: int, *, error: str | None = None, status: int = 200):
    session = db()
    contest = _contest(contest_id)
    roles = _roles(contest)
    applications = [
        {
            "application": a,
            "state_label": _state_label(a),
            "mine": service.member_status(session, current_user, a) if "member" in roles else "",
        }
        for a in service.contest_applications(session, contest)
    ]
    return render_template(
        "contest/commission/contest.html",
        contest=contest,
        state_label=_state_label(contest),
        roles=roles,
        applications=applications,
        marks=service.attendance_marks(session, contest),
        seats=[(user, ROLE_LABELS[role]) for user, role in service.ordered_seats(contest)],
        protocols=protocols.contest_protocols(session, contest),
        error=error,
    ), status


@bp.route("/contests/<int:contest_id>")
@login_required
def contest(contest_id: int):
    return _render_contest(contest_id)


@bp.route("/contests/<int:contest_id>/attendance", methods=["POST"])
@login_required
def attendance(contest_id: int):
    _contest(contest_id)
    present = set(_valid(AttendanceForm()).present.data or [])
    outcome = attempt(lambda: service.mark_attendance(runtime(), db(), current_user, contest_id, present))
    if not outcome.ok:
        return _render_contest(contest_id, error=outcome.error, status=outcome.status)
    flash("Явка на заседании сохранена.", "success")
    return redirect(url_for("commission.contest", contest_id=contest_id), code=303)


@bp.route("/contests/<int:contest_id>/ranking")
@login_required
def ranking_table(contest_id: int):
    """The ranking shows everyone's scores: for the secretary and the chair only."""
    contest = _contest(contest_id)
    if not access.may_see_ranking(current_user, contest):
        abort(404)
    rows = [
        {
            "row": r,
            "state_label": _state_label(r.application),
            "means": [_number(m) for m in r.means],
            "total": _number(r.total),
        }
        for r in ranking(db(), contest)
    ]
    return render_template("contest/commission/ranking.html", contest=contest, rows=rows)


@bp.route("/contests/<int:contest_id>/protocols", methods=["POST"])
@login_required
def generate_protocol(contest_id: int):
    _contest(contest_id)
    outcome = attempt(lambda: protocols.generate(runtime(), db(), current_user, contest_id))
    if not outcome.ok:
        return _render_contest(contest_id, error=outcome.error, status=outcome.status)
    flash(f"Сформирован {outcome.value.title}.", "success")
    return redirect(url_for("commission.contest", contest_id=contest_id), code=303)


@bp.route("/protocols/<int:protocol_id>.<kind>")
@login_required
def protocol_file(protocol_id: int, kind: str):
    # A refusal here is a stored file that no longer matches its record: a conflict, not bad input.
    outcome = attempt(lambda: protocols.open_file(runtime(), db(), current_user, protocol_id, kind), refused_status=409)
    if not outcome.ok:
        return outcome.error, outcome.status, {"Content-Type": "text/plain; charset=utf-8"}
    found = outcome.value
    return send_stored(found.path, mimetype=found.mimetype, name=found.download_name, attachment=True)


# --- an application: recusal, scores, votes, the secretary's and the chair's steps ---


def _render_application(application_id: int, *, error: str | None = None, status: int = 200, form: dict | None = None):
    application = _application(application_id)
    return render_template(
        "contest/commission/application.html",
        application=application,
        contest=application.contest,
        state_label=_state_label(application),
        roles=_roles(application.contest),
        view=service.application_view(db(), current_user, application),
        form=form or {},
        error=error,
    ), status


def _act(application_id: int, action: Callable[[], object], success: str, form: dict | None = None):
    """Run `action`; on success redirect with `success`, else show the page with the reason."""
    _application(application_id)
    outcome = attempt(action)
    if outcome.status == 409:
        return _render_application(application_id, error=outcome.error, status=409)
    if not outcome.ok:
        return _render_application(application_id, error=outcome.error, status=outcome.status, form=form)
    flash(success, "success")
    return redirect(url_for("commission.application", application_id=application_id), code=303)


@bp.route("/applications/<int:application_id>")
@login_required
def application(application_id: int):
    return _render_application(application_id)


@bp.route("/applications/<int:application_id>/recusal", methods=["POST"])
@login_required
def recusal(application_id: int):
    comment = _valid(RecusalForm()).comment.data or ""
    return _act(
        application_id,
        lambda: service.declare_recusal(runtime(), db(), current_user, application_id, comment),
        "Конфликт интересов заявлен: вы не оцениваете это заявление и не голосуете по нему.",
        form={"comment": comment},
    )


@bp.route("/applications/<int:application_id>/scores", methods=["POST"])
@login_required
def scores(application_id: int):
    criteria = _application(application_id).contest.criteria
    form = _valid(scores_form(criteria))
    values = {
        c.id: (getattr(form, f"score_{c.id}").data or "", getattr(form, f"comment_{c.id}").data or "") for c in criteria
    }
    return _act(
        application_id,
        lambda: service.record_scores(runtime(), db(), current_user, application_id, values),
        "Оценки сохранены.",
        form={"scores": values},
    )


@bp.route("/applications/<int:application_id>/vote", methods=["POST"])
@login_required
def vote(application_id: int):
    choice = _valid(VoteForm()).choice.data or ""
    return _act(
        application_id,
        lambda: service.cast_vote(runtime(), db(), current_user, application_id, choice),
        "Ваш голос учтён.",
    )


@bp.route("/applications/<int:application_id>/assess", methods=["POST"])
@login_required
def assess(application_id: int):
    version = _valid(VersionForm()).version.data
    return _act(
        application_id,
        lambda: service.complete_assessment(runtime(), db(), current_user, application_id, version),
        "Оценка заявления завершена.",
    )


@bp.route("/applications/<int:application_id>/open-vote", methods=["POST"])
@login_required
def open_vote(application_id: int):
    version = _valid(VersionForm()).version.data
    return _act(
        application_id,
        lambda: service.open_vote(runtime(), db(), current_user, application_id, version),
        "Голосование открыто; члены комиссии получат уведомление.",
    )


@bp.route("/applications/<int:application_id>/close-vote", methods=["POST"])
@login_required
def close_vote(application_id: int):
    form = _valid(CloseVoteForm())
    version = form.version.data
    casting = form.casting_vote.data or None
    decided: list[str] = []

    def close() -> None:
        decided.append(service.close_vote(runtime(), db(), current_user, application_id, version, casting))

    response = _act(application_id, close, "Голосование закрыто.")
    if decided:
        flash(
            "Решение комиссии: " + ("включить в резерв." if decided[0] == rules.INCLUDE else "не включать в резерв."),
            "success",
        )
    return response
