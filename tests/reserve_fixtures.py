"""Fixtures for the reserve's tests: two members included by the commission's vote
(through the commission's services, so their memberships start as in real use), two
mentors, helpers that act through the reserve's services, and a snapshot of what a
refused action must leave unchanged."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from reserve_flow.contest.models.contests import Application
from reserve_flow.contest.services import commission as commission_service
from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.core.deadlines.models import Deadline
from reserve_flow.core.notifications.models import OutboxMessage
from reserve_flow.people.models import User
from reserve_flow.people.services.users import create_user
from reserve_flow.reserve.models.membership import ProfessionalDeficit, ReserveMembership, TermExtension
from reserve_flow.reserve.models.plan import PlanEvidence, PlanItem, PlanVersion
from reserve_flow.reserve.services import plan as plan_service
from tests.commission_fixtures import (  # noqa: F401  (the commission fixture)
    Commission,
    attend,
    commission,
    score_all,
    vote,
)
from tests.conftest import NOW, PASSWORD, _csrf_token, load_user

TODAY = NOW.date()  # 2026-11-25 (10:00 in Irkutsk is 02:00 UTC the same day)
PDF = b"%PDF-1.4\n% reserve-flow test certificate\n"


@dataclass
class Reserve:
    commission: Commission
    first: int  # membership of the district's applicant: Заявителева Елена Андреевна
    second: int  # membership of applicant2: Второв Сергей Павлович

    @property
    def district(self):
        return self.commission.district

    def user(self, key: str) -> int:
        return self.district.users[key]


@pytest.fixture
def reserve(runtime, commission) -> Reserve:
    """The first two applications included by a 3:0 vote; mentors «mentor» and «mentor2»."""
    with runtime.transaction() as s:
        for key, name in (("mentor", "Наставникова Людмила Анатольевна"), ("mentor2", "Опытов Виктор Павлович")):
            user = create_user(s, email=f"{key}@example.ru", full_name=name, password=PASSWORD, roles=["mentor"],
                               position="Директор")
            commission.district.users[key] = user.id
    chair = commission.user("chair")
    score_all(runtime, commission, commission.first)
    score_all(runtime, commission, commission.second)
    attend(runtime, commission, ("chair", "member", "member2", "secretary"))
    for application_id in (commission.first, commission.second):
        with runtime.sessions() as s:
            application = s.get(Application, application_id)
            commission_service.open_vote(runtime, s, s.get(User, chair), application_id,
                                         application.version)
        for key in ("chair", "member", "member2"):
            vote(runtime, commission, key, application_id, True)
        with runtime.sessions() as s:
            application = s.get(Application, application_id)
            commission_service.close_vote(runtime, s, s.get(User, chair), application_id,
                                          application.version)
    with runtime.sessions() as s:
        ids = dict(s.execute(select(ReserveMembership.application_id, ReserveMembership.id)).all())
    return Reserve(commission, ids[commission.first], ids[commission.second])


# --- acting through the services -------------------------------------------------

def course(title="Управление образовательной организацией", due=date(2027, 3, 31), mandatory=True, **extra):
    values = {"starts_on": date(2027, 2, 1), "ends_on": date(2027, 2, 28),
              "provider": "ГАУ ДПО «Бурятский республиканский институт образовательной политики»",
              "programme": "Менеджмент в образовании", "hours": 72, **extra}
    return plan_service.ItemData(kind="course", title=title, mandatory=mandatory, due_date=due, **values)


def internship(reserve: Reserve, organization_index=0, mentor="mentor", due=date(2027, 5, 31), mandatory=True):
    return plan_service.ItemData(kind="internship", title="Стажировка у директора школы", mandatory=mandatory,
                                 due_date=due, starts_on=date(2027, 4, 1), ends_on=date(2027, 4, 30),
                                 programme="Планирование, финансы, работа с коллективом",
                                 host_organization_id=reserve.district.organizations[organization_index],
                                 mentor_id=reserve.user(mentor))


def membership_version(runtime, membership_id: int) -> int:
    with runtime.sessions() as s:
        return s.get(ReserveMembership, membership_id).version


def state_of(runtime, membership_id: int) -> str:
    with runtime.sessions() as s:
        return s.get(ReserveMembership, membership_id).state


def item_ids(runtime, membership_id: int) -> list[int]:
    with runtime.sessions() as s:
        return list(s.scalars(select(PlanItem.id).where(PlanItem.membership_id == membership_id)
                              .order_by(PlanItem.id)))


def item_state(runtime, item_id: int) -> str:
    with runtime.sessions() as s:
        return s.get(PlanItem, item_id).state


def as_user(runtime, reserve: Reserve, key: str, action, *args, **kwargs):
    """Call a service `action(runtime, session, user, *args)` as the user `key`."""
    with runtime.sessions() as s:
        return action(runtime, s, load_user(s, reserve.district, key), *args, **kwargs)


def add_item(runtime, reserve: Reserve, membership_id: int, data, reason: str = "") -> int:
    item = as_user(runtime, reserve, "hr", plan_service.add_item, membership_id,
                   membership_version(runtime, membership_id), data, reason)
    return item.id


def confirm(runtime, reserve: Reserve, key: str, membership_id: int) -> None:
    as_user(runtime, reserve, key, plan_service.confirm_plan, membership_id, membership_version(runtime, membership_id))


def agreed_plan(runtime, reserve: Reserve, membership_id: int, member_key: str = "applicant") -> tuple[int, int]:
    """A course and an internship (mentor «mentor»), agreed by HR and the member."""
    course_id = add_item(runtime, reserve, membership_id, course())
    internship_id = add_item(runtime, reserve, membership_id, internship(reserve))
    confirm(runtime, reserve, "hr", membership_id)
    confirm(runtime, reserve, member_key, membership_id)
    return course_id, internship_id


def upload(runtime, reserve: Reserve, key: str, membership_id: int, item_id: int, kind="certificate",
           name="удостоверение.pdf", content=PDF):
    return as_user(runtime, reserve, key, plan_service.upload_evidence, membership_id, item_id, kind,
                   io.BytesIO(content), name)


# --- the HTTP side -----------------------------------------------------------------

def post(client, url: str, data: dict | None = None, token_from: str = "/reserve/", **kwargs):
    """Post like a form: the CSRF token is taken from a page of the same session."""
    html = client.get(token_from).get_data(as_text=True)
    return client.post(url, data={"csrf_token": _csrf_token(html), **(data or {})}, **kwargs)


def snapshot(runtime) -> dict:
    """Everything a refused reserve action must leave as it was."""
    with runtime.sessions() as s:
        def count(model):
            return s.scalar(select(func.count()).select_from(model))
        return {
            "memberships": sorted(s.execute(select(ReserveMembership.id, ReserveMembership.state,
                                                   ReserveMembership.version, ReserveMembership.term_end)).all()),
            "items": sorted(s.execute(select(PlanItem.id, PlanItem.state, PlanItem.version, PlanItem.title,
                                             PlanItem.due_date, PlanItem.mentor_review)).all()),
            "versions": sorted(s.execute(select(PlanVersion.id, PlanVersion.hr_agreed_at,
                                                PlanVersion.member_agreed_at)).all()),
            "evidence": count(PlanEvidence),
            "deficits": count(ProfessionalDeficit),
            "extensions": count(TermExtension),
            "deadlines": sorted(s.execute(select(Deadline.id, Deadline.closed_at)).all()),
            # Opening a personal file logs the view: not a change.
            "audit": s.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.kind != "personal_file_viewed")),
            "outbox": count(OutboxMessage),
        }


def days(n: int) -> timedelta:
    return timedelta(days=n)
