"""The person's «Мои согласия» page (consents shown, given, revoked; the personal export),
the public privacy policy, and the administrator's acts of destruction."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms import BooleanField

from reserve_flow.core.web import db, runtime
from reserve_flow.core.web.access import admin_required, login_required, public
from reserve_flow.core.web.actions import submit
from reserve_flow.core.web.downloads import send_bytes
from reserve_flow.core.web.forms import RussianForm
from reserve_flow.privacy import texts
from reserve_flow.privacy.models import DISSEMINATION, PROCESSING, SCOPES
from reserve_flow.privacy.services import consents as consent_service
from reserve_flow.privacy.services import export, retention, withdrawal

bp = Blueprint("privacy", __name__)


class PlainForm(RussianForm):
    """A button with its CSRF token."""


class ProcessingForm(RussianForm):
    agree = BooleanField("Я даю согласие на обработку моих персональных данных на этих условиях")


class DisseminationForm(RussianForm):
    reserve_list = BooleanField(SCOPES["reserve_list"])
    contest_results = BooleanField(SCOPES["contest_results"])
    appointments = BooleanField(SCOPES["appointments"])

    def chosen(self) -> list[str]:
        return [scope for scope in SCOPES if getattr(self, scope).data]


def _page(status: int = 200, error: str | None = None):
    user = current_user
    session = db()
    settings = runtime().settings
    dissemination = consent_service.active(session, user.id, DISSEMINATION)
    form = DisseminationForm(formdata=None)
    for scope in SCOPES:
        getattr(form, scope).data = dissemination is not None and scope in dissemination.scope_set
    return render_template(
        "privacy/consents.html",
        records=consent_service.consents_of(session, user.id),
        processing=consent_service.active(session, user.id, PROCESSING),
        dissemination=dissemination,
        processing_text=texts.processing(settings),
        dissemination_text=texts.dissemination(settings, SCOPES),
        scopes=SCOPES,
        form=form,
        processing_form=ProcessingForm(formdata=None),
        plain_form=PlainForm(formdata=None),
        error=error,
    ), status


def _done(message: str):
    flash(message, "success")
    return redirect(url_for("privacy.consents"), code=303)


@bp.route("/my/consents")
@login_required
def consents():
    return _page()


@bp.route("/my/consents/processing", methods=["POST"])
@login_required
def give_processing():
    form = ProcessingForm()
    if form.validate_on_submit() and not form.agree.data:
        return _page(400, "Отметьте согласие, чтобы его записать.")
    outcome = submit(form, lambda: consent_service.give_processing(runtime(), db(), current_user))
    if not outcome.ok:
        return _page(outcome.status, outcome.error)
    return _done("Согласие на обработку персональных данных записано.")


@bp.route("/my/consents/dissemination", methods=["POST"])
@login_required
def set_dissemination():
    form = DisseminationForm()
    outcome = submit(form, lambda: consent_service.set_dissemination(runtime(), db(), current_user, form.chosen()))
    if not outcome.ok:
        return _page(outcome.status, outcome.error)
    if outcome.value is None:
        return _done("Согласие на распространение отозвано: ваше имя снято с публичных страниц.")
    return _done("Согласие на распространение записано.")


@bp.route("/my/consents/<int:consent_id>/revoke", methods=["POST"])
@login_required
def revoke(consent_id: int):
    outcome = submit(PlainForm(), lambda: withdrawal.revoke(runtime(), db(), current_user, consent_id))
    if not outcome.ok:
        return _page(outcome.status, outcome.error)
    if outcome.value.kind == PROCESSING:
        return _done(
            "Согласие на обработку персональных данных отозвано, ваши заявления на конкурсы отозваны. "
            "Подать заявление теперь нельзя; "
            "данные, хранить которые не требует закон, будут уничтожены в установленный срок."
        )
    return _done("Согласие на распространение отозвано: ваше имя снято с публичных страниц.")


@bp.route("/my/export.zip", methods=["POST"])
@login_required
def download_export():
    outcome = submit(PlainForm(), lambda: export.build(runtime(), db(), current_user))
    if not outcome.ok:
        abort(outcome.status)
    content, name = outcome.value
    return send_bytes(content, name, "application/zip")


@bp.route("/privacy")
@public
def policy():
    """The policy on personal data (152-FZ art. 18.1 part 2), from the district's settings."""
    settings = runtime().settings
    return render_template(
        "privacy/policy.html",
        operator=texts.operator(settings),
        privacy=settings["privacy"],
        retention=settings["retention"],
        data_list=texts.DATA_LIST,
        purposes=texts.PURPOSES,
        actions=texts.ACTIONS,
        scopes=SCOPES,
        published=texts.PUBLISHED_DATA,
    )


@bp.route("/admin/destruction")
@admin_required
def destruction():
    session = db()
    return render_template(
        "privacy/destruction.html",
        acts=retention.acts(session),
        planned=retention.planned(runtime(), session),
        form=PlainForm(formdata=None),
    )


@bp.route("/admin/destruction/run", methods=["POST"])
@admin_required
def run_destruction():
    rt = runtime()
    outcome = submit(PlainForm(), lambda: retention.run(rt, rt.now(), current_user))
    if not outcome.ok:
        abort(outcome.status)
    flash(f"Уничтожено по графику хранения записей: {len(outcome.value)}.", "success")
    return redirect(url_for("privacy.destruction"), code=303)
