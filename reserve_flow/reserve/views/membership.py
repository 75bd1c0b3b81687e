"""The reserve's pages: the list with its filters and exports, the public list, and a
member's page (the membership, its term and the steps of HR), with the plan's part
in reserve/views/plan.py.

Every page checks the login and the object: a membership the user may not see is
answered with 404. The list is for HR officers, administrators and mentors (theirs
only); a member is sent to their own page. Changes go through services.reserve.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import Optional

from reserve_flow.core import workdays
from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.core.audit.views import label_event_kinds
from reserve_flow.core.deadlines.models import Deadline
from reserve_flow.core.files.tables import to_csv, to_xlsx
from reserve_flow.core.web import db, runtime, workflow_ui
from reserve_flow.core.web.access import login_required, public
from reserve_flow.core.web.actions import attempt, submit
from reserve_flow.core.web.forms import FireForm, VersionForm, kept
from reserve_flow.core.workflow.diagram import case_graph, render
from reserve_flow.organizations.models.organizations import Organization
from reserve_flow.privacy.services.publication import NOT_PUBLISHED
from reserve_flow.reserve import access, plan_rules
from reserve_flow.reserve.models.membership import EXCLUSION_REASONS, ReserveMembership
from reserve_flow.reserve.models.plan import EVIDENCE_KINDS, ITEM_KINDS, PlanItem
from reserve_flow.reserve.services import membership as service
from reserve_flow.reserve.services import plan as plan_service

bp = Blueprint("reserve", __name__)

label_event_kinds(
    {
        "deficit_added": "Внесён профессиональный дефицит резервиста",
        "plan_changed": "Изменён план развития резервиста",
        "plan_confirmed": "Подтверждён план развития резервиста",
        "evidence_uploaded": "Загружен документ по плану развития",
        "mentor_review": "Отзыв наставника о стажировке",
        "programme_created": "Создана программа формирования резерва",
        "programme_targets": "Изменены целевые значения программы",
        "programme_event": "Добавлено мероприятие программы",
        "programme_event_held": "Отмечено проведение мероприятия программы",
        "programme_report": "Сформирован отчёт о реализации программы",
    },
    # A member's own case history says it shorter: the member is the page's subject.
    history={
        "plan_changed": "Изменён план развития",
        "plan_confirmed": "План развития подтверждён",
        "deficit_added": "Внесён профессиональный дефицит",
        "evidence_uploaded": "Загружен подтверждающий документ",
        "mentor_review": "Отзыв наставника",
    },
    subjects={"reserve": "Член резерва", "plan_item": "Пункт плана", "programme": "Программа"},
    data={
        "change": "Изменение",
        "item_id": "Пункт плана (№)",
        "fields": "Поля",
        "side": "Сторона",
        "source": "Источник",
        "period": "Период",
        "reason_code": "Основание",
        "vacancy_id": "Вакансия (№)",
        "order_id": "Приказ (№ записи)",
    },
)
_CHANGES = {"added": "добавлен пункт", "updated": "изменён пункт", "removed": "исключён пункт"}


def parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def load_visible(membership_id: int) -> ReserveMembership:
    return service.get_visible(db(), current_user, membership_id)


class ExcludeForm(VersionForm):
    # Checked against the list by the service, which names the reasons in its refusal.
    reason_code = StringField("Основание")
    note = TextAreaField("Пояснение")


class ExtendForm(VersionForm):
    order_number = StringField("Номер приказа")
    order_date = DateField("Дата приказа", validators=[Optional()])
    new_term_end = DateField("Новый срок — до", validators=[Optional()])


# --- the list ---


def _filters() -> service.ListFilters:
    args = request.args
    return service.ListFilters(
        kind=args.get("kind", "") if args.get("kind", "") in service.KIND_CHOICES else "",
        state=args.get("state", "")
        if args.get("state", "") in runtime().workflows.definitions["reserve"].states
        else "",
        term_end_by=parse_date(args.get("term_end_by")),
        readiness=args.get("readiness", "") if args.get("readiness", "") in READINESS else "",
    )


READINESS = {"full": "план выполнен", "partial": "выполнен частично", "none": "не начат"}


def _listed_rows() -> list[service.ListRow]:
    """The list for this user and the request's filters (the exports: service.export_list)."""
    if not access.may_list(current_user):
        abort(404)
    return service.reserve_list(runtime(), db(), current_user, _filters())


@bp.route("/reserve/")
@login_required
def index():
    if not access.may_list(current_user):
        own = service.own_memberships(db(), current_user)
        if len(own) == 1:
            return redirect(url_for("reserve.show", membership_id=own[0].id))
        return render_template(
            "reserve/mine.html", memberships=own, state_label=lambda m: workflow_ui.state_label(runtime(), m)
        )
    rows = _listed_rows()
    return render_template(
        "reserve/index.html",
        rows=rows,
        filters=_filters(),
        kinds=service.KIND_CHOICES,
        states={k: s.label_ru for k, s in runtime().workflows.definitions["reserve"].states.items()},
        readiness=READINESS,
        query=request.query_string.decode("ascii", "ignore"),
        may_export=access.may_export(current_user),
    )


def _download(content: bytes, mimetype: str, name: str) -> Response:
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/reserve/export.xlsx")
@login_required
def export_xlsx():
    rows = attempt(lambda: service.export_list(runtime(), db(), current_user, _filters(), "xlsx")).value
    today = runtime().now().astimezone(runtime().tz).date()
    content = to_xlsx(
        "Кадровый резерв",
        service.EXPORT_HEADER,
        rows,
        caption=f"Кадровый резерв руководителей образовательных организаций на {today:%d.%m.%Y}",
    )
    return _download(
        content,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"reserve-{today.isoformat()}.xlsx",
    )


@bp.route("/reserve/export.csv")
@login_required
def export_csv():
    today = runtime().now().astimezone(runtime().tz).date()
    rows = attempt(lambda: service.export_list(runtime(), db(), current_user, _filters(), "csv")).value
    content = to_csv(service.EXPORT_HEADER, rows)
    return _download(content, "text/csv; charset=utf-8", f"reserve-{today.isoformat()}.csv")


@bp.route("/public/reserve")
@public
def public_list():
    """The reserve as the РУО website publishes it: full names and positions only."""
    return render_template("reserve/public.html", members=service.public_list(db()), not_published=NOT_PUBLISHED)


# --- a member's page ---


def term_status(membership: ReserveMembership) -> str:
    rt = runtime()
    deadline = (
        db()
        .query(Deadline)
        .filter(
            Deadline.subject_type == "reserve",
            Deadline.subject_id == membership.id,
            Deadline.scope == "workflow",
            Deadline.closed_at.is_(None),
        )
        .first()
    )
    if deadline is None:
        return ""
    return workdays.describe_left(rt.now(), deadline.due_at, rt.tz, deadline.calendar)


def item_deadlines(membership: ReserveMembership) -> dict[int, str]:
    rt = runtime()
    ids = [i.id for i in membership.items]
    if not ids:
        return {}
    found = (
        db()
        .query(Deadline)
        .filter(Deadline.subject_type == "plan_item", Deadline.subject_id.in_(ids), Deadline.closed_at.is_(None))
    )
    return {d.subject_id: workdays.describe_left(rt.now(), d.due_at, rt.tz, d.calendar) for d in found}


def plan_history(membership: ReserveMembership) -> list[dict]:
    """The plan's versions and changes as the page lists them, newest first."""
    events = (
        db()
        .query(AuditEvent)
        .filter(
            AuditEvent.subject_type == "reserve",
            AuditEvent.subject_id == membership.id,
            AuditEvent.kind.in_(("plan_changed", "plan_confirmed")),
        )
        .order_by(AuditEvent.seq.desc())
    )
    rows = []
    for event in events:
        data = event.payload
        if event.kind == "plan_changed":
            what = f"{_CHANGES.get(data.get('change'), data.get('change'))} «{data.get('title', '')}»"
        else:
            what = "подтверждено " + ("специалистом по кадрам" if data.get("side") == "hr" else "резервистом")
        rows.append(
            {
                "time": event.occurred_at,
                "actor": event.actor_name,
                "version": data.get("version"),
                "what": what,
                "reason": event.reason,
            }
        )
    return rows


def render_member(
    membership: ReserveMembership,
    *,
    error: str | None = None,
    status: int = 200,
    form: dict | None = None,
    failed: str | None = None,
):
    """The member's page. Someone else's view is logged as a personal-file access."""
    rt = runtime()
    session = db()
    user = current_user
    service.record_view(rt, session, membership, user)
    is_hr = membership.holds_role(user, "hr")
    is_owner = membership.holds_role(user, "owner")
    item_states = rt.workflows.definitions["plan_item"].states
    items = plan_rules.live_items(membership)
    mentor_view = not access.may_view_member_file(user, membership)
    return render_template(
        "reserve/show.html",
        m=membership,
        state_label=workflow_ui.state_label(rt, membership),
        ended_because=service.ending_reasons(session, [membership]).get(membership.id, ""),
        term_left=term_status(membership),
        reserved_for=service.reserved_for(membership),
        version=plan_rules.current_version(membership),
        progress=plan_rules.progress(membership),
        items=items,
        removed=[i for i in membership.items if i.state == "cancelled"],
        item_states={k: s.label_ru for k, s in item_states.items()},
        item_left=item_deadlines(membership),
        item_history={i.id: workflow_ui.history(rt, session, i) for i in membership.items} if not mentor_view else {},
        plan_history=plan_history(membership),
        is_hr=is_hr,
        is_owner=is_owner,
        mentor_view=mentor_view,
        may_change_plan=access.may_change_plan(user, membership) and membership.state in plan_service.CHANGEABLE_STATES,
        show_deficits=access.may_view_deficits(user, membership),
        may_work=is_owner and membership.state in plan_service.WORKING_STATES,
        agreed_once=membership.state != "included",
        item_kinds=ITEM_KINDS,
        evidence_kinds=EVIDENCE_KINDS,
        exclusion_reasons=EXCLUSION_REASONS,
        organizations=session.query(Organization)
        .filter(Organization.active.is_(True))
        .order_by(Organization.kind, Organization.short_name)
        .all(),
        mentors=plan_service.mentors(session),
        actions=workflow_ui.actions(rt, membership, user),
        may_exclude=is_hr and membership.state in service.ACTIVE_STATES,
        history=workflow_ui.history(rt, session, membership),
        error=error,
        form=form or {},
        failed=failed,
    ), status


@bp.route("/reserve/<int:membership_id>")
@login_required
def show(membership_id: int):
    return render_member(load_visible(membership_id))


@bp.route("/reserve/items/<int:item_id>")
@login_required
def item(item_id: int):
    """Where a notification about a plan item points: the item on its member's page."""
    found = db().get(PlanItem, item_id)
    if found is None or not access.may_view_plan_item(current_user, found):
        abort(404)
    return redirect(url_for("reserve.show", membership_id=found.membership_id, _anchor=f"item-{item_id}"))


def act(
    membership_id: int,
    form: FlaskForm,
    action: Callable[[], Any],
    failed: str,
    done: str | Callable[[Any], str],
    on_refusal: Callable[[str, int], Any] | None = None,
):
    """Validate the posted form, then run a service action; on a bad field or a refusal
    the page again with the reason and the form kept (400), on a conflict with a notice
    (409); on success back to the member's page with a message (`done`, or done(result)).
    A form the page could not have sent (no token, no version) is answered 400."""
    load_visible(membership_id)

    def refused(message: str, status: int):
        if on_refusal is not None:
            return on_refusal(message, status)
        return render_member(
            load_visible(membership_id),
            error=message,
            status=status,
            form=kept(form) if status == 400 else None,
            failed=failed,
        )

    outcome = submit(form, action)
    if not outcome.ok:
        return refused(outcome.error, outcome.status)
    result = outcome.value
    flash(done(result) if callable(done) else done, "success")
    return redirect(url_for("reserve.show", membership_id=membership_id), code=303)


@bp.route("/reserve/<int:membership_id>/fire/<trigger>", methods=["POST"])
@login_required
def fire(membership_id: int, trigger: str):
    rt = runtime()
    form = FireForm()
    membership = load_visible(membership_id)
    label = workflow_ui.action_label(rt, membership, trigger)
    return act(
        membership_id,
        form,
        lambda: service.fire(rt, db(), current_user, membership_id, trigger, form.reason.data or "", form.version.data),
        trigger,
        f"Выполнено: {label}.",
    )


@bp.route("/reserve/<int:membership_id>/exclude", methods=["POST"])
@login_required
def exclude(membership_id: int):
    form = ExcludeForm()
    return act(
        membership_id,
        form,
        lambda: service.exclude(
            runtime(),
            db(),
            current_user,
            membership_id,
            form.version.data,
            form.reason_code.data or "",
            form.note.data or "",
        ),
        "exclude",
        "Резервист исключён из резерва; ему направлено уведомление.",
    )


@bp.route("/reserve/<int:membership_id>/extend", methods=["POST"])
@login_required
def extend(membership_id: int):
    form = ExtendForm()
    return act(
        membership_id,
        form,
        lambda: service.extend_term(
            runtime(),
            db(),
            current_user,
            membership_id,
            form.version.data,
            form.order_number.data or "",
            form.order_date.data,
            form.new_term_end.data,
        ),
        "extend",
        "Срок пребывания в резерве продлён.",
    )


@bp.route("/reserve/<int:membership_id>/diagram.svg")
@login_required
def diagram_svg(membership_id: int):
    membership = load_visible(membership_id)
    definition = runtime().workflows.definition_for(membership)
    response = Response(render(case_graph(db(), definition, membership), "svg"), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, no-cache"
    return response
