"""History (issue 6, item 7): an organization's timeline of its heads, vacancies,
orders and monitoring, and a person's path from their application to their
appointment, each step tied to the audit event that records it.

Both are read from what the other areas already keep (the audit chain, vacancies,
orders, monitoring results); nothing here writes except the record of a path view.
Links are plain paths, so that a page renders even where a target page is optional;
`staff_link` marks those only HR officers and administrators may follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reserve_flow.appointments.models import AppointmentOrder, Vacancy, VacancyCandidate
from reserve_flow.contest.models.contests import Application
from reserve_flow.core.audit.chain import append_event
from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.core.db import unit_of_work
from reserve_flow.core.errors import NotFound
from reserve_flow.history import access
from reserve_flow.organizations.models.organizations import Organization
from reserve_flow.organizations.services import monitoring
from reserve_flow.people import declension
from reserve_flow.people.models import User
from reserve_flow.reserve.models.membership import ReserveMembership
from reserve_flow.reserve.models.plan import PlanItem

if TYPE_CHECKING:
    from reserve_flow.runtime import Runtime

ACCESS_KINDS = ("personal_file_viewed",)
PATH_SUBJECT = "user"  # a path view is audited on the person it shows


class PathNotFound(NotFound):
    """No such person, or the user may not see their path (the two are not told apart)."""


@dataclass(frozen=True)
class Entry:
    """One dated line of an organization's timeline."""

    kind: str  # head | vacancy | order | monitoring
    date: date
    text: str
    link: str | None = None
    event_id: int | None = None
    staff_link: bool = False  # the link is for HR officers and administrators only
    flagged: bool = False  # a monitoring total under 50 %
    year_only: bool = False  # a monitoring year: the date stands for the year

    @property
    def kind_label(self) -> str:
        return ENTRY_KINDS[self.kind]


ENTRY_KINDS = {"head": "Руководитель", "vacancy": "Вакансия", "order": "Приказ", "monitoring": "Мониторинг"}


def _day(moment: datetime, runtime: Runtime) -> date:
    return moment.astimezone(runtime.tz).date()


def _fmt(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def _data(event: AuditEvent) -> dict[str, Any]:
    return event.payload


# The appointment workflow's steps by which an order is signed and so takes effect.
SIGNING_TRIGGERS = ("sign_order", "record_signed_scan")


def _issue_events(session: Session, vacancy_ids: list[int]) -> dict[int, AuditEvent]:
    """vacancy id -> the step that signed its order (the order took effect then)."""
    if not vacancy_ids:
        return {}
    events = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.subject_type == "appointment",
            AuditEvent.subject_id.in_(vacancy_ids),
            AuditEvent.trigger.in_(SIGNING_TRIGGERS),
        )
        .order_by(AuditEvent.seq)
    )
    return {e.subject_id: e for e in events}


def order_link(order: AppointmentOrder) -> str:
    return f"/orders/{order.id}.docx"


def path_link(user_id: int) -> str:
    return f"/people/{user_id}/path"


def organization_timeline(runtime: Runtime, session: Session, organization: Organization) -> list[Entry]:
    """The organization's heads (from issued orders, from registry edits of the head's
    name and from the monitoring's head by year), its vacancies, its orders and its
    monitoring results: newest first."""
    entries: list[Entry] = []
    states = runtime.workflows.definitions["appointment"].states
    vacancies = list(
        session.scalars(select(Vacancy).where(Vacancy.organization_id == organization.id).order_by(Vacancy.id))
    )
    issued = _issue_events(session, [v.id for v in vacancies])
    starts = {
        e.subject_id: e.id
        for e in session.scalars(
            select(AuditEvent).where(
                AuditEvent.subject_type == "appointment",
                AuditEvent.subject_id.in_([v.id for v in vacancies] or [0]),
                AuditEvent.trigger == "start",
            )
        )
    }
    for vacancy in vacancies:
        state = states.get(vacancy.state)
        entries.append(
            Entry(
                "vacancy",
                _day(vacancy.created_at, runtime),
                f"Вакансия № {vacancy.id}: {vacancy.position} ({vacancy.reason_label}); "
                f"планируемая дата назначения {_fmt(vacancy.planned_on)}; "
                f"{state.label_ru.lower() if state else vacancy.state}",
                link=f"/appointments/{vacancy.id}",
                event_id=starts.get(vacancy.id),
                staff_link=True,
            )
        )
        order = vacancy.order
        if order is None or not order.signed:
            continue
        event = issued.get(vacancy.id)
        person = order.candidate.user
        how = "из кадрового резерва" if order.candidate.membership_id else "вне кадрового резерва, по обоснованию"
        assert order.issued_on is not None
        entries.append(
            Entry(
                "order",
                order.issued_on,
                f"{order.title}: о назначении {declension.genitive(person.full_name)} на должность "
                f"{declension.genitive_post(vacancy.position)} "
                f"с {_fmt(order.start_on)}",
                link=order_link(order),
                event_id=event.id if event else None,
                staff_link=True,
            )
        )
        entries.append(
            Entry(
                "head",
                order.start_on,
                f"Руководитель: {person.full_name} ({how}), назначен приказом № {order.number_label}",
                link=path_link(person.id),
                event_id=event.id if event else None,
                staff_link=True,
            )
        )

    for event in session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.subject_type == "organization",
            AuditEvent.subject_id == organization.id,
            AuditEvent.kind == "organization_updated",
        )
        .order_by(AuditEvent.seq)
    ):
        change = _data(event).get("changed", {}).get("head_name")
        if not change:
            continue
        old, new = change
        text = f"В реестре указан руководитель: {new}" if new else "В реестре снят руководитель"
        if old:
            text += f" (прежде: {old})"
        entries.append(Entry("head", _day(event.occurred_at, runtime), text, event_id=event.id))

    previous_head = None
    for item in monitoring.organization_history(session, organization):
        result = item.result
        day = date(item.year, 12, 31)
        if result.head_name and result.head_name != previous_head:
            entries.append(
                Entry(
                    "head",
                    day,
                    f"По данным мониторинга {item.year} года руководитель: {result.head_name}",
                    year_only=True,
                )
            )
        previous_head = result.head_name
        total = f"{result.total_percent:.1f}".rstrip("0").rstrip(".").replace(".", ",")
        text = (
            f"Мониторинг эффективности руководителя за {item.year} год: {total} %, "
            f"уровень {result.level_label}; место {item.rank} из {item.of}"
        )
        if item.flagged:
            text += "; ниже 50 % — антикризисная программа"
        entries.append(
            Entry("monitoring", day, text, link=f"/monitoring/{item.year}", flagged=item.flagged, year_only=True)
        )
    order_of_kinds = list(ENTRY_KINDS)
    return sorted(entries, key=lambda e: (e.date, -order_of_kinds.index(e.kind), e.event_id or 0), reverse=True)


# --- a person's path ---


@dataclass(frozen=True)
class Step:
    """One step of a person's path: when, what, who did it, the audit event."""

    at: datetime
    area: str  # Заявление | Резерв | План развития | Вакансия | Приказ
    text: str
    actor: str
    event_id: int
    link: str | None = None
    staff_link: bool = False


def get_person(session: Session, user: User, person_id: int) -> User:
    person = session.get(User, person_id)
    if person is None or not access.may_view_path(user, person):
        raise PathNotFound(person_id)
    return person


def record_view(runtime: Runtime, session: Session, person: User, user: User) -> None:
    """Log that `user` opened someone else's path (a personal file) and commit."""
    if person.id == user.id:
        return
    with unit_of_work(session):
        append_event(
            session,
            kind="personal_file_viewed",
            actor=user,
            subject_type=PATH_SUBJECT,
            subject_id=person.id,
            now=runtime.now(),
            data={"page": "path"},
        )


def _events(session: Session, subject_type: str, ids: list[int]) -> list[AuditEvent]:
    if not ids:
        return []
    return list(
        session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.subject_type == subject_type,
                AuditEvent.subject_id.in_(ids),
                AuditEvent.kind.not_in(ACCESS_KINDS),
            )
            .order_by(AuditEvent.seq)
        )
    )


def _label(runtime: Runtime, workflow: str, trigger: str | None) -> str:
    definition = runtime.workflows.definitions[workflow]
    transition = next((t for t in definition.transitions if t.trigger == trigger), None)
    return transition.label_ru if transition else (trigger or "")


def person_path(runtime: Runtime, session: Session, person: User, viewer: User) -> list[Step]:
    """Every step of the person's way, oldest first: their applications through the
    application workflow, their reserve memberships' transitions, the plan items
    accepted, their candidacies for vacancies and the orders naming them. The reasons
    given on an application are left out for a `viewer` who may not open it."""
    steps: list[Step] = []

    def add(event: AuditEvent, area: str, text: str, link: str | None = None, staff_link: bool = False) -> None:
        steps.append(Step(event.occurred_at, area, text, event.actor_name, event.id, link, staff_link))

    applications = {a.id: a for a in session.scalars(select(Application).where(Application.applicant_id == person.id))}
    application_states = runtime.workflows.definitions["application"].states
    for event in _events(session, "application", list(applications)):
        if event.kind != "transition":
            continue
        application = applications[event.subject_id]
        what = "Заявление создано" if event.trigger == "start" else _label(runtime, "application", event.trigger)
        state = application_states.get(event.to_state or "")
        text = f"Заявление на конкурс «{application.contest.title}»: {what}"
        if state is not None and event.trigger != "start":
            text += f" → {state.label_ru.lower()}"
        shown = event.reason and access.may_read_application_reasons(viewer, application)
        add(event, "Заявление", text + (f". {event.reason}" if shown else ""))

    memberships = {
        m.id: m for m in session.scalars(select(ReserveMembership).where(ReserveMembership.user_id == person.id))
    }
    for event in _events(session, "reserve", list(memberships)):
        if event.kind != "transition":
            continue
        membership = memberships[event.subject_id]
        if event.trigger == "start":
            text = f"Включён(а) в кадровый резерв по итогам конкурса «{membership.contest.title}»"
        else:
            text = _label(runtime, "reserve", event.trigger)
        add(event, "Резерв", text + (f". {event.reason}" if event.reason else ""), f"/reserve/{membership.id}")

    items = {
        i.id: i for i in session.scalars(select(PlanItem).where(PlanItem.membership_id.in_(list(memberships) or [0])))
    }
    for event in _events(session, "plan_item", list(items)):
        if event.trigger == "accept":
            item = items[event.subject_id]
            add(
                event,
                "План развития",
                f"Выполнение пункта плана принято: {item.title}",
                f"/reserve/{item.membership_id}",
            )

    for event in _events(session, PATH_SUBJECT, [person.id]):
        text = _personal_data_text(event)
        if text:
            add(event, "Персональные данные", text)

    steps.extend(_candidacy_steps(runtime, session, person))
    return sorted(steps, key=lambda s: s.event_id)


_CONSENT_NAMES = {"processing": "на обработку персональных данных", "dissemination": "на распространение"}


def _personal_data_text(event: AuditEvent) -> str | None:
    """A change of name or of a consent, as the path tells it (None: not shown there)."""
    data = _data(event)
    if event.kind == "full_name_changed":
        return f"Изменены фамилия, имя, отчество: «{data.get('old', '')}» → «{data.get('new', '')}»"
    if event.kind == "user_changed" and "full_name" in data:  # the administrator corrected it
        change = data["full_name"]
        return f"Администратор изменил фамилию, имя, отчество: «{change.get('было', '')}» → «{change.get('стало', '')}»"
    if event.kind in ("consent_given", "consent_revoked"):
        what = "Дано" if event.kind == "consent_given" else "Отозвано"
        return f"{what} согласие {_CONSENT_NAMES.get(data.get('consent', ''), '')}".rstrip()
    return None


def _candidacy_steps(runtime: Runtime, session: Session, person: User) -> list[Step]:
    candidates = {
        c.id: c for c in session.scalars(select(VacancyCandidate).where(VacancyCandidate.user_id == person.id))
    }
    vacancy_ids = sorted({c.vacancy_id for c in candidates.values()})
    vacancies = {v.id: v for v in session.scalars(select(Vacancy).where(Vacancy.id.in_(vacancy_ids or [0])))}
    steps = []
    for event in _events(session, "appointment", vacancy_ids):
        vacancy = vacancies[event.subject_id]
        data = _data(event)
        mine = data.get("candidate_id") in candidates
        order = vacancy.order
        named = order is not None and order.candidate_id in candidates
        place = f"вакансия № {vacancy.id}, {vacancy.organization.short_name}"
        area, text, link = "Вакансия", None, f"/appointments/{vacancy.id}"
        if event.kind in ("candidate_added", "direct_candidate_added") and mine:
            text = (
                f"Включён(а) в список кандидатов: {place}"
                if event.kind == "candidate_added"
                else f"Включён(а) в список кандидатов вне кадрового резерва: {place}. "
                f"Обоснование: {data.get('justification', '')}"
            )
        elif event.kind == "candidate_withdrawn" and mine:
            text = f"Исключён(а) из списка кандидатов: {place}. {data.get('reason', '')}".rstrip(". ")
        elif event.kind == "attestation_recorded" and mine:
            text = (
                f"Аттестация на должность руководителя ({place}): "
                f"{'аттестован(а)' if data.get('attested') else 'не аттестован(а)'}"
            )
        elif event.kind == "transition" and event.trigger == "send_to_attestation" and mine:
            text = f"Выбран(а) и направлен(а) на аттестацию: {place}"
        elif event.kind == "transition" and event.trigger == "fail_attestation" and mine:
            text = f"Не аттестован(а), вакансия возвращена к списку кандидатов: {place}"
        elif event.kind == "transition" and event.trigger == "return_to_shortlist" and mine:
            text = f"Проект приказа отозван: {place}. {event.reason or ''}".rstrip(". ")
        elif event.kind == "transition" and event.trigger == "draft_order" and mine:
            text = f"Подготовлен проект приказа о назначении: {place}"
        elif event.kind == "transition" and event.trigger in SIGNING_TRIGGERS and named:
            assert order is not None
            area, link = "Приказ", order_link(order)
            text = (
                f"{order.title}: назначен(а) на должность «{vacancy.position}» "
                f"({vacancy.organization.short_name}) с {_fmt(order.start_on)}"
            )
        elif event.kind == "transition" and event.trigger == "close" and named:
            text = f"Назначен(а) руководителем, вакансия закрыта: {place}"
        elif event.kind == "transition" and event.trigger == "cancel":
            text = f"Вакансия отменена: {place}. {event.reason or ''}".rstrip(". ")
        if text is not None:
            steps.append(
                Step(event.occurred_at, area, text, event.actor_name, event.id, link, staff_link=area == "Вакансия")
            )
    return steps
