"""The development plan's forms on a member's page: deficits, items (add, edit,
remove), confirming a version, evidence, the mentor's review, HR's decision on an
item. Each posts to the service and comes back to the page (views/membership.py act):
a bad field or a refusal shows its reason with the form kept, and nothing is changed."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user
from wtforms import BooleanField, DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import Optional

from reserve_flow.core.web import db, runtime, too_large_back_link
from reserve_flow.core.web.access import login_required
from reserve_flow.core.web.actions import attempt
from reserve_flow.core.web.downloads import send_stored
from reserve_flow.core.web.forms import RussianForm, UploadField, VersionForm, kept
from reserve_flow.organizations.models.organizations import Organization
from reserve_flow.reserve import access
from reserve_flow.reserve.models.plan import ITEM_KINDS
from reserve_flow.reserve.services import plan as service
from reserve_flow.reserve.views.membership import act, load_visible

bp = Blueprint("plan", __name__, url_prefix="/reserve/<int:membership_id>")


@too_large_back_link(bp)
def _back_from_too_large(view_args: dict) -> tuple[str, str]:
    return url_for("reserve.show", membership_id=view_args["membership_id"]), "Вернуться к плану развития"


class TextForm(RussianForm):
    """A deficit, or the mentor's review."""

    text = TextAreaField("Текст")


class ReasonForm(VersionForm):
    reason = TextAreaField("Причина")


class ItemForm(ReasonForm):
    # Kind and title are checked by the service, which names what is missing; the form
    # catches what cannot be read at all (a bad date or number).
    kind = StringField("Вид мероприятия")
    title = StringField("Название")
    mandatory = BooleanField("Обязательный пункт")
    due_date = DateField("Срок выполнения", validators=[Optional()])
    starts_on = DateField("Начало", validators=[Optional()])
    ends_on = DateField("Окончание", validators=[Optional()])
    provider = StringField("Организатор")
    programme = TextAreaField("Программа, тема")
    hours = IntegerField("Объём, часов", validators=[Optional()])
    host_organization_id = IntegerField("Организация", validators=[Optional()])
    mentor_id = IntegerField("Наставник", validators=[Optional()])
    deficit_id = IntegerField("Восполняет дефицит", validators=[Optional()])


class EvidenceForm(RussianForm):
    # The service checks both: the kind against the list, the file's presence, type and size.
    kind = StringField("Вид документа")
    file = UploadField("Файл")


class CommentForm(RussianForm):
    comment = TextAreaField("Комментарий")


class ReturnForm(RussianForm):
    reason = TextAreaField("Что доработать")


def item_data(form: ItemForm) -> service.ItemData:
    return service.ItemData(
        kind=form.kind.data or "",
        title=form.title.data or "",
        mandatory=form.mandatory.data,
        due_date=form.due_date.data,
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
        provider=form.provider.data or "",
        programme=form.programme.data or "",
        hours=form.hours.data,
        host_organization_id=form.host_organization_id.data,
        mentor_id=form.mentor_id.data,
        deficit_id=form.deficit_id.data,
    )


@bp.route("/deficits", methods=["POST"])
@login_required
def add_deficit(membership_id: int):
    form = TextForm()
    return act(
        membership_id,
        form,
        lambda: service.add_deficit(runtime(), db(), current_user, membership_id, form.text.data or ""),
        "deficit",
        "Дефицит внесён.",
    )


@bp.route("/deficits/from-scores", methods=["POST"])
@login_required
def deficits_from_scores(membership_id: int):
    def done(added: int) -> str:
        return (
            f"По результатам оценки внесено дефицитов: {added}."
            if added
            else "Низких оценок комиссии нет: дефициты не добавлены."
        )

    return act(
        membership_id,
        RussianForm(),
        lambda: service.deficits_from_scores(runtime(), db(), current_user, membership_id),
        "deficit",
        done,
    )


@bp.route("/items", methods=["POST"])
@login_required
def add_item(membership_id: int):
    form = ItemForm()
    return act(
        membership_id,
        form,
        lambda: service.add_item(
            runtime(), db(), current_user, membership_id, form.version.data, item_data(form), form.reason.data or ""
        ),
        "add_item",
        "Пункт добавлен в план.",
    )


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit_item(membership_id: int, item_id: int):
    membership = load_visible(membership_id)
    if not any(i.id == item_id for i in membership.items):
        abort(404)
    if request.method == "GET":
        return _edit_page(membership_id, item_id)
    form = ItemForm()
    return act(
        membership_id,
        form,
        lambda: service.update_item(
            runtime(),
            db(),
            current_user,
            membership_id,
            item_id,
            form.version.data,
            item_data(form),
            form.reason.data or "",
        ),
        "edit_item",
        "Пункт плана изменён.",
        on_refusal=lambda error, status: _edit_page(
            membership_id, item_id, error, status, kept(form) if status == 400 else None
        ),
    )


def _edit_page(membership_id: int, item_id: int, error: str | None = None, status: int = 200, form: dict | None = None):
    """The edit form; after a refusal with its reason and what was typed."""
    membership = load_visible(membership_id)
    item = next(i for i in membership.items if i.id == item_id)
    return render_template(
        "reserve/item_edit.html",
        m=membership,
        item=item,
        form=form,
        error=error,
        item_kinds=ITEM_KINDS,
        organizations=db()
        .query(Organization)
        .filter((Organization.active.is_(True)) | (Organization.id == item.host_organization_id))
        .order_by(Organization.kind, Organization.short_name)
        .all(),
        mentors=service.mentors(db()),
        show_deficits=access.may_view_deficits(current_user, membership),
        agreed_once=membership.state != "included",
    ), status


@bp.route("/items/<int:item_id>/remove", methods=["POST"])
@login_required
def remove_item(membership_id: int, item_id: int):
    form = ReasonForm()
    return act(
        membership_id,
        form,
        lambda: service.remove_item(
            runtime(), db(), current_user, membership_id, item_id, form.version.data, form.reason.data or ""
        ),
        f"remove-{item_id}",
        "Пункт исключён из плана.",
    )


@bp.route("/plan/confirm", methods=["POST"])
@login_required
def confirm(membership_id: int):
    form = VersionForm()
    return act(
        membership_id,
        form,
        lambda: service.confirm_plan(runtime(), db(), current_user, membership_id, form.version.data),
        "confirm",
        "Вы подтвердили план развития.",
    )


@bp.route("/items/<int:item_id>/evidence", methods=["POST"])
@login_required
def upload(membership_id: int, item_id: int):
    form = EvidenceForm()

    def upload_it():
        file = form.file.data
        return service.upload_evidence(
            runtime(),
            db(),
            current_user,
            membership_id,
            item_id,
            form.kind.data or "",
            file.stream if file else None,
            file.filename if file else "",
        )

    return act(membership_id, form, upload_it, f"upload-{item_id}", "Документ загружен.")


@bp.route("/items/<int:item_id>/submit", methods=["POST"])
@login_required
def submit(membership_id: int, item_id: int):
    return act(
        membership_id,
        RussianForm(),
        lambda: service.submit_item(runtime(), db(), current_user, membership_id, item_id),
        f"submit-{item_id}",
        "Пункт плана отправлен на проверку.",
    )


@bp.route("/items/<int:item_id>/review", methods=["POST"])
@login_required
def review(membership_id: int, item_id: int):
    form = TextForm()
    return act(
        membership_id,
        form,
        lambda: service.review_item(runtime(), db(), current_user, membership_id, item_id, form.text.data or ""),
        f"review-{item_id}",
        "Отзыв наставника сохранён.",
    )


@bp.route("/items/<int:item_id>/accept", methods=["POST"])
@login_required
def accept(membership_id: int, item_id: int):
    form = CommentForm()
    return act(
        membership_id,
        form,
        lambda: service.accept_item(runtime(), db(), current_user, membership_id, item_id, form.comment.data or ""),
        f"decide-{item_id}",
        "Выполнение пункта принято.",
    )


@bp.route("/items/<int:item_id>/return", methods=["POST"])
@login_required
def return_item(membership_id: int, item_id: int):
    form = ReturnForm()
    return act(
        membership_id,
        form,
        lambda: service.return_item(runtime(), db(), current_user, membership_id, item_id, form.reason.data or ""),
        f"decide-{item_id}",
        "Пункт возвращён на доработку.",
    )


@bp.route("/evidence/<int:evidence_id>")
@login_required
def evidence(membership_id: int, evidence_id: int):
    """A stored evidence file, to whoever may see it (404 for anyone else)."""
    record, path = attempt(
        lambda: service.open_evidence(runtime(), db(), current_user, membership_id, evidence_id)
    ).value
    return send_stored(path, mimetype=record.content_type, name=record.original_name)
