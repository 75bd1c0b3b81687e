"""The start page: what the signed-in user has to do now.

The core knows no domain's work, so the page is a registry: each domain registers, for a
role, a function that returns its task items for a user (`register_home_section`, called
from the domain's init_app). The page shows the sections of the roles the user holds, in
the order of their positions; the sum of the items' counts is the badge beside «Что
сделать» in every page's header. A section function runs one bounded query: it is called
on every page a signed-in user opens (once per request, see `task_count`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from flask import Blueprint, Flask, current_app, g, render_template
from flask_login import current_user
from sqlalchemy.orm import Session

from reserve_flow.core import workdays
from reserve_flow.core.actors import Actor
from reserve_flow.core.web import db, runtime
from reserve_flow.core.web.access import public

bp = Blueprint("main", __name__)


@dataclass(frozen=True)
class Task:
    """One line of a home section: what to do, how many, where to do it, by when.

    `count` is how many things wait for this user's action behind the link (0 for a
    line given for information, such as an application waiting for the commission);
    the header's badge sums it. `due_at` is a deadline's exclusive end (as in
    core/deadlines), counted in `calendar` days; `due_on` a plain last day."""

    title: str
    url: str
    count: int = 1
    note: str = ""
    due_at: datetime | None = None
    calendar: str = "working"
    due_on: date | None = None


Collect = Callable[[Session, Actor, datetime], list[Task]]


@dataclass(frozen=True)
class HomeSection:
    role: str
    title: str
    collect: Collect
    position: int
    empty: str


_KEY = "reserve_flow.home_sections"


def register_home_section(
    app: Flask, role: str, title: str, collect: Collect, *, position: int, empty: str = "Сейчас ничего не ждёт вас."
) -> None:
    """Show `title` with the tasks `collect(session, user, now)` returns on the home page of
    users holding `role`; sections stand in the order of `position`, those of one title
    merged into one. Any role may have sections, one added later included."""
    app.extensions.setdefault(_KEY, []).append(HomeSection(role, title, collect, position, empty))


@dataclass(frozen=True)
class ShownTask:
    task: Task
    left: str  # «осталось 3 рабочих дня», «срок истёк», or ""
    last_day: date | None
    overdue: bool


@dataclass(frozen=True)
class ShownSection:
    title: str
    tasks: list[ShownTask]
    empty: str

    @property
    def count(self) -> int:
        return sum(t.task.count for t in self.tasks)


def _shown(task: Task, now: datetime) -> ShownTask:
    tz = runtime().tz
    if task.due_at is not None:
        return ShownTask(
            task,
            workdays.describe_left(now, task.due_at, tz, task.calendar),
            workdays.last_day_of(task.due_at, tz),
            now >= task.due_at,
        )
    if task.due_on is not None:
        due_at = workdays.end_of(task.due_on, tz)
        return ShownTask(task, workdays.describe_left(now, due_at, tz, "calendar"), task.due_on, now >= due_at)
    return ShownTask(task, "", None, False)


def sections_for(session: Session, user: Actor, now: datetime) -> list[ShownSection]:
    """The home sections of `user`'s roles with their tasks; computed once per request."""
    if "home_sections" not in g:
        registered = sorted(current_app.extensions.get(_KEY, []), key=lambda s: s.position)
        # Sections of one title (the administrator's, from several areas) show as one.
        merged: dict[str, ShownSection] = {}
        for section in registered:
            if not user.has_role(section.role):
                continue
            tasks = [_shown(t, now) for t in section.collect(session, user, now)]
            if section.title in merged:
                merged[section.title].tasks.extend(tasks)
            else:
                merged[section.title] = ShownSection(section.title, tasks, section.empty)
        g.home_sections = list(merged.values())
    return g.home_sections


def task_count(session: Session, user: Actor, now: datetime) -> int:
    return sum(section.count for section in sections_for(session, user, now))


def _task_badge() -> dict:
    if not current_user.is_authenticated:
        return {}
    return {"home_task_count": task_count(db(), current_user, runtime().now())}


def init_app(app: Flask) -> None:
    app.context_processor(_task_badge)


@bp.route("/")
@public
def index():
    if not current_user.is_authenticated:
        return render_template("core/index.html", user=current_user, sections=[])
    return render_template(
        "core/index.html", user=current_user, sections=sections_for(db(), current_user, runtime().now())
    )
