"""The shapes the API shares: pagination, workflow state, deadlines, history, plain answers."""

from __future__ import annotations

from datetime import datetime
from math import ceil
from typing import Any, TypeVar

from flask import request, url_for
from pydantic import BaseModel, ConfigDict, Field

from reserve_flow.core.web import MAX_ID

MAX_PER_PAGE = 100
T = TypeVar("T")


class PageQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    page: int = Field(1, ge=1, le=100000, description="Номер страницы, с 1")
    per_page: int = Field(20, ge=1, le=MAX_PER_PAGE, description="Записей на странице, до 100")


class Links(BaseModel):
    self: str
    first: str
    last: str
    next: str | None = None
    prev: str | None = None


class PageOf(BaseModel):
    """A page of a list: `items`, its place in the whole and links to the neighbours."""

    page: int
    per_page: int
    total: int
    links: Links


def paginate(items: list[T], query: PageQuery) -> dict[str, Any]:
    """The page of `items` that `query` asks for, with links that keep the request's filters."""
    total = len(items)
    last = max(1, ceil(total / query.per_page))
    start = (query.page - 1) * query.per_page

    def link(page: int) -> str:
        args = {**request.args.to_dict(), **(request.view_args or {}), "page": page, "per_page": query.per_page}
        return url_for(request.endpoint, **args)

    return {
        "items": items[start : start + query.per_page],
        "page": query.page,
        "per_page": query.per_page,
        "total": total,
        "links": Links(
            self=link(query.page),
            first=link(1),
            last=link(last),
            next=link(query.page + 1) if query.page < last else None,
            prev=link(min(query.page - 1, last)) if query.page > 1 else None,
        ),
    }


class State(BaseModel):
    code: str
    label: str = Field(description="Название состояния по-русски")


class AvailableTrigger(BaseModel):
    trigger: str
    label: str
    reason_required: bool
    blocked: str | None = Field(None, description="Первое невыполненное условие (по-русски), если действие пока нельзя")


class DeadlineOut(BaseModel):
    id: int
    workflow: str
    state: str
    scope: str
    due_at: datetime
    days: int
    calendar: str
    actor_role: str


class HistoryEntry(BaseModel):
    event_id: int
    time: datetime
    actor: str
    action: str
    from_state: str
    to_state: str
    reason: str | None = None


class Case(BaseModel):
    """Every workflow subject, whatever its kind."""

    id: int
    workflow: str
    label: str
    state: State
    version: int
    triggers: list[AvailableTrigger]
    deadlines: list[DeadlineOut]
    history: list[HistoryEntry]


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=0, le=MAX_ID, description="Версия дела, с которой клиент его видел")
    reason: str | None = Field(None, max_length=4000)
    data: dict[str, Any] = Field(default_factory=dict, description="Поля действия со своей формой")


class Moved(BaseModel):
    id: int
    workflow: str
    trigger: str
    state: State
    version: int
    event_id: int | None = None


class Done(BaseModel):
    detail: str
