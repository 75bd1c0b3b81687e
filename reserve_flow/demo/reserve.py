"""The demo's reserve (`reserve-flow demo`): applicants the commission included by its
vote, and their memberships brought to different states by the reserve's own services
(plans drafted by the HR officer and agreed, evidence uploaded, a mentor's review, an
exclusion), plus the district's programme with targets and events.

The inclusion happens in the demo's main transaction, through the engine like the
rest of it; the reserve's steps then run as they do in real use, one transaction
each, by the person who would take them.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from reserve_flow.contest.commission_rules import tally, voters
from reserve_flow.contest.models.commission import Vote, VoteResult
from reserve_flow.contest.models.contests import Application
from reserve_flow.organizations.models.organizations import Organization
from reserve_flow.people.models import User
from reserve_flow.reserve.models.membership import ReserveMembership
from reserve_flow.reserve.services import membership as reserve_service
from reserve_flow.reserve.services import plan, programme

if TYPE_CHECKING:
    from reserve_flow.runtime import Runtime

# The reserve state each demo member is brought to, by account key.
RESERVE_STATES = {
    "applicant6": "included",
    "applicant7": "plan_agreed",
    "applicant8": "developing",
    "applicant9": "ready",
    "applicant10": "excluded",
    # Made ready here, then appointed by the demo's closed vacancy (demo/appointments.py).
    "applicant11": "appointed",
}
PDF = b"%PDF-1.4\n% reserve-flow demo evidence\n"


def vote_to_include(session: Session, application: Application, now) -> None:
    """The commission (the demo marks it all present) voting for inclusion, and the chair's
    closing record, which the engine's include guards check (what close_vote writes in real use)."""
    contest = application.contest
    for member in voters(contest):
        session.add(Vote(application_id=application.id, member_id=member.id, include=True, cast_at=now))
    session.flush()
    result = tally(session, application)
    session.add(
        VoteResult(
            application_id=application.id,
            eligible=len(result.eligible),
            quorum=result.quorum,
            votes_for=result.votes_for,
            votes_against=result.votes_against,
            casting_vote=None,
            decision="include",
            closed_at=now,
            closed_by_id=contest.chair_id,
        )
    )
    session.flush()


def _in(days: int, today: date) -> date:
    return today + timedelta(days=days)


def seed_reserve(runtime: Runtime) -> None:
    """Bring each demo member's membership to its RESERVE_STATES state (see the module doc)."""
    today = runtime.now().astimezone(runtime.tz).date()
    with runtime.sessions() as session:
        by_email = {u.email.split("@")[0]: u for u in session.scalars(select(User))}
        memberships = {m.user.email.split("@")[0]: m.id for m in session.scalars(select(ReserveMembership))}
        hr, mentor = by_email["hr"], by_email["mentor"]
        host = session.scalars(select(Organization.id).where(Organization.short_name == "Нижнеангарская СОШ № 2")).one()

    def as_(user: User, action, *args):
        with runtime.sessions() as s:
            return action(runtime, s, s.get(User, user.id), *args)

    def version(membership_id: int) -> int:
        with runtime.sessions() as s:
            return s.get(ReserveMembership, membership_id).version

    for key, state in RESERVE_STATES.items():
        m, member = memberships[key], by_email[key]
        as_(hr, plan.deficits_from_scores, m)
        as_(hr, plan.add_deficit, m, "Недостаточный опыт планирования финансово-хозяйственной деятельности")
        if state == "included":
            continue
        course = as_(
            hr,
            plan.add_item,
            m,
            version(m),
            plan.ItemData(
                kind="course",
                title="Менеджмент в образовании",
                mandatory=True,
                due_date=_in(75, today),
                starts_on=_in(20, today),
                ends_on=_in(60, today),
                provider="ГАУ ДПО «Бурятский республиканский институт образовательной политики»",
                programme="Управление образовательной организацией: право, финансы, персонал",
                hours=72,
            ),
        )
        internship = as_(
            hr,
            plan.add_item,
            m,
            version(m),
            plan.ItemData(
                kind="internship",
                title="Стажировка у директора школы",
                mandatory=True,
                due_date=_in(120, today),
                starts_on=_in(80, today),
                ends_on=_in(110, today),
                programme="Планирование работы школы, педсовет, отчётность перед учредителем",
                host_organization_id=host,
                mentor_id=mentor.id,
            ),
        )
        as_(
            hr,
            plan.add_item,
            m,
            version(m),
            plan.ItemData(
                kind="seminar",
                title="Районный семинар «Школа молодого руководителя»",
                mandatory=False,
                due_date=_in(45, today),
                provider="РУО",
            ),
        )
        as_(hr, plan.confirm_plan, m, version(m))
        as_(member, plan.confirm_plan, m, version(m))
        if state == "plan_agreed":
            continue
        as_(
            member,
            plan.upload_evidence,
            m,
            course.id,
            "certificate",
            io.BytesIO(PDF + key.encode()),
            "Удостоверение о повышении квалификации.pdf",
        )
        as_(member, plan.submit_item, m, course.id)
        if state == "developing":
            as_(
                hr,
                plan.return_item,
                m,
                course.id,
                "В удостоверении нет регистрационного номера: приложите скан с номером и печатью.",
            )
            continue
        as_(hr, plan.accept_item, m, course.id, "")
        if state == "excluded":
            as_(hr, reserve_service.exclude, m, version(m), "own_request", "Заявление резервиста")
            continue
        as_(
            member,
            plan.upload_evidence,
            m,
            internship.id,
            "report",
            io.BytesIO(PDF + b"report " + key.encode()),
            "Отчёт о стажировке.pdf",
        )
        as_(member, plan.submit_item, m, internship.id)
        as_(
            mentor,
            plan.review_item,
            m,
            internship.id,
            "Стажировку прошла полностью: подготовила план работы школы на четверть, провела педагогический совет.",
        )
        as_(hr, plan.accept_item, m, internship.id, "")

    created = as_(
        hr,
        programme.create,
        "Программа формирования кадрового резерва руководителей образовательных организаций Северо-Байкальского района",
        today.year,
        today.year + 2,
        "постановление администрации МО «Северо-Байкальский район» (демо)",
    )
    as_(
        hr,
        programme.set_targets,
        created.id,
        {
            ("members_school", today.year): "5",
            ("members_kindergarten", today.year): "2",
            ("members_additional", today.year): "1",
            ("plan_on_time", today.year + 1): "80",
            ("internships", today.year + 1): "4",
            ("appointed", today.year + 1): "2",
            ("vacancies_filled", today.year + 1): "50",
        },
    )
    as_(
        hr,
        programme.add_event,
        created.id,
        today.year + 1,
        "Семинар для резервистов «Школа молодого руководителя»",
        None,
        "РУО, специалист по кадрам",
    )
