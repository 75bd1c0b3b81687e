"""Contests: creating and editing them, who may see which, and the freeze rules.

The secretary who creates a contest becomes its secretary. Its criteria and
commission can change only while the contest is a draft or announced; once
acceptance opens they are frozen, and the dates move only by `extend_acceptance`,
which the audit records with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from reserve_flow.contest import access
from reserve_flow.contest.models.contests import (
    CommissionSeat,
    Contest,
    ContestCriterion,
    ContestDocumentKind,
)
from reserve_flow.core.db import unit_of_work
from reserve_flow.core.errors import NotFound, Refused
from reserve_flow.core.workflow.errors import ConcurrentChange
from reserve_flow.people.models import User

if TYPE_CHECKING:
    from reserve_flow.runtime import Runtime

# The usual set of documents of a contest for the reserve: code, title, mandatory by default.
STANDARD_DOCUMENT_KINDS: tuple[tuple[str, str, bool], ...] = (
    ("application", "Заявление на участие в конкурсе", True),
    ("questionnaire", "Анкета с фотографией", True),
    ("passport", "Копия паспорта", True),
    ("education", "Копии документов об образовании и квалификации", True),
    ("work_record", "Копия трудовой книжки или сведения о трудовой деятельности", True),
    ("reference", "Характеристика с места работы", True),
    ("no_criminal_record", "Справка об отсутствии судимости", True),
    ("consent", "Согласие на обработку персональных данных", True),
    ("programme", "Программа развития образовательной организации", False),
)
EDITABLE_STATES = ("draft", "announced")  # criteria and commission freeze after these
PUBLIC_STATES = ("announced", "accepting", "assessing", "decided")


class ContestError(Refused):
    """A contest cannot be changed as asked; the text says why, in Russian."""


class ContestNotFound(NotFound):
    pass


@dataclass
class CriterionData:
    name: str
    max_score: int
    weight: float


@dataclass
class ContestData:
    """Everything the secretary sets on a contest."""

    title: str
    announcement: str
    contacts: str
    organization_kinds: list[str]
    required_education: str
    min_teaching_years: int
    min_management_years: int
    accept_from: date
    accept_to: date
    check_period_days: int
    fix_period_days: int
    vote_period_days: int
    assessment_date: date | None
    quorum_numerator: int
    quorum_denominator: int
    reserve_term_years: int
    chair_id: int | None
    member_ids: list[int] = field(default_factory=list)
    # code -> "mandatory" | "optional"; a standard kind left out is not asked for.
    document_kinds: dict[str, str] = field(default_factory=dict)
    criteria: list[CriterionData] = field(default_factory=list)


def visible_contests(session: Session, user: User) -> list[Contest]:
    """The contests whose inner pages `user` may open (contest.access.may_view_contest), newest first."""
    query = select(Contest).order_by(Contest.accept_from.desc(), Contest.id.desc())
    if not user.has_role("admin"):
        seat = exists().where(CommissionSeat.contest_id == Contest.id, CommissionSeat.user_id == user.id)
        query = query.where(or_(Contest.secretary_id == user.id, Contest.chair_id == user.id, seat))
    return [c for c in session.scalars(query) if access.may_view_contest(user, c)]


def get_visible(session: Session, user: User, contest_id: int) -> Contest:
    contest = session.get(Contest, contest_id)
    if contest is None or not access.may_view_contest(user, contest):
        raise ContestNotFound(contest_id)
    return contest


def _validate(session: Session, data: ContestData, today: date) -> None:
    problems = []
    if not data.title.strip():
        problems.append("укажите название конкурса")
    if data.accept_to < data.accept_from:
        problems.append("дата окончания приёма заявлений раньше даты начала")
    if data.accept_to < today:
        problems.append("дата окончания приёма заявлений уже прошла")
    if data.assessment_date and data.assessment_date <= data.accept_to:
        problems.append("дата оценки должна быть позже окончания приёма заявлений")
    if not 0 < data.quorum_numerator <= data.quorum_denominator:
        problems.append("кворум задаётся дробью от 1/n до n/n состава комиссии")
    for name, value in (
        ("срок проверки документов", data.check_period_days),
        ("срок исправления", data.fix_period_days),
        ("срок голосования", data.vote_period_days),
        ("срок пребывания в резерве", data.reserve_term_years),
    ):
        if value < 1:
            problems.append(f"{name} должен быть не меньше 1")
    names = [c.name.strip() for c in data.criteria]
    if len(set(names)) != len(names):
        problems.append("названия критериев повторяются")
    for c in data.criteria:
        if c.max_score < 1 or c.weight <= 0:
            problems.append(f"критерий «{c.name}»: максимальный балл и вес должны быть положительными")
    unknown = set(data.document_kinds) - {code for code, _, _ in STANDARD_DOCUMENT_KINDS}
    if unknown:
        problems.append(f"неизвестные виды документов: {', '.join(sorted(unknown))}")
    if data.chair_id is not None:
        chair = session.get(User, data.chair_id)
        if chair is None or not chair.has_role("chair"):
            problems.append("председателем может быть только пользователь с ролью «Председатель комиссии»")
    for member_id in data.member_ids:
        member = session.get(User, member_id)
        if member is None or not member.has_role("member"):
            problems.append("в состав комиссии можно включить только членов комиссии")
            break
    if problems:
        raise ContestError("; ".join(problems).capitalize() + ".")


def _apply(session: Session, contest: Contest, data: ContestData) -> None:
    contest.title = data.title.strip()
    contest.announcement = data.announcement.strip()
    contest.contacts = data.contacts.strip()
    contest.organization_kinds = ",".join(data.organization_kinds) or "school"
    contest.required_education = data.required_education.strip()
    contest.min_teaching_years = data.min_teaching_years
    contest.min_management_years = data.min_management_years
    contest.accept_from = data.accept_from
    contest.accept_to = data.accept_to
    contest.check_period_days = data.check_period_days
    contest.fix_period_days = data.fix_period_days
    contest.vote_period_days = data.vote_period_days
    contest.assessment_date = data.assessment_date
    contest.quorum_numerator = data.quorum_numerator
    contest.quorum_denominator = data.quorum_denominator
    contest.reserve_term_years = data.reserve_term_years
    contest.chair_id = data.chair_id
    seats = dict.fromkeys([*data.member_ids, *(i for i in (data.chair_id, contest.secretary_id) if i)])
    # Old rows go before new ones arrive: seats and document kinds are unique per contest.
    contest.seats, contest.document_kinds, contest.criteria = [], [], []
    session.flush()
    contest.seats = [CommissionSeat(user_id=user_id) for user_id in seats]
    contest.document_kinds = [
        ContestDocumentKind(
            code=code, title=title, mandatory=data.document_kinds[code] == "mandatory", position=position
        )
        for position, (code, title, _) in enumerate(STANDARD_DOCUMENT_KINDS, start=1)
        if code in data.document_kinds
    ]
    contest.criteria = [
        ContestCriterion(name=c.name.strip(), max_score=c.max_score, weight=c.weight, position=position)
        for position, c in enumerate(data.criteria, start=1)
    ]


def create_contest(rt: Runtime, session: Session, secretary: User, data: ContestData) -> Contest:
    """A new draft contest whose secretary is its creator, committed. Raises ContestError."""
    with unit_of_work(session):
        if not secretary.has_role("secretary"):
            raise ContestError("Создавать конкурсы может только секретарь комиссии.")
        _validate(session, data, rt.now().astimezone(rt.tz).date())
        contest = Contest(
            secretary_id=secretary.id, title=data.title, accept_from=data.accept_from, accept_to=data.accept_to
        )
        _apply(session, contest, data)
        session.add(contest)
        session.flush()
        return contest


def update_contest(
    rt: Runtime, session: Session, contest_id: int, actor: User, data: ContestData, expected_version: int
) -> Contest:
    """Edit a draft or announced contest (its secretary only), committed. Acceptance dates
    of an announced contest move only through extend_acceptance. Raises ContestError,
    ContestNotFound, and ConcurrentChange when the form was rendered from an older version."""
    with unit_of_work(session):
        contest = get_visible(session, actor, contest_id)
        if not contest.holds_role(actor, "secretary"):
            raise ContestError("Изменять конкурс может только его секретарь.")
        _check_version(contest, expected_version)
        if contest.state not in EDITABLE_STATES:
            raise ContestError(
                "После начала приёма заявлений условия конкурса, критерии и состав комиссии "
                "не меняются; срок приёма можно только продлить."
            )
        if contest.state == "announced" and (data.accept_from, data.accept_to) != (
            contest.accept_from,
            contest.accept_to,
        ):
            raise ContestError(
                "Объявленный конкурс продлевается действием «Продлить приём заявлений» с указанием причины."
            )
        _validate(session, data, rt.now().astimezone(rt.tz).date())
        _apply(session, contest, data)
        session.flush()
        return contest


def _check_version(contest: Contest, expected_version: int | None) -> None:
    """The form was rendered from the contest as it is now, or ConcurrentChange."""
    if expected_version is not None and contest.version != expected_version:
        raise ConcurrentChange(subject_id=contest.id)


def fire_contest(
    rt: Runtime,
    session: Session,
    actor: User,
    contest_id: int,
    trigger: str,
    reason: str | None,
    expected_version: int | None,
) -> Contest:
    """Move the contest through its workflow (the engine checks role, guards and reason),
    committed. Raises ContestNotFound, ConcurrentChange, TransitionDenied."""
    with unit_of_work(session):
        contest = get_visible(session, actor, contest_id)
        _check_version(contest, expected_version)
        rt.engine.fire_from("", contest, trigger, actor, reason=reason)
        return contest


def extend_acceptance(
    rt: Runtime,
    session: Session,
    contest_id: int,
    actor: User,
    new_end: date,
    reason: str,
    expected_version: int | None = None,
) -> Contest:
    """Move the end of acceptance later, through the engine (role, reason and audit), committed."""
    with unit_of_work(session):
        contest = get_visible(session, actor, contest_id)
        _check_version(contest, expected_version)
        old_end = contest.accept_to
        if new_end <= old_end:
            raise ContestError(f"Новая дата окончания приёма должна быть позже {old_end.strftime('%d.%m.%Y')}.")
        contest.accept_to = new_end
        rt.engine.fire(
            contest,
            "extend_acceptance",
            actor,
            reason=reason,
            data={"accept_to_old": old_end.isoformat(), "accept_to_new": new_end.isoformat()},
        )
        return contest
