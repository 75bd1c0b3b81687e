"""The development plan's forms on a member's page: deficits, items (add, edit,
remove), confirming a version, evidence, the mentor's review, HR's decision on an
item. Each posts to the service and comes back to the page (web/reserve.py act):
a refusal shows its reason with the form kept, and nothing is changed."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user, login_required

from reserve_flow.core.web import db, runtime, too_large_back_link
from reserve_flow.core.web.actions import attempt
from reserve_flow.core.web.downloads import send_stored
from reserve_flow.organizations.models.organizations import Organization
from reserve_flow.reserve.models.plan import ITEM_KINDS
from reserve_flow.reserve.services import plan as service
from reserve_flow.reserve.views.membership import act, form_version, load_visible, parse_date

bp = Blueprint("plan", __name__, url_prefix="/reserve/<int:membership_id>")


@too_large_back_link(bp)
def _back_from_too_large(view_args: dict) -> tuple[str, str]:
    return url_for("reserve.show", membership_id=view_args["membership_id"]), "Вернуться к плану развития"


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value and value.strip() else None
    except ValueError:
        return None


def item_data(form) -> service.ItemData:
    return service.ItemData(
        kind=form.get("kind", ""), title=form.get("title", ""), mandatory=form.get("mandatory") == "1",
        due_date=parse_date(form.get("due_date")), starts_on=parse_date(form.get("starts_on")),
        ends_on=parse_date(form.get("ends_on")), provider=form.get("provider", ""),
        programme=form.get("programme", ""), hours=_int(form.get("hours")),
        host_organization_id=_int(form.get("host_organization_id")), mentor_id=_int(form.get("mentor_id")),
        deficit_id=_int(form.get("deficit_id")))


@bp.route("/deficits", methods=["POST"])
@login_required
def add_deficit(membership_id: int):
    return act(membership_id, lambda: service.add_deficit(runtime(), db(), current_user, membership_id,
                                                          request.form.get("text", "")),
               "deficit", "Дефицит внесён.")


@bp.route("/deficits/from-scores", methods=["POST"])
@login_required
def deficits_from_scores(membership_id: int):
    def done(added: int) -> str:
        return f"По результатам оценки внесено дефицитов: {added}." if added else \
            "Низких оценок комиссии нет: дефициты не добавлены."

    return act(membership_id, lambda: service.deficits_from_scores(runtime(), db(), current_user, membership_id),
               "deficit", done)


@bp.route("/items", methods=["POST"])
@login_required
def add_item(membership_id: int):
    version = form_version()
    return act(membership_id, lambda: service.add_item(runtime(), db(), current_user, membership_id, version,
                                                       item_data(request.form), request.form.get("reason", "")),
               "add_item", "Пункт добавлен в план.")


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit_item(membership_id: int, item_id: int):
    membership = load_visible(membership_id)
    if not any(i.id == item_id for i in membership.items):
        abort(404)
    if request.method == "GET":
        return _edit_page(membership_id, item_id)
    version = form_version()
    return act(membership_id, lambda: service.update_item(
        runtime(), db(), current_user, membership_id, item_id, version, item_data(request.form),
        request.form.get("reason", "")), "edit_item", "Пункт плана изменён.",
        on_refusal=lambda error, status: _edit_page(membership_id, item_id, error, status))


def _edit_page(membership_id: int, item_id: int, error: str | None = None, status: int = 200):
    """The edit form; after a refusal with its reason and what was typed."""
    membership = load_visible(membership_id)
    item = next(i for i in membership.items if i.id == item_id)
    return render_template(
        "reserve/item_edit.html", m=membership, item=item, form=request.form if error else None, error=error,
        item_kinds=ITEM_KINDS, organizations=db().query(Organization).filter(
            (Organization.active.is_(True)) | (Organization.id == item.host_organization_id))
        .order_by(Organization.kind, Organization.short_name).all(),
        mentors=service.mentors(db()), agreed_once=membership.state != "included",
    ), status


@bp.route("/items/<int:item_id>/remove", methods=["POST"])
@login_required
def remove_item(membership_id: int, item_id: int):
    version = form_version()
    return act(membership_id, lambda: service.remove_item(runtime(), db(), current_user, membership_id, item_id,
                                                          version, request.form.get("reason", "")),
               f"remove-{item_id}", "Пункт исключён из плана.")


@bp.route("/plan/confirm", methods=["POST"])
@login_required
def confirm(membership_id: int):
    version = form_version()
    return act(membership_id, lambda: service.confirm_plan(runtime(), db(), current_user, membership_id, version),
               "confirm", "Вы подтвердили план развития.")


@bp.route("/items/<int:item_id>/evidence", methods=["POST"])
@login_required
def upload(membership_id: int, item_id: int):
    file = request.files.get("file")
    return act(membership_id, lambda: service.upload_evidence(
        runtime(), db(), current_user, membership_id, item_id, request.form.get("kind", ""),
        file.stream if file else None, file.filename if file else ""), f"upload-{item_id}", "Документ загружен.")


@bp.route("/items/<int:item_id>/submit", methods=["POST"])
@login_required
def submit(membership_id: int, item_id: int):
    return act(membership_id, lambda: service.submit_item(runtime(), db(), current_user, membership_id, item_id),
               f"submit-{item_id}", "Пункт плана отправлен на проверку.")


@bp.route("/items/<int:item_id>/review", methods=["POST"])
@login_required
def review(membership_id: int, item_id: int):
    return act(membership_id, lambda: service.review_item(runtime(), db(), current_user, membership_id, item_id,
                                                          request.form.get("text", "")),
               f"review-{item_id}", "Отзыв наставника сохранён.")


@bp.route("/items/<int:item_id>/accept", methods=["POST"])
@login_required
def accept(membership_id: int, item_id: int):
    return act(membership_id, lambda: service.accept_item(runtime(), db(), current_user, membership_id, item_id,
                                                          request.form.get("comment", "")),
               f"decide-{item_id}", "Выполнение пункта принято.")


@bp.route("/items/<int:item_id>/return", methods=["POST"])
@login_required
def return_item(membership_id: int, item_id: int):
    return act(membership_id, lambda: service.return_item(runtime(), db(), current_user, membership_id, item_id,
                                                          request.form.get("reason", "")),
               f"decide-{item_id}", "Пункт возвращён на доработку.")


@bp.route("/evidence/<int:evidence_id>")
@login_required
def evidence(membership_id: int, evidence_id: int):
    """A stored evidence file, to whoever may see it (404 for anyone else)."""
    record, path = attempt(lambda: service.open_evidence(runtime(), db(), current_user, membership_id,
                                                         evidence_id)).value
    return send_stored(path, mimetype=record.content_type, name=record.original_name)

