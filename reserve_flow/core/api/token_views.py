"""The profile page's API tokens: create one (its secret shown once, on the page that
answers the form), see one's tokens, revoke one."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms import IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from reserve_flow.core.api import tokens
from reserve_flow.core.web import db, runtime
from reserve_flow.core.web.access import login_required
from reserve_flow.core.web.actions import attempt, submit
from reserve_flow.core.web.forms import RussianForm

bp = Blueprint("api_tokens", __name__, url_prefix="/profile")


class TokenForm(RussianForm):
    name = StringField("Название", validators=[Optional(), Length(max=100)])
    days = IntegerField(
        "Срок действия, дней",
        default=tokens.DEFAULT_DAYS,
        validators=[InputRequired(), NumberRange(min=1, max=tokens.MAX_DAYS)],
    )


class RevokeForm(RussianForm):
    pass


def _page(form: TokenForm, *, secret: str | None = None, error: str | None = None, status: int = 200):
    now = runtime().now()
    rows = [(t, t.active_at(now)) for t in tokens.tokens_of(db(), current_user)]
    return render_template(
        "core/api/tokens.html", form=form, rows=rows, secret=secret, error=error, revoke_form=RevokeForm()
    ), status


@bp.route("/tokens")
@login_required
def index():
    return _page(TokenForm(formdata=None))


@bp.route("/tokens", methods=["POST"])
@login_required
def create():
    form = TokenForm()
    outcome = submit(
        form,
        lambda: tokens.create_token(db(), current_user, runtime().now(), name=form.name.data, days=form.days.data),
    )
    if not outcome.ok:
        return _page(form, error=outcome.error, status=outcome.status)
    # The secret is on this answer only: it is stored as a hash.
    return _page(TokenForm(formdata=None), secret=outcome.value.secret)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int):
    form = RevokeForm()
    if not form.validate_on_submit():
        abort(400)
    outcome = attempt(lambda: tokens.revoke_token(db(), current_user, token_id, runtime().now()))
    if not outcome.ok:
        return _page(TokenForm(formdata=None), error=outcome.error, status=outcome.status)
    flash("Токен отозван: запросы с ним больше не принимаются.", "success")
    return redirect(url_for("api_tokens.index"), code=303)
