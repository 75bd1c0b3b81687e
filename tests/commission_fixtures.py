"""Fixtures and helpers for the commission's tests: three admitted applications of the
district's contest, HTTP helpers that post the way the pages' forms do, and a snapshot
of everything a refused action must leave unchanged."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from reserve_flow.contest.models.commission import MeetingAttendance, Recusal, Score, Vote, VoteResult
from reserve_flow.contest.models.contests import Application, CommissionSeat, Contest
from reserve_flow.contest.models.documents import ApplicationDocument
from reserve_flow.contest.models.protocols import Protocol
from reserve_flow.contest.services import commission as service
from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.core.notifications.models import OutboxMessage
from reserve_flow.people.models import User
from reserve_flow.people.services.users import create_user
from reserve_flow.reserve.models.membership import ReserveMembership
from tests.conftest import NOW, PASSWORD, _csrf_token, load_user


@dataclass
class Commission:
    """The district (users by key, contest) with three admitted applications."""

    district: object
    contest_id: int
    first: int  # the district's applicant: Заявителева Елена Андреевна
    second: int  # applicant2: Второв Сергей Павлович
    third: int  # applicant3: Третьякова Мария Олеговна

    def user(self, key: str) -> int:
        return self.district.users[key]


def _application(session, contest_id: int, applicant_id: int) -> Application:
    application = Application(contest_id=contest_id, applicant_id=applicant_id, consent_given_at=NOW,
                              consent_text_version="2026-1")
    application.documents = [
        ApplicationDocument(kind_code=code, original_name=f"{code}.pdf", content_type="application/pdf",
                            size=1000, sha256="0" * 64) for code in ("application", "passport")]
    session.add(application)
    session.flush()
    return application


@pytest.fixture
def commission(runtime, district) -> Commission:
    with runtime.transaction() as s:
        third = create_user(s, email="applicant3@example.ru", full_name="Третьякова Мария Олеговна",
                            password=PASSWORD, roles=["applicant"])
        district.users["applicant3"] = third.id
        secretary = load_user(s, district, "secretary")
        ids = []
        for key in ("applicant", "applicant2", "applicant3"):
            if key == "applicant":
                application = s.get(Application, district.application_id)
            else:
                application = _application(s, district.contest_id, district.users[key])
            runtime.engine.fire(application, "submit", load_user(s, district, key))
            runtime.engine.fire(application, "admit", secretary)
            ids.append(application.id)
    return Commission(district, district.contest_id, *ids)


def add_members(runtime, commission: Commission, *keys: str) -> None:
    """Seat more members on the commission (test setup: the contest editor freezes it)."""
    names = {"member3": "Третий Член Комиссии", "member4": "Четвёртая Член Комиссии"}
    with runtime.transaction() as s:
        contest = s.get(Contest, commission.contest_id)
        for key in keys:
            user = create_user(s, email=f"{key}@example.ru", full_name=names[key], password=PASSWORD,
                               roles=["member"])
            commission.district.users[key] = user.id
            contest.seats.append(CommissionSeat(user_id=user.id))


# --- acting through the services, for setting the scene ---

def score(runtime, commission: Commission, key: str, application_id: int, values=(8, 6)) -> None:
    with runtime.sessions() as s:
        contest = s.get(Contest, commission.contest_id)
        form = {c.id: (str(v), f"комментарий {key}") for c, v in zip(contest.criteria, values, strict=True)}
        service.record_scores(runtime, s, load_user(s, commission.district, key), application_id, form)


def score_all(runtime, commission: Commission, application_id: int, keys=("chair", "member", "member2")) -> None:
    for key in keys:
        score(runtime, commission, key, application_id)


def recuse(runtime, commission: Commission, key: str, application_id: int, comment="Родственник кандидата") -> None:
    with runtime.sessions() as s:
        service.declare_recusal(runtime, s, load_user(s, commission.district, key), application_id, comment)


def attend(runtime, commission: Commission, present_keys) -> None:
    with runtime.sessions() as s:
        ids = {commission.user(k) for k in present_keys}
        service.mark_attendance(runtime, s, load_user(s, commission.district, "secretary"), commission.contest_id, ids)


def to_voting(runtime, commission: Commission, application_id: int, scorers=("chair", "member", "member2"),
              present=("chair", "member", "member2", "secretary")) -> None:
    """Scored by `scorers` (the assessment then completes by itself), attendance marked,
    the vote opened by the chair."""
    score_all(runtime, commission, application_id, scorers)
    attend(runtime, commission, present)
    with runtime.sessions() as s:
        application = s.get(Application, application_id)
        service.open_vote(runtime, s, load_user(s, commission.district, "chair"), application_id, application.version)


def vote(runtime, commission: Commission, key: str, application_id: int, include: bool) -> None:
    with runtime.sessions() as s:
        service.cast_vote(runtime, s, load_user(s, commission.district, key), application_id,
                          "include" if include else "not_include")


# --- the HTTP side ---

def page(client, url: str):
    return client.get(url)


def post(client, url: str, data: dict | None = None, token_from: str = "/commission/"):
    """Post like a form: the CSRF token is taken from a page of the same session."""
    html = client.get(token_from).get_data(as_text=True)
    return client.post(url, data={"csrf_token": _csrf_token(html), **(data or {})})


def version_of(runtime, application_id: int) -> int:
    with runtime.sessions() as s:
        return s.get(Application, application_id).version


def state_of(runtime, application_id: int) -> str:
    with runtime.sessions() as s:
        return s.get(Application, application_id).state


def snapshot(runtime) -> dict:
    """Everything a refused commission action must leave as it was."""
    with runtime.sessions() as s:
        def count(model):
            return s.scalar(select(func.count()).select_from(model))
        return {
            "states": dict(s.execute(select(Application.id, Application.state)).all()),
            "versions": dict(s.execute(select(Application.id, Application.version)).all()),
            "scores": sorted(s.execute(select(Score.application_id, Score.member_id, Score.criterion_id,
                                              Score.value, Score.comment)).all()),
            "recusals": count(Recusal),
            "votes": sorted(s.execute(select(Vote.application_id, Vote.member_id, Vote.include)).all()),
            "results": count(VoteResult),
            "attendance": sorted(s.execute(select(MeetingAttendance.member_id, MeetingAttendance.present)).all()),
            "memberships": count(ReserveMembership),
            "protocols": count(Protocol),
            # Opening the generic case page logs a personal-file view: not a change.
            "audit": s.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.kind != "personal_file_viewed")),
            "outbox": count(OutboxMessage),
        }


def audit_events(runtime, kind: str) -> list[AuditEvent]:
    with runtime.sessions() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.kind == kind).order_by(AuditEvent.seq)))


def user_name(runtime, user_id: int) -> str:
    with runtime.sessions() as s:
        return s.get(User, user_id).full_name
