"""The applicant's side of a contest: registration, profile, "my applications", the
application page (documents per kind, consent, submit, withdraw, what to do next).

Every view but registration needs a login and the applicant role; an application that
is not the user's own is answered with 404. Documents change through
services.documents, states through services.applications.fire_application (the engine).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.file import FileRequired
from sqlalchemy import or_, select
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, NumberRange, Optional, ValidationError

from reserve_flow.contest import access
from reserve_flow.contest.models.applicants import EDUCATION_LEVELS
from reserve_flow.contest.models.contests import Application
from reserve_flow.contest.services import applicants as applicants_service
from reserve_flow.contest.services import applications as applications_service
from reserve_flow.contest.services import documents as documents_service
from reserve_flow.contest.views.applications import deadline_text
from reserve_flow.core.web import db, runtime, too_large_back_link, workflow_ui
from reserve_flow.core.web.access import login_required, public
from reserve_flow.core.web.actions import attempt
from reserve_flow.core.web.forms import RussianForm, UploadField, VersionForm, stale, strip_text
from reserve_flow.organizations.models.organizations import Organization
from reserve_flow.people import passwords
from reserve_flow.people.models import User
from reserve_flow.privacy import texts
from reserve_flow.privacy.models import SCOPES

bp = Blueprint("applicant", __name__)

REGISTERED = (
    "Заявка на регистрацию принята. Если для этого адреса учётной записи ещё не было, она создана: "
    "войдите с адресом и паролем, которые вы указали. Если запись уже была, на адрес отправлено письмо."
)
# The transitions an applicant fires from their page.
APPLICANT_TRIGGERS = ("submit", "resubmit", "withdraw")


class RegistrationForm(RussianForm):
    full_name = StringField(
        "Фамилия, имя, отчество",
        filters=[strip_text],
        validators=[DataRequired("Укажите фамилию, имя и отчество"), Length(max=200)],
    )
    email = EmailField(
        "Электронная почта",
        filters=[strip_text],
        validators=[DataRequired("Укажите адрес электронной почты"), Email("Некорректный адрес электронной почты")],
    )
    password = PasswordField("Пароль", validators=[DataRequired("Придумайте пароль")])
    password2 = PasswordField("Пароль ещё раз", validators=[EqualTo("password", "Пароли не совпадают")])
    consent = BooleanField(
        "Я даю согласие на обработку моих персональных данных на этих условиях",
        validators=[DataRequired("Без согласия на обработку персональных данных регистрация невозможна")],
    )
    disseminate = BooleanField(
        "Я даю согласие на распространение моих персональных данных на этих условиях (по желанию; "
        "изменить или отозвать его можно на странице «Мои согласия»)"
    )
    submit = SubmitField("Зарегистрироваться")

    def validate_password(self, field) -> None:
        """The password policy (people/passwords.py), shown by the field; the service checks it again."""
        reason = passwords.problem(field.data or "", runtime().settings["app"]["password_min_length"])
        if reason is not None:
            raise ValidationError(reason)


class ProfileForm(RussianForm):
    full_name = StringField(
        "Фамилия, имя, отчество",
        filters=[strip_text],
        validators=[DataRequired("Укажите фамилию, имя и отчество"), Length(max=200)],
    )
    birth_date = DateField("Дата рождения", validators=[Optional()])
    phone = StringField("Телефон", filters=[strip_text], validators=[Length(max=40)])
    education_level = SelectField(
        "Уровень образования",
        choices=[SelectChoice("", "— выберите —"), *(SelectChoice(k, v) for k, v in EDUCATION_LEVELS.items())],
    )
    education = TextAreaField(
        "Образование: учебное заведение, год окончания, специальность и квалификация",
        filters=[strip_text],
        validators=[Length(max=4000)],
    )
    organization_id = SelectField("Место работы", coerce=int)
    employer_name = StringField("Организация, если её нет в списке", filters=[strip_text], validators=[Length(max=400)])
    position = StringField("Должность", filters=[strip_text], validators=[Length(max=200)])
    teaching_years = IntegerField(
        "Стаж педагогической работы, полных лет", validators=[Optional(), NumberRange(0, 70, "Стаж — от 0 до 70 лет")]
    )
    management_years = IntegerField(
        "Стаж руководящей работы, полных лет", validators=[Optional(), NumberRange(0, 70, "Стаж — от 0 до 70 лет")]
    )
    submit = SubmitField("Сохранить")


class PlainForm(RussianForm):
    """A button with its CSRF token (apply to a contest, delete a file)."""


class UploadForm(RussianForm):
    file = UploadField("Файл", validators=[FileRequired("Выберите файл для загрузки.")])


class ConsentForm(RussianForm):
    agree = BooleanField(
        "Я даю согласие на обработку моих персональных данных на этих условиях",
        validators=[DataRequired("Отметьте согласие, чтобы его записать")],
    )


class ActionForm(VersionForm):
    """Submit or resubmit, on the version the page showed."""


class WithdrawForm(ActionForm):
    reason = TextAreaField("Причина (по желанию)", filters=[strip_text], validators=[Length(max=2000)])
    confirm = BooleanField(
        "Я понимаю, что отозванное заявление вернуть нельзя", validators=[DataRequired("Подтвердите отзыв заявления")]
    )


def _require_applicant() -> User:
    if not current_user.has_role("applicant"):
        abort(403)
    return current_user


def _own(application_id: int) -> Application:
    """The user's own application, or 404."""
    user = _require_applicant()
    application = db().get(Application, application_id)
    if application is None or not access.may_view_own_application(user, application):
        abort(404)
    return application


@too_large_back_link(bp)
def _back_from_too_large(view_args: dict) -> tuple[str, str] | None:
    if "application_id" not in view_args:
        return None
    return url_for("applicant.application", application_id=view_args["application_id"]), "Вернуться к заявлению"


# --- registration and profile ---


@bp.route("/register", methods=["GET", "POST"])
@public
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegistrationForm()
    min_length = runtime().settings["app"]["password_min_length"]
    form.password.label.text = f"Пароль (не короче {min_length} символов)"
    status = 200
    if form.validate_on_submit():
        outcome = attempt(
            lambda: applicants_service.register(
                runtime(),
                db(),
                email=form.email.data,
                password=form.password.data,
                full_name=form.full_name.data,
                disseminate=bool(form.disseminate.data),
            )
        )
        if not outcome.ok:
            form.email.errors = [*form.email.errors, outcome.error]
            status = outcome.status
        else:
            # The same answer whether the address was new (the account is made) or already had
            # an account (its owner gets a letter): the page does not tell who is registered.
            flash(REGISTERED, "success")
            return redirect(url_for("auth.login"), code=303)
    elif request.method == "POST":
        status = 400
    return render_template(
        "contest/applicant/register.html",
        form=form,
        consent=texts.processing(runtime().settings),
        dissemination=texts.dissemination(runtime().settings, SCOPES),
    ), status


def _organization_choices(current_id: int | None) -> list[SelectChoice]:
    """Working organizations, and the applicant's own even if it has since closed."""
    organizations = db().scalars(
        select(Organization)
        .where(or_(Organization.active, Organization.id == current_id))
        .order_by(Organization.full_name)
    )
    return [SelectChoice(0, "— другая организация (укажите ниже) —")] + [
        SelectChoice(o.id, o.full_name) for o in organizations
    ]


@bp.route("/applicant/profile", methods=["GET", "POST"])
@login_required
def profile():
    user = _require_applicant()
    session = db()
    rt = runtime()
    record = applicants_service.profile_of(session, user)
    form = ProfileForm()
    form.organization_id.choices = _organization_choices(user.organization_id)
    status = 200
    if request.method == "GET":
        form.full_name.data = user.full_name
        form.birth_date.data = record.birth_date
        form.phone.data = record.phone
        form.education_level.data = record.education_level
        form.education.data = record.education
        form.organization_id.data = user.organization_id or 0
        form.employer_name.data = record.employer_name
        form.position.data = user.position
        form.teaching_years.data = record.teaching_years
        form.management_years.data = record.management_years
    elif form.validate_on_submit():
        data = applicants_service.ProfileData(
            full_name=form.full_name.data,
            birth_date=form.birth_date.data,
            phone=form.phone.data or "",
            education_level=form.education_level.data or "",
            education=form.education.data or "",
            organization_id=form.organization_id.data or None,
            employer_name=form.employer_name.data or "",
            position=form.position.data or "",
            teaching_years=form.teaching_years.data,
            management_years=form.management_years.data,
        )
        outcome = attempt(lambda: applicants_service.update_profile(rt, session, user, data))
        if not outcome.ok:
            flash(outcome.error, "error")
            status = outcome.status
        else:
            flash("Профиль сохранён.", "success")
            return redirect(url_for("applicant.profile"), code=303)
    else:
        status = 400
    return render_template(
        "contest/applicant/profile.html",
        form=form,
        missing=record.missing_fields(),
    ), status


# --- my applications ---


@bp.route("/applicant/")
@login_required
def index():
    user = _require_applicant()
    rt = runtime()
    session = db()
    mine = applicants_service.applications_of(session, user)
    deadlines = applications_service.open_deadlines(session, [a.id for a in mine])
    now = rt.now()
    rows = [
        {
            "application": a,
            "state_label": workflow_ui.state_label(rt, a),
            "deadline": deadline_text(applications_service.deadline_status(deadlines[a.id], now, rt.tz))
            if a.id in deadlines
            else "",
        }
        for a in mine
    ]
    applied = {a.contest_id for a in mine}
    contests = [c for c in applicants_service.accepting_contests(rt, session) if c.id not in applied]
    missing = applicants_service.profile_of(session, user).missing_fields()
    return render_template(
        "contest/applicant/index.html", rows=rows, contests=contests, missing=missing, form=PlainForm()
    )


@bp.route("/applicant/contests/<int:contest_id>/apply", methods=["POST"])
@login_required
def apply(contest_id: int):
    user = _require_applicant()
    form = PlainForm()
    if not form.validate_on_submit():
        abort(400)
    outcome = attempt(lambda: applicants_service.create_application(runtime(), db(), user, contest_id))
    if not outcome.ok:
        flash(outcome.error, "error")
        return redirect(url_for("applicant.index"), code=303)
    if outcome.value.consent_given_at is not None:  # the consent given at registration stands for it
        flash("Черновик заявления создан. Загрузите документы и подайте заявление.", "success")
    else:
        flash("Черновик заявления создан. Загрузите документы, дайте согласие и подайте заявление.", "success")
    return redirect(url_for("applicant.application", application_id=outcome.value.id), code=303)


# --- the application page ---


def _render(
    application: Application,
    *,
    error: str | None = None,
    error_kind: str | None = None,
    status: int = 200,
    forms: dict | None = None,
):
    """The applicant's page of their application: what it is, what was said, what next."""
    rt = runtime()
    session = db()
    deadline = applications_service.open_deadlines(session, [application.id]).get(application.id)
    deadline_status = applications_service.deadline_status(deadline, rt.now(), rt.tz) if deadline else None
    kinds = documents_service.kinds_with_documents(application)
    missing = [
        kind.title
        for kind, files in kinds
        if application.requires(kind) and not any(f.review_status != "returned" for f in files)
    ]
    actions = [t for t in rt.engine.available(application, current_user) if t.trigger in APPLICANT_TRIGGERS]
    forms = forms or {}
    withdraw_form = forms.get("withdraw") or WithdrawForm(formdata=None)
    withdraw_form.version.data = application.version  # the current one, also after a refusal
    return render_template(
        "contest/applicant/application.html",
        application=application,
        state_label=workflow_ui.state_label(runtime(), application),
        deadline=deadline_status,
        deadline_text=deadline_text(deadline_status),
        reason_event=applications_service.last_reason(session, application),
        kinds=kinds,
        missing=missing,
        replaceable=documents_service.replaceable_ids(application),
        can_add=application.state == "draft",
        consent_open=application.state in applicants_service.EDITABLE_STATES,
        consent=texts.processing(rt.settings),
        actions=actions,
        error=error,
        error_kind=error_kind,
        upload_form=UploadForm(formdata=None),
        consent_form=forms.get("consent") or ConsentForm(formdata=None),
        action_form=ActionForm(formdata=None, version=application.version),
        withdraw_form=withdraw_form,
        plain_form=PlainForm(formdata=None),
        max_mb=rt.settings["uploads"]["max_size_mb"],
    ), status


@bp.route("/applicant/applications/<int:application_id>")
@login_required
def application(application_id: int):
    return _render(_own(application_id))


def _after_change(application_id: int, message: str):
    flash(message, "success")
    return redirect(url_for("applicant.application", application_id=application_id), code=303)


def _refused(application_id: int, message: str, *, kind: str | None = None, status: int = 400, forms=None):
    return _render(_own(application_id), error=message, error_kind=kind, status=status, forms=forms)


def _store_file(application: Application, kind_code: str, store, done: str):
    """Post the upload form's file through `store(stream, filename)` (a documents service call);
    `done` names the stored document in the flash. A refusal shows the page again beside the
    document kind `kind_code`: no file (400), the service's reason (400), a conflict (409)."""
    form = UploadForm()
    if not form.validate_on_submit():
        return _refused(application.id, "; ".join(form.file.errors) or "Выберите файл для загрузки.", kind=kind_code)
    file = form.file.data
    outcome = attempt(lambda: store(file.stream, file.filename or ""))
    if not outcome.ok:
        return _refused(application.id, outcome.error, kind=kind_code, status=outcome.status)
    return _after_change(application.id, done.format(name=outcome.value.original_name))


@bp.route("/applicant/applications/<int:application_id>/upload/<kind_code>", methods=["POST"])
@login_required
def upload(application_id: int, kind_code: str):
    application = _own(application_id)
    return _store_file(
        application,
        kind_code,
        lambda stream, filename: documents_service.upload(
            runtime(), db(), current_user, application.id, kind_code, stream, filename
        ),
        "Файл «{name}» загружен.",
    )


@bp.route("/applicant/applications/<int:application_id>/documents/<int:document_id>/replace", methods=["POST"])
@login_required
def replace(application_id: int, document_id: int):
    application = _own(application_id)
    kind = next((d.kind_code for d in application.documents if d.id == document_id), None)
    if kind is None:
        abort(404)
    return _store_file(
        application,
        kind,
        lambda stream, filename: documents_service.replace(
            runtime(), db(), current_user, application.id, document_id, stream, filename
        ),
        "Документ заменён: «{name}».",
    )


@bp.route("/applicant/applications/<int:application_id>/documents/<int:document_id>/delete", methods=["POST"])
@login_required
def delete(application_id: int, document_id: int):
    application = _own(application_id)
    if not PlainForm().validate_on_submit():
        abort(400)
    outcome = attempt(lambda: documents_service.delete(runtime(), db(), current_user, application.id, document_id))
    if not outcome.ok:
        return _refused(application_id, outcome.error, status=outcome.status)
    return _after_change(application_id, "Файл удалён.")


@bp.route("/applicant/applications/<int:application_id>/consent", methods=["POST"])
@login_required
def consent(application_id: int):
    application = _own(application_id)
    form = ConsentForm()
    if not form.validate_on_submit():
        return _refused(application.id, "; ".join(form.agree.errors), forms={"consent": form})
    outcome = attempt(lambda: applicants_service.record_consent(runtime(), db(), current_user, application))
    if not outcome.ok:
        return _refused(application_id, outcome.error, status=outcome.status)
    return _after_change(application_id, "Согласие на обработку персональных данных записано.")


@bp.route("/applicant/applications/<int:application_id>/<any(submit, resubmit, withdraw):trigger>", methods=["POST"])
@login_required
def act(application_id: int, trigger: str):
    """Submit, resubmit or withdraw, through the engine. A refusal shows the page again
    with the reason (400); a page older than the application, a conflict (409)."""
    application = _own(application_id)
    form = WithdrawForm() if trigger == "withdraw" else ActionForm()
    if not form.validate_on_submit():
        if stale(form):
            abort(400)
        errors = [e for field in form for e in field.errors]
        return _refused(application.id, "; ".join(errors), forms={trigger: form})
    reason = form.reason.data if trigger == "withdraw" else None
    outcome = attempt(
        lambda: applications_service.fire_application(
            runtime(), db(), application.id, trigger, current_user, reason, form.version.data, page="applicant"
        )
    )
    if not outcome.ok:
        return _refused(application_id, outcome.error, status=outcome.status)
    label = workflow_ui.state_label(runtime(), application)
    return _after_change(application_id, f"Состояние заявления: {label}.")
