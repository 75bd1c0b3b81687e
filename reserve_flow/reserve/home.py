"""The reserve's sections of the home page (core/web/home.py): the HR officer's overdue
plan items, reports to check and plans to agree; the mentor's interns and the reviews due;
a reservist's own plan items. Each section is one query."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, url_for
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from reserve_flow.core.actors import Actor
from reserve_flow.core.web import runtime
from reserve_flow.core.web.home import Task, register_home_section
from reserve_flow.reserve.models.membership import ReserveMembership
from reserve_flow.reserve.models.plan import PlanItem

ACTIVE = ("included", "plan_agreed", "developing", "ready")  # memberships still in the reserve
OPEN_ITEMS = ("planned", "submitted", "returned")
LIMIT = 50  # a home page names the most urgent; the full lists are on the reserve's pages


def _today():
    rt = runtime()
    return rt.now().astimezone(rt.tz).date()


def hr_tasks(session: Session, user: Actor, now: datetime) -> list[Task]:
    today = _today()
    items = session.scalars(
        select(PlanItem)
        .join(ReserveMembership, PlanItem.membership_id == ReserveMembership.id)
        .where(
            ReserveMembership.state.in_(ACTIVE),
            or_(
                PlanItem.state == "submitted",
                PlanItem.state.in_(("planned", "returned")) & (PlanItem.due_date < today),
            ),
        )
        .order_by(PlanItem.due_date, PlanItem.id)
        .limit(LIMIT)
    ).unique()
    tasks = []
    for item in items:
        who = item.membership.user.full_name
        if item.state == "submitted":
            tasks.append(Task(f"Проверить отчёт: {item.title}", url_for("reserve.item", item_id=item.id), note=who))
        else:
            tasks.append(
                Task(
                    f"Просрочен пункт плана: {item.title}",
                    url_for("reserve.item", item_id=item.id),
                    note=f"{who}: напомните резервисту или перенесите срок",
                    due_on=item.due_date,
                )
            )
    return tasks


def hr_plans(session: Session, user: Actor, now: datetime) -> list[Task]:
    memberships = session.scalars(
        select(ReserveMembership)
        .where(ReserveMembership.state == "included")
        .order_by(ReserveMembership.included_on, ReserveMembership.id)
        .limit(LIMIT)
    ).unique()
    return [
        Task(
            f"Составить и согласовать план развития: {m.user.full_name}",
            url_for("reserve.show", membership_id=m.id),
            note=f"В резерве с {m.included_on:%d.%m.%Y}",
        )
        for m in memberships
    ]


def mentor_tasks(session: Session, user: Actor, now: datetime) -> list[Task]:
    items = session.scalars(
        select(PlanItem)
        .join(ReserveMembership, PlanItem.membership_id == ReserveMembership.id)
        .where(PlanItem.mentor_id == user.id, PlanItem.state.in_(OPEN_ITEMS), ReserveMembership.state.in_(ACTIVE))
        .order_by(PlanItem.due_date, PlanItem.id)
        .limit(LIMIT)
    ).unique()
    tasks = []
    for item in items:
        who = item.membership.user.full_name
        review_due = item.kind == "internship" and not (item.mentor_review or "").strip()
        tasks.append(
            Task(
                f"Написать отзыв о стажировке: {who}" if review_due else f"Стажёр: {who}",
                url_for("reserve.item", item_id=item.id),
                count=1 if review_due else 0,
                note=item.title,
                due_on=item.due_date,
            )
        )
    return tasks


def reservist_tasks(session: Session, user: Actor, now: datetime) -> list[Task]:
    items = session.scalars(
        select(PlanItem)
        .join(ReserveMembership, PlanItem.membership_id == ReserveMembership.id)
        .where(
            ReserveMembership.user_id == user.id,
            ReserveMembership.state.in_(ACTIVE),
            PlanItem.state.in_(("planned", "returned")),
        )
        .order_by(PlanItem.due_date, PlanItem.id)
        .limit(LIMIT)
    ).unique()
    return [
        Task(
            ("Доработать отчёт: " if item.state == "returned" else "Выполнить и отчитаться: ") + item.title,
            url_for("reserve.item", item_id=item.id),
            note=item.kind_label,
            due_on=item.due_date,
        )
        for item in items
    ]


def init_app(app: Flask) -> None:
    register_home_section(
        app,
        "hr",
        "Планы развития: просрочено и на проверке",
        hr_tasks,
        position=200,
        empty="Просроченных пунктов и отчётов на проверке нет.",
    )
    register_home_section(
        app,
        "hr",
        "Резервисты без согласованного плана",
        hr_plans,
        position=210,
        empty="У всех резервистов план согласован.",
    )
    register_home_section(
        app, "mentor", "Мои стажёры", mentor_tasks, position=220, empty="Стажёров и отзывов к написанию нет."
    )
    register_home_section(
        app,
        "applicant",
        "Мой план развития в резерве",
        reservist_tasks,
        position=230,
        empty="Пунктов плана к выполнению нет.",
    )
