"""The organizations' API: the registry and the yearly monitoring imports with their
ranked results, for the roles that read them on the pages (monitoring.can_view)."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint
from pydantic import BaseModel, Field
from spectree import Response

from reserve_flow.core.api import api_blueprint, spec
from reserve_flow.core.api.auth import actor
from reserve_flow.core.api.problems import ApiProblem, Problem
from reserve_flow.core.api.schemas import PageOf, PageQuery, paginate
from reserve_flow.core.web import db
from reserve_flow.organizations import access
from reserve_flow.organizations.models.organizations import Organization
from reserve_flow.organizations.services import monitoring
from reserve_flow.organizations.services import organizations as service

bp = api_blueprint(Blueprint("organizations_api", __name__, url_prefix="/api/v1"))

READ = {f"HTTP_{code}": Problem for code in (401, 403, 404)}


def _require_viewer() -> None:
    # The registry's pages answer others with 404; the API says plainly that the role is missing.
    if not access.may_view_organizations(actor()):
        raise ApiProblem(403, "Реестр организаций и мониторинг видят кадровая служба, комиссия и администратор.")


class OrganizationOut(BaseModel):
    id: int
    kind: str
    full_name: str
    short_name: str
    address: str
    head_name: str
    head_user_id: int | None
    inn: str | None
    phone: str
    email: str
    active: bool
    version: int


class OrganizationPage(PageOf):
    items: list[OrganizationOut]


class OrganizationQuery(PageQuery):
    kind: str = Field("", max_length=20, description="school, kindergarten, additional")
    status: str = Field("active", pattern="^(active|inactive|all)$")
    q: str = Field("", max_length=200, description="Часть названия или ИНН")


def organization_out(o: Organization) -> OrganizationOut:
    return OrganizationOut(
        id=o.id,
        kind=o.kind,
        full_name=o.full_name,
        short_name=o.short_name,
        address=o.address,
        head_name=o.head_name,
        head_user_id=o.head_user_id,
        inn=o.inn,
        phone=o.phone,
        email=o.email,
        active=o.active,
        version=o.version,
    )


@bp.get("/organizations")
@spec.validate(
    query=OrganizationQuery,
    resp=Response(HTTP_200=OrganizationPage, **READ),
    tags=["organizations"],
    operation_id="listOrganizations",
)
def list_organizations(query: OrganizationQuery):
    """The registry, filtered as on its page: kind, status, a fragment of the name or ИНН."""
    _require_viewer()
    found = service.list_organizations(db(), kind=query.kind or None, status=query.status, query=query.q)
    page = paginate(found, query)
    page["items"] = [organization_out(o) for o in page["items"]]
    return OrganizationPage(**page)


@bp.get("/organizations/<int:organization_id>")
@spec.validate(resp=Response(HTTP_200=OrganizationOut, **READ), tags=["organizations"], operation_id="getOrganization")
def get_organization(organization_id: int):
    """One organization of the registry."""
    _require_viewer()
    return organization_out(service.get(db(), organization_id))


class MonitoringImportOut(BaseModel):
    year: int
    source_name: str
    source_sha256: str
    imported_at: datetime | None
    imported_by_id: int | None
    results: int
    flagged: int = Field(description="Организаций ниже порога антикризисного управления")


class MonitoringImports(BaseModel):
    items: list[MonitoringImportOut]


class MonitoringResultOut(BaseModel):
    rank: int
    organization_id: int
    organization: str
    kind: str
    head_name: str
    total_percent: float
    level: str
    flagged: bool


class MonitoringResultPage(PageOf):
    items: list[MonitoringResultOut]


class MonitoringQuery(PageQuery):
    kind: str = Field("", max_length=20)


@bp.get("/monitoring/imports")
@spec.validate(
    resp=Response(HTTP_200=MonitoringImports, **READ), tags=["monitoring"], operation_id="listMonitoringImports"
)
def list_imports():
    """Every monitoring year, newest first: the imported file and its counts."""
    _require_viewer()
    return MonitoringImports(
        items=[
            MonitoringImportOut(
                year=s.year.year,
                source_name=s.year.source_name,
                source_sha256=s.year.source_sha256,
                imported_at=s.year.imported_at,
                imported_by_id=s.year.imported_by_id,
                results=s.results,
                flagged=s.flagged,
            )
            for s in monitoring.years(db())
        ]
    )


@bp.get("/monitoring/imports/<int:year>/results")
@spec.validate(
    query=MonitoringQuery,
    resp=Response(HTTP_200=MonitoringResultPage, **READ),
    tags=["monitoring"],
    operation_id="listMonitoringResults",
)
def list_results(year: int, query: MonitoringQuery):
    """The year's organizations ranked by total score (optionally one kind)."""
    _require_viewer()
    ranked = monitoring.overview(db(), monitoring.get_year(db(), year), query.kind or None)
    page = paginate(ranked, query)
    page["items"] = [
        MonitoringResultOut(
            rank=r.rank,
            organization_id=r.result.organization_id,
            organization=r.result.organization.short_name,
            kind=r.result.organization.kind,
            head_name=r.result.head_name,
            total_percent=r.result.total_percent,
            level=r.result.level,
            flagged=r.flagged,
        )
        for r in page["items"]
    ]
    return MonitoringResultPage(**page)
