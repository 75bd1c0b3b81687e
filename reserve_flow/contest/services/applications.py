"""Contest applications: who may see which, their open deadline and history, and the
one way the web (and later the API) moves an application: `fire_application`.

Visibility is the object half of every check (DESIGN section 1); its one rule is
contest.access.may_view_application. Everyone who may not see an application is told
it does not exist, so that ids do not leak.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_, exists, false, or_, select
from sqlalchemy.orm import Session

from reserve_flow.contest import access
from reserve_flow.contest.models.contests import Application, CommissionSeat, Contest
from reserve_flow.contest.services.applicants import requirements
from reserve_flow.core import workdays
from reserve_flow.core.audit.chain import append_event
from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.core.db import unit_of_work
from reserve_flow.core.deadlines.models import Deadline
from reserve_flow.core.errors import NotFound, Refused
from reserve_flow.core.workflow.errors import ConcurrentChange
from reserve_flow.people.models import User

if TYPE_CHECKING:
    from reserve_flow.runtime import Runtime

SUBJECT_TYPE = "application"
# Audit kinds that record an access, not a step of the case; kept out of the case history.
ACCESS_KINDS = ("personal_file_viewed",)


class ApplicationNotFound(NotFound):
    """No such application, or the user may not see it (the two are not told apart)."""

    def __init__(self, application_id: int) -> None:
        self.application_id = application_id
        super().__init__(f"application {application_id} not found")


def _candidates_clause(user: User) -> ColumnElement[bool]:
    """A superset of what `user` may see, in SQL, to keep lists short; the rule itself is
    access.may_view_application, applied to each row."""
    if user.has_role("admin"):
        return Application.id.is_not(None)
    clauses: list[ColumnElement[bool]] = [Application.applicant_id == user.id]
    if any(user.has_role(r) for r in access.COMMISSION_ROLES):
        seat = exists().where(CommissionSeat.contest_id == Contest.id, CommissionSeat.user_id == user.id)
        clauses.append(
            and_(Application.state != "draft", or_(Contest.secretary_id == user.id, Contest.chair_id == user.id, seat))
        )
    return or_(*clauses) if clauses else false()


def visible_applications(session: Session, user: User) -> list[Application]:
    """The applications `user` may see, oldest first."""
    query = (
        select(Application)
        .join(Contest, Application.contest_id == Contest.id)
        .where(_candidates_clause(user))
        .order_by(Application.id)
    )
    return [a for a in session.scalars(query).unique() if access.may_view_application(user, a)]


def get_visible(session: Session, user: User, application_id: int) -> Application:
    """The application if `user` may see it; ApplicationNotFound otherwise."""
    application = session.get(Application, application_id)
    if application is None or not access.may_view_application(user, application):
        raise ApplicationNotFound(application_id)
    return application


@dataclass(frozen=True)
class DeadlineStatus:
    """An open deadline as the user sees it: days left after today (workdays.days_left)
    and the last day on which it can still be met."""

    deadline: Deadline
    days_left: int
    last_day: date
    expired: bool


def open_deadlines(session: Session, application_ids: list[int]) -> dict[int, Deadline]:
    """The open deadline of each application that has one (the earliest, should there be more)."""
    if not application_ids:
        return {}
    rows = session.scalars(
        select(Deadline)
        .where(
            Deadline.subject_type == SUBJECT_TYPE,
            Deadline.subject_id.in_(application_ids),
            Deadline.closed_at.is_(None),
        )
        .order_by(Deadline.due_at)
    )
    found: dict[int, Deadline] = {}
    for deadline in rows:
        found.setdefault(deadline.subject_id, deadline)
    return found


def deadline_status(deadline: Deadline, now: datetime, tz) -> DeadlineStatus:
    expired = now >= deadline.due_at
    return DeadlineStatus(
        deadline=deadline,
        days_left=0 if expired else workdays.days_left(now, deadline.due_at, tz, deadline.calendar),
        last_day=workdays.last_day_of(deadline.due_at, tz),
        expired=expired,
    )


def history(session: Session, application_id: int) -> list[AuditEvent]:
    """The case's events in chain order, without access records."""
    return list(
        session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.subject_type == SUBJECT_TYPE,
                AuditEvent.subject_id == application_id,
                AuditEvent.kind.not_in(ACCESS_KINDS),
            )
            .order_by(AuditEvent.seq)
        )
    )


def record_view(runtime: Runtime, session: Session, application: Application, user: User) -> None:
    """Log that `user` opened someone else's application (a personal file) and commit.
    The owner's own views are not logged."""
    if application.applicant_id == user.id:
        return
    with unit_of_work(session):
        append_event(
            session,
            kind="personal_file_viewed",
            actor=user,
            subject_type=SUBJECT_TYPE,
            subject_id=application.id,
            now=runtime.now(),
        )


def fire_application(
    runtime: Runtime,
    session: Session,
    application_id: int,
    trigger: str,
    actor: User,
    reason: str | None,
    expected_version: int,
    page: str = "",
) -> AuditEvent:
    """Fire `trigger` on the application on behalf of `actor` and commit. `page` names the
    page asking ("" for the case page's generic actions): a step with a page of its own
    (the check's admit and refuse, the commission's votes) is refused anywhere else.

    `expected_version` is the version the user's form was rendered with: if the
    application changed since, ConcurrentChange is raised and nothing is written (the
    engine's own version check catches a change between this read and its write).
    Raises ApplicationNotFound when the actor may not see the application, and
    TransitionDenied from the engine; on any error the transaction is rolled back whole.
    """
    with unit_of_work(session):
        application = get_visible(session, actor, application_id)
        if application.version != expected_version:
            raise ConcurrentChange(subject_id=application.id)
        return runtime.engine.fire_from(page, application, trigger, actor, reason=reason)


# --- the secretary's document check (issue 3, item 3) ---


class CheckRefused(Refused):
    """The check decision is refused before reaching the engine; str() says why, in Russian."""


def check_queue(
    session: Session, user: User, states: tuple[str, ...] = ("submitted",)
) -> list[tuple[Application, Deadline | None]]:
    """Applications in `states` of the contests `user` is the secretary of, the nearest
    deadline first (those without one last)."""
    if not user.has_role("secretary"):
        return []
    applications = list(
        session.scalars(
            select(Application)
            .join(Contest, Application.contest_id == Contest.id)
            .where(Contest.secretary_id == user.id, Application.state.in_(states))
        ).unique()
    )
    deadlines = open_deadlines(session, [a.id for a in applications])
    far = datetime.max.replace(tzinfo=UTC)
    applications.sort(key=lambda a: (deadlines[a.id].due_at if a.id in deadlines else far, a.id))
    return [(a, deadlines.get(a.id)) for a in applications]


def get_for_check(session: Session, user: User, application_id: int) -> Application:
    """The application if `user` is its contest's secretary; ApplicationNotFound otherwise."""
    application = session.get(Application, application_id)
    if application is None or not access.may_check_application(user, application):
        raise ApplicationNotFound(application_id)
    return application


def _decide(
    runtime: Runtime, session: Session, application_id: int, secretary: User, expected_version: int, decide
) -> AuditEvent:
    """Run one check decision in one transaction: the object check, the version check,
    `decide(application)` (which fires the engine), commit; everything rolled back on error."""
    with unit_of_work(session):
        application = get_for_check(session, secretary, application_id)
        if application.version != expected_version:
            raise ConcurrentChange(subject_id=application.id)
        return decide(application)


def _mark(application: Application, secretary: User, now: datetime, reasons: dict[int, str]) -> None:
    """Set each document's review: returned with its reason, or accepted."""
    for document in application.documents:
        reason = reasons.get(document.id)
        document.review_status = "returned" if reason else "accepted"
        document.review_reason = reason or None
        document.reviewed_at = now
        document.reviewed_by_id = secretary.id


def admit(
    runtime: Runtime, session: Session, application_id: int, secretary: User, expected_version: int
) -> AuditEvent:
    """Admit the application to the contest; every document is marked accepted."""

    def decide(application: Application) -> AuditEvent:
        event = runtime.engine.fire(application, "admit", secretary)
        _mark(application, secretary, runtime.now(), {})
        return event

    return _decide(runtime, session, application_id, secretary, expected_version, decide)


def return_for_fix(
    runtime: Runtime,
    session: Session,
    application_id: int,
    secretary: User,
    expected_version: int,
    reasons: dict[int, str],
    comment: str = "",
) -> AuditEvent:
    """Return the application for correction. `reasons` maps document ids to what is
    wrong with each (empty: accepted); at least one reason or a comment is needed. The
    transition's reason lists them all, so the history and the notification say it."""
    reasons = {doc_id: text.strip() for doc_id, text in reasons.items() if text and text.strip()}
    comment = comment.strip()

    def decide(application: Application) -> AuditEvent:
        if not reasons and not comment:
            raise CheckRefused(
                "Укажите, что исправить: причину возврата хотя бы у одного документа или общий комментарий."
            )
        if set(reasons) - {d.id for d in application.documents}:
            raise CheckRefused("Среди отмеченных есть документ, которого в заявлении нет. Обновите страницу.")
        titles = {k.code: k.title for k in application.contest.document_kinds}
        lines = [
            f"{titles.get(d.kind_code, d.kind_code)} ({d.original_name}): {reasons[d.id]}"
            for d in sorted(application.documents, key=lambda d: d.id)
            if d.id in reasons
        ]
        if comment:
            lines.append(comment)
        data = {"returned_documents": sorted(reasons)}
        event = runtime.engine.fire(application, "return_for_fix", secretary, reason="\n".join(lines), data=data)
        _mark(application, secretary, runtime.now(), reasons)
        return event

    return _decide(runtime, session, application_id, secretary, expected_version, decide)


def refuse(
    runtime: Runtime,
    session: Session,
    application_id: int,
    secretary: User,
    expected_version: int,
    requirement_code: str,
    comment: str = "",
) -> AuditEvent:
    """Refuse admission, citing the eligibility requirement not met (services.applicants
    .requirements) and, optionally, a comment."""
    comment = comment.strip()

    def decide(application: Application) -> AuditEvent:
        requirement = next((r for r in requirements(application.contest) if r.code == requirement_code), None)
        if requirement is None:
            raise CheckRefused("Выберите требование, которому заявитель не соответствует.")
        reason = f"Не выполнено требование: {requirement.label}."
        if comment:
            reason += f" {comment}"
        return runtime.engine.fire(
            application, "refuse", secretary, reason=reason, data={"requirement": requirement.code}
        )

    return _decide(runtime, session, application_id, secretary, expected_version, decide)


def last_reason(session: Session, application: Application) -> AuditEvent | None:
    """The event that brought the application into its state, if it carried a reason."""
    event = session.scalar(
        select(AuditEvent)
        .where(
            AuditEvent.subject_type == SUBJECT_TYPE,
            AuditEvent.subject_id == application.id,
            AuditEvent.kind == "transition",
            AuditEvent.to_state == application.state,
        )
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    )
    return event if event is not None and event.reason else None
