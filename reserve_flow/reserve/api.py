"""The reserve's API: reserve members (the list with its filters, one member's file with
the plan), plan items, and the reserve and plan-item workflows in the generic case shape.
A member's id is the membership's: stable, unlike the «№» of the CSV export."""

from __future__ import annotations

from datetime import date

from flask import Blueprint
from pydantic import BaseModel, Field
from spectree import Response

from reserve_flow.core.api import api_blueprint, spec
from reserve_flow.core.api.auth import actor
from reserve_flow.core.api.problems import ApiProblem, Problem
from reserve_flow.core.api.schemas import PageOf, PageQuery, State, paginate
from reserve_flow.core.api.workflows import register_workflow_api
from reserve_flow.core.web import db, runtime, workflow_ui
from reserve_flow.core.workflow.errors import ConcurrentChange
from reserve_flow.reserve import plan_rules
from reserve_flow.reserve.models.plan import PlanItem
from reserve_flow.reserve.services import membership as service
from reserve_flow.reserve.services import plan as plan_service

bp = api_blueprint(Blueprint("reserve_api", __name__, url_prefix="/api/v1"))

READ = {f"HTTP_{code}": Problem for code in (401, 403, 404)}


class PlanItemOut(BaseModel):
    id: int
    membership_id: int
    kind: str
    kind_label: str
    title: str
    mandatory: bool
    state: State
    version: int
    due_date: date
    starts_on: date | None
    ends_on: date | None
    provider: str
    hours: int | None
    mentor_id: int | None


class MemberOut(BaseModel):
    id: int = Field(description="Идентификатор членства в резерве (стабильный)")
    user_id: int
    full_name: str
    organization: str
    position: str
    reserved_for: str
    position_kind: str
    contest_id: int
    application_id: int
    included_on: date
    term_end: date
    state: State
    version: int
    plan_percent: int
    readiness: str
    ended_because: str


class MemberDetail(MemberOut):
    plan_items: list[PlanItemOut]


class MemberPage(PageOf):
    items: list[MemberOut]


class MemberQuery(PageQuery):
    kind: str = Field("", max_length=40, description="Вид должности резерва: school, kindergarten, additional")
    state: str = Field("", max_length=40)
    term_end_by: date | None = Field(None, description="Срок пребывания заканчивается не позже этой даты")
    readiness: str = Field("", pattern="^(|full|partial|none)$")
    q: str = Field("", max_length=200, description="Часть ФИО")


def item_out(item: PlanItem) -> PlanItemOut:
    return PlanItemOut(
        id=item.id,
        membership_id=item.membership_id,
        kind=item.kind,
        kind_label=item.kind_label,
        title=item.title,
        mandatory=item.mandatory,
        state=State(code=item.state, label=workflow_ui.state_label(runtime(), item)),
        version=item.version,
        due_date=item.due_date,
        starts_on=item.starts_on,
        ends_on=item.ends_on,
        provider=item.provider,
        hours=item.hours,
        mentor_id=item.mentor_id,
    )


def member_out(row: service.ListRow) -> dict:
    m = row.membership
    return {
        "id": m.id,
        "user_id": m.user_id,
        "full_name": m.user.full_name,
        "organization": row.organization,
        "position": row.position,
        "reserved_for": row.reserved_for,
        "position_kind": m.position_kind,
        "contest_id": m.contest_id,
        "application_id": m.application_id,
        "included_on": m.included_on,
        "term_end": m.term_end,
        "state": State(code=m.state, label=row.state_label),
        "version": m.version,
        "plan_percent": row.progress.percent,
        "readiness": row.progress.readiness,
        "ended_because": row.ended_because,
    }


@bp.get("/reserve/members")
@spec.validate(
    query=MemberQuery, resp=Response(HTTP_200=MemberPage, **READ), tags=["reserve"], operation_id="listReserveMembers"
)
def list_members(query: MemberQuery):
    """Reserve members the caller sees (HR and administrators: all; a mentor: their
    mentees; anyone: themselves), by name, with the filters of the reserve page."""
    filters = service.ListFilters(
        kind=query.kind, state=query.state, term_end_by=query.term_end_by, readiness=query.readiness
    )
    rows = service.reserve_list(runtime(), db(), actor(), filters)
    if query.q:
        rows = [r for r in rows if query.q.casefold() in r.membership.user.full_name.casefold()]
    page = paginate(rows, query)
    page["items"] = [MemberOut(**member_out(r)) for r in page["items"]]
    return MemberPage(**page)


@bp.get("/reserve/members/<int:membership_id>")
@spec.validate(resp=Response(HTTP_200=MemberDetail, **READ), tags=["reserve"], operation_id="getReserveMember")
def get_member(membership_id: int):
    """One member's reserve file with the development plan. Opening someone else's is logged."""
    rt, session, user = runtime(), db(), actor()
    membership = service.get_visible(session, user, membership_id)
    service.record_view(rt, session, membership, user)
    states = rt.workflows.definitions["reserve"].states
    row = service.ListRow(
        membership=membership,
        state_label=states[membership.state].label_ru,
        progress=plan_rules.progress(membership),
        reserved_for=service.reserved_for(membership),
        organization=membership.user.organization.short_name if membership.user.organization else "",
        position=membership.user.position,
        ended_because=service.ending_reasons(session, [membership]).get(membership.id, ""),
    )
    return MemberDetail(**member_out(row), plan_items=[item_out(i) for i in membership.items])


@bp.get("/reserve/members/<int:membership_id>/plan-items")
@spec.validate(resp=Response(HTTP_200=list[PlanItemOut], **READ), tags=["reserve"], operation_id="listPlanItems")
def list_plan_items(membership_id: int):
    """The items of a member's development plan."""
    membership = service.get_visible(db(), actor(), membership_id)
    return [item_out(i) for i in membership.items]


# --- the workflows in the generic shape ---


def _fire_membership(rt, session, user, subject_id, trigger, reason, version, data):
    return service.fire(rt, session, user, subject_id, trigger, reason, version)


def _day(data: dict, name: str) -> date | None:
    raw = data.get(name)
    if raw in (None, ""):
        return None
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise ApiProblem(
            422,
            f"data.{name}: нужна дата в формате ГГГГ-ММ-ДД.",
            kind="invalid",
            errors=[{"field": f"data.{name}", "message": "Нужна дата в формате ГГГГ-ММ-ДД."}],
        ) from None


def _exclude(rt, session, user, subject_id, trigger, reason, version, data):
    note = str(data.get("note") or reason or "")
    return service.exclude(rt, session, user, subject_id, version, str(data.get("reason_code") or ""), note)


def _extend_term(rt, session, user, subject_id, trigger, reason, version, data):
    return service.extend_term(
        rt,
        session,
        user,
        subject_id,
        version,
        str(data.get("order_number") or ""),
        _day(data, "order_date"),
        _day(data, "new_term_end"),
    )


def _agree_plan(rt, session, user, subject_id, trigger, reason, version, data):
    return plan_service.confirm_plan(rt, session, user, subject_id, version)


register_workflow_api(
    "reserve",
    load=lambda rt, session, user, subject_id: service.get_visible(session, user, subject_id),
    fire=_fire_membership,
    viewed=lambda rt, session, user, membership: service.record_view(rt, session, membership, user),
    own_pages={"exclude": _exclude, "extend_term": _extend_term, "agree_plan": _agree_plan},
)


def _load_item(rt, session, user, item_id: int) -> PlanItem:
    """A plan item through its membership's rule: whoever may see the member's file."""
    item = session.get(PlanItem, item_id)
    if item is None:
        raise plan_service.ItemNotFound(item_id)
    membership = service.get_visible(session, user, item.membership_id)
    found = next((i for i in membership.items if i.id == item_id), None)
    if found is None:
        raise plan_service.ItemNotFound(item_id)
    return found


def _item_step(step):
    def fire(rt, session, user, subject_id, trigger, reason, version, data):
        item = _load_item(rt, session, user, subject_id)
        if item.version != version:
            raise ConcurrentChange(subject_id=item.id)
        return step(rt, session, user, item.membership_id, subject_id, reason)

    return fire


def _plan_edit_only(rt, session, user, subject_id, trigger, reason, version, data):
    raise plan_service.PlanRefused(
        "Это действие выполняется при изменении плана: на странице плана резервиста или при подтверждении версии плана."
    )


register_workflow_api(
    "plan_item",
    load=_load_item,
    fire=_plan_edit_only,
    own_pages={
        "submit": _item_step(lambda rt, s, u, m, i, reason: plan_service.submit_item(rt, s, u, m, i)),
        "accept": _item_step(lambda rt, s, u, m, i, reason: plan_service.accept_item(rt, s, u, m, i, reason or "")),
        "return_item": _item_step(
            lambda rt, s, u, m, i, reason: plan_service.return_item(rt, s, u, m, i, reason or "")
        ),
    },
)
