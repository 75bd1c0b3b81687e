"""The core's API resources: the caller's deadlines, the audit journal (administrators),
the caller's own API tokens."""

from __future__ import annotations

import json as jsonlib
from datetime import datetime

from flask import Blueprint, request, url_for
from pydantic import BaseModel, ConfigDict, Field
from spectree import Response

from reserve_flow.core.api import spec, tokens
from reserve_flow.core.api.auth import actor
from reserve_flow.core.api.problems import ApiProblem, Problem
from reserve_flow.core.api.schemas import Done, PageOf, PageQuery, paginate
from reserve_flow.core.audit.views import recent_events
from reserve_flow.core.deadlines import services as deadlines
from reserve_flow.core.web import MAX_ID, db, runtime

bp = Blueprint("core_api", __name__, url_prefix="/api/v1")

PROBLEMS = {f"HTTP_{code}": Problem for code in (401, 403)}


# --- deadlines ---


class DeadlineRowOut(BaseModel):
    id: int
    workflow: str
    subject_type: str
    subject_id: int
    subject_label: str
    state: str
    state_label: str
    role: str
    actors: list[str]
    due_at: datetime
    last_day: str = Field(description="Последний день срока, ГГГГ-ММ-ДД")
    left: str
    overdue: bool


class DeadlinePage(PageOf):
    items: list[DeadlineRowOut]


class DeadlineQuery(PageQuery):
    scope: str = Field(
        "mine", pattern="^(mine|overview)$", description="mine — свои сроки; overview — обзор (секретарь, кадры)"
    )
    overdue: bool | None = None
    workflow: str | None = Field(None, max_length=40)


@bp.get("/deadlines")
@spec.validate(
    query=DeadlineQuery,
    resp=Response(HTTP_200=DeadlinePage, **PROBLEMS),
    tags=["deadlines"],
    operation_id="listDeadlines",
)
def list_deadlines(query: DeadlineQuery):
    """Open deadlines: the caller's own (`scope=mine`), or the overview a secretary or an HR officer sees."""
    rt, session, user = runtime(), db(), actor()
    now = rt.now()
    if query.scope == "overview":
        if not deadlines.may_see_overview(user):
            raise ApiProblem(403, "Обзор сроков видят секретарь комиссии и кадровая служба.")
        rows = deadlines.overview(session, rt, user, now)
    else:
        rows = deadlines.own_deadlines(session, rt, user, now)
    items = [
        DeadlineRowOut(
            id=r.deadline.id,
            workflow=r.deadline.workflow,
            subject_type=r.deadline.subject_type,
            subject_id=r.deadline.subject_id,
            subject_label=r.subject_label,
            state=r.deadline.state,
            state_label=r.state_label,
            role=r.role,
            actors=r.actors,
            due_at=r.deadline.due_at,
            last_day=r.last_day.isoformat(),
            left=r.left,
            overdue=r.overdue,
        )
        for r in rows
        if (query.overdue is None or r.overdue == query.overdue)
        and (query.workflow is None or r.deadline.workflow == query.workflow)
    ]
    return DeadlinePage(**paginate(items, query))


# --- the audit journal ---


class AuditEventOut(BaseModel):
    id: int
    seq: int
    occurred_at: datetime
    kind: str
    actor_id: int | None
    actor_name: str
    subject_type: str
    subject_id: int | None
    trigger: str | None
    from_state: str | None
    to_state: str | None
    reason: str | None
    data: dict
    hash: str


class AuditPage(BaseModel):
    """A cursor page of the journal, newest first: `next` continues before the last event shown."""

    items: list[AuditEventOut]
    next_before: int | None = Field(None, description="Передайте как before, чтобы получить следующую страницу")
    links: dict[str, str | None]


class AuditQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    kind: str = Field("", max_length=40)
    subject_type: str = Field("", max_length=40)
    subject_id: int | None = Field(None, ge=0, le=MAX_ID)
    before: int | None = Field(None, ge=1, le=MAX_ID, description="Курсор: seq, до которого читать")
    per_page: int = Field(50, ge=1, le=200)


@bp.get("/audit")
@spec.validate(
    query=AuditQuery, resp=Response(HTTP_200=AuditPage, **PROBLEMS), tags=["audit"], operation_id="listAuditEvents"
)
def audit_journal(query: AuditQuery):
    """The audit journal, newest first, for administrators; filter by kind and subject, page by cursor."""
    user = actor()
    if not user.has_role("admin"):
        raise ApiProblem(403, "Журнал аудита доступен только администратору.")
    events = recent_events(
        db(), kind=query.kind, subject_type=query.subject_type, limit=query.per_page + 1, before_seq=query.before
    )
    if query.subject_id is not None:
        events = [e for e in events if e.subject_id == query.subject_id]
    more = len(events) > query.per_page
    events = events[: query.per_page]
    next_before = events[-1].seq if more and events else None
    args = {k: v for k, v in request.args.items() if k != "before"}
    return AuditPage(
        items=[
            AuditEventOut(
                id=e.id,
                seq=e.seq,
                occurred_at=e.occurred_at,
                kind=e.kind,
                actor_id=e.actor_id,
                actor_name=e.actor_name,
                subject_type=e.subject_type,
                subject_id=e.subject_id,
                trigger=e.trigger,
                from_state=e.from_state,
                to_state=e.to_state,
                reason=e.reason,
                data=jsonlib.loads(e.data or "{}"),
                hash=e.hash,
            )
            for e in events
        ],
        next_before=next_before,
        links={
            "self": url_for("core_api.audit_journal", **request.args),
            "next": url_for("core_api.audit_journal", **args, before=next_before) if next_before else None,
        },
    )


# --- the caller's tokens ---


class TokenOut(BaseModel):
    id: int
    name: str
    hint: str = Field(description="Начало токена, чтобы отличать токены друг от друга")
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    active: bool


class NewTokenOut(TokenOut):
    token: str = Field(description="Сам токен: показывается один раз")


class TokenList(BaseModel):
    items: list[TokenOut]


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field("", max_length=100)
    days: int = Field(tokens.DEFAULT_DAYS, ge=1, le=tokens.MAX_DAYS)


def token_out(token: tokens.ApiToken, now: datetime) -> dict:
    return {
        "id": token.id,
        "name": token.name,
        "hint": token.hint,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
        "active": token.active_at(now),
    }


@bp.get("/tokens")
@spec.validate(resp=Response(HTTP_200=TokenList, **PROBLEMS), tags=["tokens"], operation_id="listTokens")
def list_tokens():
    """The caller's API tokens, newest first (the secrets are never shown again)."""
    now = runtime().now()
    return TokenList(items=[TokenOut(**token_out(t, now)) for t in tokens.tokens_of(db(), actor())])


@bp.post("/tokens")
@spec.validate(
    json=TokenIn,
    resp=Response(HTTP_201=NewTokenOut, HTTP_422=Problem, **PROBLEMS),
    tags=["tokens"],
    operation_id="createToken",
)
def create_token(json: TokenIn):
    """A new token of the caller: the answer holds the secret, once. Audited."""
    rt = runtime()
    made = tokens.create_token(db(), actor(), rt.now(), name=json.name, days=json.days)
    return NewTokenOut(**token_out(made.token, rt.now()), token=made.secret), 201


@bp.delete("/tokens/<int:token_id>")
@spec.validate(
    resp=Response(HTTP_200=Done, HTTP_404=Problem, HTTP_422=Problem, **PROBLEMS),
    tags=["tokens"],
    operation_id="revokeToken",
)
def revoke_token(token_id: int):
    """Revoke one of the caller's tokens. Audited."""
    tokens.revoke_token(db(), actor(), token_id, runtime().now())
    return Done(detail="Токен отозван.")
