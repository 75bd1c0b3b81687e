"""The appointments' API: vacancies with their candidates and attestations, the orders'
register, and the appointment workflow in the generic case shape. Each step of a vacancy
runs the service its page's form runs (the shortlist's confirmation, the choice of a
candidate, the order's draft, number and signature...), its fields in `data`; the attestation, which
needs its signed document, is recorded on the vacancy's page."""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint
from pydantic import BaseModel, Field
from spectree import Response

from reserve_flow.appointments import access
from reserve_flow.appointments.models import Vacancy
from reserve_flow.appointments.services import orders
from reserve_flow.appointments.services import vacancies as service
from reserve_flow.core.api import api_blueprint, spec
from reserve_flow.core.api.auth import actor
from reserve_flow.core.api.problems import ApiProblem, Problem
from reserve_flow.core.api.schemas import PageOf, PageQuery, State, paginate
from reserve_flow.core.api.workflows import register_workflow_api
from reserve_flow.core.web import db, runtime, workflow_ui

bp = api_blueprint(Blueprint("appointments_api", __name__, url_prefix="/api/v1"))

READ = {f"HTTP_{code}": Problem for code in (401, 403, 404)}


class CandidateOut(BaseModel):
    id: int
    user_id: int
    membership_id: int | None
    status: str
    status_note: str
    justification: str
    added_at: datetime


class AttestationOut(BaseModel):
    id: int
    candidate_id: int
    held_on: date
    attested: bool
    conclusion: str
    document_name: str
    document_sha256: str
    created_at: datetime


class VacancyOut(BaseModel):
    id: int
    organization_id: int
    organization: str
    position: str
    reason: str
    planned_on: date
    state: State
    version: int
    created_at: datetime
    candidates: list[CandidateOut]
    attestations: list[AttestationOut]
    order_id: int | None


class VacancyPage(PageOf):
    items: list[VacancyOut]


class VacancyQuery(PageQuery):
    open_only: bool = False
    state: str = Field("", max_length=40)


class OrderOut(BaseModel):
    id: int
    vacancy_id: int
    candidate_id: int
    title: str
    register_kind: str = Field(description="Журнал регистрации приказов")
    year: int | None
    number: int | None
    issued_on: date | None
    start_on: date
    contract_years: int
    docx_sha256: str
    pdf_sha256: str


class OrderPage(PageOf):
    items: list[OrderOut]


class OrderQuery(PageQuery):
    year: int | None = Field(None, ge=1990, le=2200, description="Год регистрации; по умолчанию последний")


def _require_viewer() -> None:
    if not access.may_view_vacancies(actor()):
        raise ApiProblem(403, "Вакансии и приказы видят кадровая служба и администратор.")


def vacancy_out(v: Vacancy) -> VacancyOut:
    return VacancyOut(
        id=v.id,
        organization_id=v.organization_id,
        organization=v.organization.short_name,
        position=v.position,
        reason=v.reason,
        planned_on=v.planned_on,
        state=State(code=v.state, label=workflow_ui.state_label(runtime(), v)),
        version=v.version,
        created_at=v.created_at,
        candidates=[
            CandidateOut(
                id=c.id,
                user_id=c.user_id,
                membership_id=c.membership_id,
                status=c.status,
                status_note=c.status_note,
                justification=c.justification,
                added_at=c.added_at,
            )
            for c in v.candidates
        ],
        attestations=[
            AttestationOut(
                id=a.id,
                candidate_id=a.candidate_id,
                held_on=a.held_on,
                attested=a.attested,
                conclusion=a.conclusion,
                document_name=a.document_name,
                document_sha256=a.document_sha256,
                created_at=a.created_at,
            )
            for a in v.attestations
        ],
        order_id=v.order.id if v.order is not None else None,
    )


@bp.get("/vacancies")
@spec.validate(
    query=VacancyQuery, resp=Response(HTTP_200=VacancyPage, **READ), tags=["appointments"], operation_id="listVacancies"
)
def list_vacancies(query: VacancyQuery):
    """Vacancies of heads, by planned date, with candidates and attestations."""
    _require_viewer()
    found = service.vacancies(db(), actor(), open_only=query.open_only)
    if query.state:
        found = [v for v in found if v.state == query.state]
    page = paginate(found, query)
    page["items"] = [vacancy_out(v) for v in page["items"]]
    return VacancyPage(**page)


@bp.get("/vacancies/<int:vacancy_id>")
@spec.validate(resp=Response(HTTP_200=VacancyOut, **READ), tags=["appointments"], operation_id="getVacancy")
def get_vacancy(vacancy_id: int):
    """One vacancy."""
    return vacancy_out(service.get_vacancy(db(), actor(), vacancy_id))


@bp.get("/orders")
@spec.validate(
    query=OrderQuery, resp=Response(HTTP_200=OrderPage, **READ), tags=["appointments"], operation_id="listOrders"
)
def list_orders(query: OrderQuery):
    """The register of issued appointment orders of a year, by number."""
    _require_viewer()
    session = db()
    years = orders.issued_years(session)
    year = query.year or (years[0] if years else None)
    found = orders.order_register(session, actor(), year) if year else []
    page = paginate(found, query)
    page["items"] = [
        OrderOut(
            id=o.id,
            vacancy_id=o.vacancy_id,
            candidate_id=o.candidate_id,
            title=o.title,
            register_kind=o.register,
            year=o.year,
            number=o.number,
            issued_on=o.issued_on,
            start_on=o.start_on,
            contract_years=o.contract_years,
            docx_sha256=o.docx_sha256,
            pdf_sha256=o.pdf_sha256,
        )
        for o in page["items"]
    ]
    return OrderPage(**page)


# --- the workflow in the generic shape: each step through its page's service ---


def _int(data: dict, name: str) -> int:
    try:
        return int(data[name])
    except (KeyError, TypeError, ValueError):
        raise ApiProblem(
            422,
            f"Укажите data.{name} (целое число).",
            kind="invalid",
            errors=[{"field": f"data.{name}", "message": "Нужно целое число."}],
        ) from None


STEPS = {
    "shortlist": lambda rt, s, u, i, reason, version, data: service.confirm_shortlist(rt, s, u, i, version),
    "send_to_attestation": lambda rt, s, u, i, reason, version, data: service.select_candidate(
        rt, s, u, i, version, _int(data, "candidate_id")
    ),
    "withdraw_selected": lambda rt, s, u, i, reason, version, data: service.withdraw_selected(
        rt, s, u, i, version, reason or ""
    ),
    "draft_order": lambda rt, s, u, i, reason, version, data: service.draft_order(
        rt, s, u, i, version, grounds=str(data.get("grounds") or "")
    ),
    "revise_draft": lambda rt, s, u, i, reason, version, data: service.revise_draft(rt, s, u, i, version, reason or ""),
    "return_to_shortlist": lambda rt, s, u, i, reason, version, data: service.return_to_shortlist(
        rt, s, u, i, version, reason or ""
    ),
    "number_order": lambda rt, s, u, i, reason, version, data: orders.number(rt, s, u, i, version),
    "sign_order": lambda rt, s, u, i, reason, version, data: orders.sign(rt, s, u, i, version),
    "cancel": lambda rt, s, u, i, reason, version, data: service.cancel(rt, s, u, i, version, reason or ""),
}


def _step(rt, session, user, subject_id, trigger, reason, version, data):
    step = STEPS.get(trigger)
    if step is None:
        raise service.AppointmentRefused(
            "Это действие выполняется на странице вакансии или приказа (итоги аттестации и скан подписанного "
            "приказа — с файлом; закрытие — с подписанием приказа)."
        )
    return step(rt, session, user, subject_id, reason, version, data)


register_workflow_api(
    "appointment",
    load=lambda rt, session, user, subject_id: service.get_vacancy(session, user, subject_id),
    fire=_step,
    own_pages={trigger: _step for trigger in STEPS},
)
