"""The contest's sections of the home page (core/web/home.py): the applicant's
applications with their next step, the secretary's documents to check, a member's
applications awaiting a score or a vote, the chair's votes to open and close.
Each section is one query for its applications and one for their open deadlines."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, url_for
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from reserve_flow.contest.models.commission import Recusal, Score, Vote
from reserve_flow.contest.models.contests import Application, CommissionSeat, Contest
from reserve_flow.contest.services.applicants import accepting_contests
from reserve_flow.contest.services.applications import open_deadlines
from reserve_flow.core.actors import Actor
from reserve_flow.core.web import runtime
from reserve_flow.core.web.home import Task, register_home_section
from reserve_flow.core.web.workflow_ui import state_label

# The applicant's next step in each state; True where the step is the applicant's own.
APPLICANT_STEPS: dict[str, tuple[str, bool]] = {
    "draft": ("Загрузите документы, дайте согласие и подайте заявление", True),
    "returned": ("Исправьте документы по замечаниям секретаря и подайте заявление снова", True),
    "submitted": ("Секретарь комиссии проверяет документы", False),
    "admitted": ("Допущено: комиссия оценивает кандидатов", False),
    "assessed": ("Оценено: председатель откроет голосование", False),
    "voting": ("Комиссия голосует", False),
}


def _with_deadlines(session: Session, applications: list[Application]):
    deadlines = open_deadlines(session, [a.id for a in applications])
    return [(a, deadlines.get(a.id)) for a in applications]


def _due(deadline) -> dict:
    return {"due_at": deadline.due_at, "calendar": deadline.calendar} if deadline is not None else {}


def applicant_tasks(session: Session, user: Actor, now: datetime) -> list[Task]:
    rt = runtime()
    mine = list(
        session.scalars(
            select(Application).where(Application.applicant_id == user.id).order_by(Application.id.desc())
        ).unique()
    )
    tasks = []
    for application, deadline in _with_deadlines(session, mine):
        step, own = APPLICANT_STEPS.get(application.state, ("", False))
        due = _due(deadline) if deadline is not None and deadline.actor_role == "owner" else {}
        if application.state == "draft":
            due = {"due_on": application.contest.accept_to, "calendar": "calendar"}
        state = state_label(rt, application)
        tasks.append(
            Task(
                title=f"Заявление на конкурс «{application.contest.title}»",
                url=url_for("applicant.application", application_id=application.id),
                count=1 if own else 0,
                note=f"{state}. {step}" if step else state,
                **due,
            )
        )
    applied = {a.contest_id for a in mine}
    for contest in accepting_contests(rt, session):
        if contest.id not in applied:
            tasks.append(
                Task(
                    title=f"Подать заявление на конкурс «{contest.title}»",
                    url=url_for("applicant.index"),
                    count=0,
                    note="Приём заявлений открыт",
                    due_on=contest.accept_to,
                )
            )
    return tasks


def secretary_tasks(session: Session, user: Actor, now: datetime) -> list[Task]:
    waiting = list(
        session.scalars(
            select(Application)
            .join(Contest, Application.contest_id == Contest.id)
            .where(Contest.secretary_id == user.id, Application.state == "submitted")
            .order_by(Application.id)
        ).unique()
    )
    rows = sorted(_with_deadlines(session, waiting), key=lambda r: (r[1] is None, r[1] and r[1].due_at))
    return [
        Task(
            title=f"Проверить документы: заявление № {a.id}, {a.applicant.full_name}",
            url=url_for("check.show", application_id=a.id),
            note=f"«{a.contest.title}»",
            **_due(deadline),
        )
        for a, deadline in rows
    ]


def member_tasks(session: Session, user: Actor, now: datetime) -> list[Task]:
    mine = Application.id  # correlated below: this member's rows for the application
    recused = exists().where(Recusal.application_id == mine, Recusal.member_id == user.id)
    scored = exists().where(Score.application_id == mine, Score.member_id == user.id)
    voted = exists().where(Vote.application_id == mine, Vote.member_id == user.id)
    seat = exists().where(CommissionSeat.contest_id == Application.contest_id, CommissionSeat.user_id == user.id)
    waiting = list(
        session.scalars(
            select(Application)
            .where(
                seat,
                ~recused,
                ((Application.state == "admitted") & ~scored) | ((Application.state == "voting") & ~voted),
            )
            .order_by(Application.id)
        ).unique()
    )
    return [
        Task(
            title=(
                f"Оценить кандидата: {a.applicant.full_name}"
                if a.state == "admitted"
                else f"Проголосовать: {a.applicant.full_name}"
            ),
            url=url_for("commission.application", application_id=a.id),
            note=f"«{a.contest.title}», заявление № {a.id}",
            **_due(deadline),
        )
        for a, deadline in _with_deadlines(session, waiting)
    ]


def chair_tasks(session: Session, user: Actor, now: datetime) -> list[Task]:
    waiting = list(
        session.scalars(
            select(Application)
            .join(Contest, Application.contest_id == Contest.id)
            .where(Contest.chair_id == user.id, Application.state.in_(("assessed", "voting")))
            .order_by(Application.id)
        ).unique()
    )
    return [
        Task(
            title=(
                f"Открыть голосование: {a.applicant.full_name}"
                if a.state == "assessed"
                else f"Закрыть голосование и объявить решение: {a.applicant.full_name}"
            ),
            url=url_for("commission.application", application_id=a.id),
            note=f"«{a.contest.title}», заявление № {a.id}",
            **_due(deadline),
        )
        for a, deadline in _with_deadlines(session, waiting)
    ]


def init_app(app: Flask) -> None:
    register_home_section(
        app,
        "applicant",
        "Мои заявления на конкурсы",
        applicant_tasks,
        position=100,
        empty="Заявлений пока нет. Когда откроется приём, здесь появится ссылка на конкурс.",
    )
    register_home_section(
        app,
        "secretary",
        "Документы на проверку",
        secretary_tasks,
        position=110,
        empty="Все поданные заявления проверены.",
    )
    register_home_section(
        app,
        "member",
        "Кандидаты, ждущие вашей оценки или голоса",
        member_tasks,
        position=120,
        empty="Все кандидаты оценены, голоса поданы.",
    )
    register_home_section(
        app,
        "chair",
        "Голосования председателя",
        chair_tasks,
        position=130,
        empty="Голосований открывать и закрывать не нужно.",
    )
