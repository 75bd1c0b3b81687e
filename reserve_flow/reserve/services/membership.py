"""The reserve itself (roadmap item 9): inclusion, who may see which membership, the
reserve list and its exports' rows, the public list, the term's extension by order,
exclusion, and the generic steps of a membership.

Visibility is the object half of every check: the member sees their own membership,
a mentor the memberships of their mentees, the HR officer and the administrator all.
Anyone else is told the membership does not exist. Each action commits, or rolls back
whole and raises ReserveRefused (a rule of this module, Russian message),
TransitionDenied or ConcurrentChange (from the engine), ReserveNotFound.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import false, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from reserve_flow.contest.models.contests import Application
from reserve_flow.contest.services.commission import add_years
from reserve_flow.core.audit.chain import append_event
from reserve_flow.core.audit.exports import record_export
from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.core.db import unit_of_work
from reserve_flow.core.errors import NotFound, Refused
from reserve_flow.core.workflow.errors import ConcurrentChange
from reserve_flow.organizations.models.organizations import HEAD_POSITIONS, ORGANIZATION_KINDS
from reserve_flow.people.models import User
from reserve_flow.privacy.services.publication import Publication
from reserve_flow.reserve import access, plan_rules
from reserve_flow.reserve.models.membership import (
    ACTIVE_STATES,
    ENDED_STATES,
    EXCLUSION_REASONS,
    TERM_EXPIRED,
    ReserveMembership,
    TermExtension,
)
from reserve_flow.reserve.models.plan import PlanItem

if TYPE_CHECKING:
    from reserve_flow.runtime import Runtime

SUBJECT_TYPE = "reserve"


class ReserveRefused(Refused):
    """A rule of the reserve refused the action; str() is the Russian reason. Nothing was changed."""


class ReserveNotFound(NotFound):
    """No such membership, or the user may not see it (the two are not told apart)."""


def position_kind_for(contest_kinds: str, user: User) -> str:
    """The kind of head position a new member is reserved for: the kind of the
    organization they work at, when the contest recruits for it; else the contest's first."""
    kinds = [k for k in contest_kinds.split(",") if k]
    current = user.organization.kind if user.organization is not None else None
    return current if current in kinds else (kinds[0] if kinds else "school")


def include(runtime: Runtime, session: Session, application: Application, actor: User) -> ReserveMembership:
    """Start the reserve membership of an included application, in the caller's
    transaction: the term runs from today for the contest's reserve term."""
    now = runtime.now()
    included_on = now.astimezone(runtime.tz).date()
    contest = application.contest
    membership = ReserveMembership(
        user_id=application.applicant_id,
        application_id=application.id,
        contest_id=contest.id,
        included_on=included_on,
        term_end=add_years(included_on, contest.reserve_term_years),
        position_kind=position_kind_for(contest.organization_kinds, application.applicant),
        full_name_at_act=application.full_name_at_act or application.applicant.full_name,
        created_at=now,
    )
    session.add(membership)
    runtime.engine.start(membership, actor, data={"application_id": application.id, "contest_id": contest.id})
    return membership


# --- who sees what ---


def get_visible(session: Session, user: User, membership_id: int) -> ReserveMembership:
    membership = session.get(ReserveMembership, membership_id)
    if membership is None or not access.may_view_member(user, membership):
        raise ReserveNotFound(membership_id)
    return membership


def own_memberships(session: Session, user: User) -> list[ReserveMembership]:
    return list(
        session.scalars(
            select(ReserveMembership).where(ReserveMembership.user_id == user.id).order_by(ReserveMembership.id)
        )
    )


def visible_memberships(session: Session, user: User) -> list[ReserveMembership]:
    """The memberships `user` may see (reserve.access.may_view_member); the query narrows the rows first."""
    query = select(ReserveMembership)
    if not (user.has_role("hr") or user.has_role("admin")):
        mentored = select(PlanItem.membership_id).where(PlanItem.mentor_id == user.id, PlanItem.state != "cancelled")
        query = query.where(
            or_(
                ReserveMembership.user_id == user.id,
                ReserveMembership.id.in_(mentored) if user.has_role("mentor") else false(),
            )
        )
    # The list shows each member's plan progress and workplace: load them with the
    # memberships (a few statements in all) rather than one query per member.
    query = query.options(
        selectinload(ReserveMembership.items), joinedload(ReserveMembership.user).joinedload(User.organization)
    )
    found = session.scalars(query.order_by(ReserveMembership.id)).unique()
    return [m for m in found if access.may_view_member(user, m)]


def record_view(runtime: Runtime, session: Session, membership: ReserveMembership, user: User) -> None:
    """Log that `user` opened someone else's reserve file (a personal file) and commit."""
    if membership.user_id == user.id:
        return
    with unit_of_work(session):
        append_event(
            session,
            kind="personal_file_viewed",
            actor=user,
            subject_type=SUBJECT_TYPE,
            subject_id=membership.id,
            now=runtime.now(),
        )


# --- the list ---


@dataclass(frozen=True)
class ListFilters:
    kind: str = ""  # ORGANIZATION_KINDS: the kind of head position reserved for
    state: str = ""
    term_end_by: date | None = None  # the term ends on or before this day
    readiness: str = ""  # full | partial | none (plan_rules.Progress.readiness)


@dataclass(frozen=True)
class ListRow:
    membership: ReserveMembership
    state_label: str
    progress: plan_rules.Progress
    reserved_for: str
    organization: str
    position: str
    ended_because: str  # for excluded or appointed members


def reserved_for(membership: ReserveMembership) -> str:
    return HEAD_POSITIONS.get(membership.position_kind, membership.position_kind)


def ending_reasons(session: Session, memberships: list[ReserveMembership]) -> dict[int, str]:
    """Why each ended membership ended, from the audit event that ended it."""
    ended = [m.id for m in memberships if m.state in ENDED_STATES]
    if not ended:
        return {}
    events = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.subject_type == SUBJECT_TYPE,
            AuditEvent.subject_id.in_(ended),
            AuditEvent.kind == "transition",
            AuditEvent.to_state.in_(ENDED_STATES),
        )
        .order_by(AuditEvent.seq)
    )
    reasons = {}
    for event in events:
        data = event.payload
        if event.trigger == "expire_term":
            reasons[event.subject_id] = TERM_EXPIRED
        elif event.trigger == "exclude":
            reasons[event.subject_id] = exclusion_text(data.get("reason_code", ""), data.get("note", ""))
        else:
            reasons[event.subject_id] = "назначен на должность руководителя"
    return reasons


def exclusion_text(code: str, note: str) -> str:
    label = EXCLUSION_REASONS.get(code, code)
    return f"{label}: {note.strip()}" if note.strip() else label


def reserve_list(runtime: Runtime, session: Session, user: User, filters: ListFilters) -> list[ListRow]:
    """The memberships `user` may see that pass `filters`, by the member's name."""
    states = runtime.workflows.definitions["reserve"].states
    memberships = visible_memberships(session, user)
    reasons = ending_reasons(session, memberships)
    rows = []
    for m in memberships:
        progress = plan_rules.progress(m)
        if filters.kind and m.position_kind != filters.kind:
            continue
        if filters.state and m.state != filters.state:
            continue
        if filters.term_end_by and m.term_end > filters.term_end_by:
            continue
        if filters.readiness and progress.readiness != filters.readiness:
            continue
        rows.append(
            ListRow(
                membership=m,
                state_label=states[m.state].label_ru,
                progress=progress,
                reserved_for=reserved_for(m),
                organization=m.user.organization.short_name if m.user.organization else "",
                position=m.user.position,
                ended_because=reasons.get(m.id, ""),
            )
        )
    rows.sort(key=lambda r: (r.membership.user.full_name, r.membership.id))
    return rows


EXPORT_HEADER = [
    "№",
    "ФИО",
    "Место работы",
    "Должность",
    "Резерв на должность",
    "Конкурс",
    "Включён",
    "Срок до",
    "Состояние",
    "Готовность плана, %",
    "Основание исключения",
]


def export_rows(rows: list[ListRow]) -> list[list[object]]:
    """The list as the exports write it (dates as dates, the percentage as a number)."""
    return [
        [
            i,
            r.membership.user.full_name,
            r.organization,
            r.position,
            r.reserved_for,
            r.membership.contest.title,
            r.membership.included_on,
            r.membership.term_end,
            r.state_label,
            r.progress.percent,
            r.ended_because,
        ]
        for i, r in enumerate(rows, start=1)
    ]


def export_list(
    runtime: Runtime, session: Session, user: User, filters: ListFilters, file_format: str
) -> list[list[object]]:
    """The list's rows for a file (export_rows), for HR and administrators only (NotFound
    for anyone else); the export of these names is recorded in the audit journal."""
    if not access.may_export(user):
        raise ReserveNotFound("export")
    with unit_of_work(session):
        rows = export_rows(reserve_list(runtime, session, user, filters))
        record_export(
            session,
            user,
            what="Список кадрового резерва",
            file_format=file_format,
            rows=len(rows),
            now=runtime.now(),
            filters={k: str(v) for k, v in dataclasses.asdict(filters).items() if v},
        )
    return rows


def public_list(session: Session) -> list[tuple[str | None, str]]:
    """The reserve as the РУО publishes it: each current member's name as the inclusion
    recorded it and the position they are reserved for, nothing more; the name only of a
    member whose dissemination consent covers the list (None otherwise: those come last,
    in no order a name would give away)."""
    members = list(session.scalars(select(ReserveMembership).where(ReserveMembership.state.in_(ACTIVE_STATES))))
    publication = Publication(session, "reserve_list", [m.user_id for m in members])
    named = sorted(
        (m.full_name_at_act or m.user.full_name, reserved_for(m)) for m in members if publication.allows(m.user_id)
    )
    hidden = sorted((None, reserved_for(m)) for m in members if not publication.allows(m.user_id))
    return named + hidden


KIND_CHOICES = {k: v["ru"] for k, v in ORGANIZATION_KINDS.items()}


# --- steps of a membership ---


def _checked(session: Session, user: User, membership_id: int, expected_version: int | None) -> ReserveMembership:
    membership = get_visible(session, user, membership_id)
    if expected_version is not None and membership.version != expected_version:
        raise ConcurrentChange(subject_id=membership.id)
    return membership


def fire(
    runtime: Runtime,
    session: Session,
    user: User,
    membership_id: int,
    trigger: str,
    reason: str | None,
    expected_version: int,
) -> AuditEvent:
    """Fire a step without a form of its own (appoint, begin_development) and commit."""
    with unit_of_work(session):
        membership = _checked(session, user, membership_id, expected_version)
        return runtime.engine.fire_from("", membership, trigger, user, reason=reason)


def exclude(
    runtime: Runtime,
    session: Session,
    user: User,
    membership_id: int,
    expected_version: int,
    reason_code: str,
    note: str,
) -> AuditEvent:
    """The HR officer excludes a member for a reason from the fixed list ("other" with a
    text); the member is told (the transition's notification), open items are cancelled."""
    with unit_of_work(session):
        membership = _checked(session, user, membership_id, expected_version)
        note = note.strip()
        if reason_code not in EXCLUSION_REASONS:
            raise ReserveRefused(
                "Выберите основание исключения из перечня: " + ", ".join(EXCLUSION_REASONS.values()) + "."
            )
        if reason_code == "other" and not note:
            raise ReserveRefused("Опишите иную причину исключения из резерва.")
        return runtime.engine.fire(
            membership,
            "exclude",
            user,
            reason=exclusion_text(reason_code, note),
            data={"reason_code": reason_code},
            personal={"note": note},
        )


def extend_term(
    runtime: Runtime,
    session: Session,
    user: User,
    membership_id: int,
    expected_version: int,
    order_number: str,
    order_date: date | None,
    new_term_end: date | None,
) -> AuditEvent:
    """Record an extension order (number, date, new term end) and move the term: the
    term's deadline then follows the new date, with its reminders due again."""
    with unit_of_work(session):
        membership = _checked(session, user, membership_id, expected_version)
        if not membership.holds_role(user, "hr"):
            raise ReserveRefused("Срок пребывания в резерве продлевает специалист по кадрам по приказу РУО.")
        if membership.state not in ACTIVE_STATES:
            raise ReserveRefused("Срок продлевается только тем, кто состоит в резерве.")
        today = runtime.now().astimezone(runtime.tz).date()
        problems = []
        if not order_number.strip():
            problems.append("укажите номер приказа")
        if order_date is None:
            problems.append("укажите дату приказа")
        elif order_date > today:
            problems.append("дата приказа не может быть в будущем")
        if new_term_end is None:
            problems.append("укажите новый срок")
        elif new_term_end <= membership.term_end:
            problems.append(f"новый срок должен быть позже нынешнего ({membership.term_end.strftime('%d.%m.%Y')})")
        if problems:
            raise ReserveRefused("Продление не записано: " + "; ".join(problems) + ".")
        assert order_date is not None and new_term_end is not None
        previous = membership.term_end
        extension = TermExtension(
            membership_id=membership.id,
            order_number=order_number.strip(),
            order_date=order_date,
            previous_term_end=previous,
            new_term_end=new_term_end,
            created_at=runtime.now(),
            created_by_id=user.id,
        )
        session.add(extension)
        membership.extensions.append(extension)
        membership.term_end = new_term_end
        return runtime.engine.fire(
            membership,
            "extend_term",
            user,
            reason=f"{extension.order_title[:1].upper()}{extension.order_title[1:]}: срок продлён "
            f"до {new_term_end.strftime('%d.%m.%Y')}",
            data={
                "order_number": extension.order_number,
                "order_date": order_date.isoformat(),
                "previous_term_end": previous.isoformat(),
                "new_term_end": new_term_end.isoformat(),
            },
        )
