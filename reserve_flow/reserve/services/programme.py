"""The district's programme for forming the reserve (roadmap item 11): the programme
itself, its yearly targets and events, and the actual values of its indicators,
computed live from the reserve's data (memberships, the audit chain of their steps
and of their plan items) whenever they are shown or reported.

How each indicator is counted, for a year Y, "as of" the end of Y or today if Y is
the current year (a later year has no actual value yet):
- members per kind of organization: memberships included on or before that day and
  not appointed or excluded by then, by the kind of head position they are reserved for;
- vacancies filled from the reserve: of the vacancies closed by an order issued in Y
  (by that day), the share whose appointed candidate came from the reserve; unknown
  when none was closed (a direct appointment, outside the reserve, counts against it);
- plans completed on time: of the members whose agreed plan fell due in Y (the latest
  due date of its mandatory items, as agreed, items HR removed left out) and by that
  day, the share who became ready on or before it;
- internships held: internship items accepted in Y;
- members appointed: memberships appointed in Y.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from reserve_flow.appointments.models import AppointmentOrder, Vacancy
from reserve_flow.core.audit.chain import append_event
from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.core.db import unit_of_work
from reserve_flow.core.errors import NotFound, Refused
from reserve_flow.people.models import User
from reserve_flow.reserve import access
from reserve_flow.reserve.models.membership import ENDED_STATES, ReserveMembership
from reserve_flow.reserve.models.plan import PlanItem
from reserve_flow.reserve.models.programme import ProgrammeEvent, ProgrammeTarget, ReserveProgramme
from reserve_flow.reserve.programme_report import DirectLine, EventLine, IndicatorLine, ReportContent

if TYPE_CHECKING:
    from reserve_flow.runtime import Runtime


@dataclass(frozen=True)
class Indicator:
    name: str
    unit: str  # "чел.", "%", "ед."


INDICATORS: dict[str, Indicator] = {
    "members_school": Indicator("Резервисты на должность руководителя общеобразовательной организации", "чел."),
    "members_kindergarten": Indicator(
        "Резервисты на должность руководителя дошкольной образовательной организации", "чел."
    ),
    "members_additional": Indicator(
        "Резервисты на должность руководителя организации дополнительного образования", "чел."
    ),
    "vacancies_filled": Indicator("Доля вакансий руководителей, замещённых из резерва", "%"),
    "plan_on_time": Indicator("Доля резервистов, выполнивших план развития в срок", "%"),
    "internships": Indicator("Проведено стажировок резервистов", "ед."),
    "appointed": Indicator("Назначено руководителями из резерва", "чел."),
}
KIND_INDICATORS = {
    "school": "members_school",
    "kindergarten": "members_kindergarten",
    "additional": "members_additional",
}


class ProgrammeRefused(Refused):
    """str() is the Russian reason; nothing was changed."""


class ProgrammeNotFound(NotFound):
    pass


def programmes(session: Session) -> list[ReserveProgramme]:
    return list(
        session.scalars(select(ReserveProgramme).order_by(ReserveProgramme.first_year.desc(), ReserveProgramme.id))
    )


def get(session: Session, user: User, programme_id: int) -> ReserveProgramme:
    programme = session.get(ReserveProgramme, programme_id)
    if programme is None or not access.may_view_programme(user):
        raise ProgrammeNotFound(programme_id)
    return programme


def _require_manager(user: User) -> None:
    if not access.may_manage_programme(user):
        raise ProgrammeRefused("Программу ведёт специалист по кадрам.")


def create(
    runtime: Runtime,
    session: Session,
    user: User,
    title: str,
    first_year: int | None,
    last_year: int | None,
    approved_by: str,
) -> ReserveProgramme:
    with unit_of_work(session):
        _require_manager(user)
        problems = []
        if not title.strip():
            problems.append("укажите название")
        if first_year is None or last_year is None or not 2000 <= first_year <= last_year <= first_year + 10:
            problems.append("укажите период: годы начала и окончания (не более 10 лет)")
        if problems:
            raise ProgrammeRefused("Программа не создана: " + "; ".join(problems) + ".")
        assert first_year is not None and last_year is not None
        programme = ReserveProgramme(
            title=title.strip(),
            first_year=first_year,
            last_year=last_year,
            approved_by=approved_by.strip(),
            created_at=runtime.now(),
        )
        session.add(programme)
        session.flush()
        append_event(
            session,
            kind="programme_created",
            actor=user,
            subject_type="programme",
            subject_id=programme.id,
            now=runtime.now(),
            data={"title": programme.title, "period": programme.period},
        )
        return programme


def set_targets(
    runtime: Runtime, session: Session, user: User, programme_id: int, values: dict[tuple[str, int], str]
) -> None:
    """Save the targets given as text per (indicator, year); an empty text removes one."""
    with unit_of_work(session):
        _require_manager(user)
        programme = get(session, user, programme_id)
        existing = {(t.indicator, t.year): t for t in programme.targets}
        parsed: dict[tuple[str, int], float | None] = {}
        problems = []
        for (code, year), text in values.items():
            if code not in INDICATORS or year not in programme.years:
                continue
            text = text.strip().replace(",", ".")
            if not text:
                parsed[(code, year)] = None
                continue
            try:
                number = float(text)
            except ValueError:
                problems.append(f"{INDICATORS[code].name}, {year}: «{text}» — не число")
                continue
            if number < 0 or (INDICATORS[code].unit == "%" and number > 100):
                problems.append(f"{INDICATORS[code].name}, {year}: значение вне допустимых пределов")
                continue
            parsed[(code, year)] = number
        if problems:
            raise ProgrammeRefused("Целевые значения не сохранены: " + "; ".join(problems) + ".")
        changed = {}
        for key, number in parsed.items():
            target = existing.get(key)
            if number is None:
                if target is not None:
                    programme.targets.remove(target)
                    changed[f"{key[0]}:{key[1]}"] = None
            elif target is None:
                programme.targets.append(ProgrammeTarget(indicator=key[0], year=key[1], value=number))
                changed[f"{key[0]}:{key[1]}"] = number
            elif target.value != number:
                target.value = number
                changed[f"{key[0]}:{key[1]}"] = number
        session.flush()
        if changed:
            append_event(
                session,
                kind="programme_targets",
                actor=user,
                subject_type="programme",
                subject_id=programme.id,
                now=runtime.now(),
                data=changed,
            )


def add_event(
    runtime: Runtime,
    session: Session,
    user: User,
    programme_id: int,
    year: int | None,
    title: str,
    planned_on: date | None,
    responsible: str,
) -> None:
    with unit_of_work(session):
        _require_manager(user)
        programme = get(session, user, programme_id)
        if not title.strip() or year not in programme.years:
            raise ProgrammeRefused(f"Мероприятие не добавлено: укажите название и год программы ({programme.period}).")
        if planned_on is not None and planned_on.year != year:
            raise ProgrammeRefused("Мероприятие не добавлено: запланированная дата не в выбранном году.")
        programme.events.append(
            ProgrammeEvent(year=year, title=title.strip(), planned_on=planned_on, responsible=responsible.strip())
        )
        session.flush()
        append_event(
            session,
            kind="programme_event",
            actor=user,
            subject_type="programme",
            subject_id=programme.id,
            now=runtime.now(),
            data={"title": title.strip(), "year": year},
        )


def mark_held(
    runtime: Runtime, session: Session, user: User, programme_id: int, event_id: int, held_on: date | None, note: str
) -> None:
    with unit_of_work(session):
        _require_manager(user)
        programme = get(session, user, programme_id)
        event = next((e for e in programme.events if e.id == event_id), None)
        if event is None:
            raise ProgrammeNotFound(event_id)
        today = runtime.now().astimezone(runtime.tz).date()
        if held_on is None or held_on > today:
            raise ProgrammeRefused("Укажите дату проведения мероприятия (не позже сегодняшнего дня).")
        event.held_on, event.note = held_on, note.strip()
        session.flush()
        append_event(
            session,
            kind="programme_event_held",
            actor=user,
            subject_type="programme",
            subject_id=programme.id,
            now=runtime.now(),
            data={"title": event.title, "held_on": held_on.isoformat()},
        )


# --- actual values ---


@dataclass(frozen=True)
class Actual:
    value: float | None  # None: not known (yet)
    note: str = ""


@dataclass
class _Facts:
    """What the audit chain says about the reserve, read once for all indicators."""

    ended_on: dict[int, date] = field(default_factory=dict)  # membership -> day appointed or excluded
    ready_on: dict[int, date] = field(default_factory=dict)  # membership -> first day ready
    appointed_on: list[date] = field(default_factory=list)
    internship_accepted_on: list[date] = field(default_factory=list)
    approved_items: set[int] = field(default_factory=set)
    removed_by_hr: set[int] = field(default_factory=set)


def _facts(runtime: Runtime, session: Session) -> _Facts:
    facts = _Facts()
    internships = set(session.scalars(select(PlanItem.id).where(PlanItem.kind == "internship")))
    events = session.execute(
        select(
            AuditEvent.subject_type,
            AuditEvent.subject_id,
            AuditEvent.trigger,
            AuditEvent.to_state,
            AuditEvent.actor_id,
            AuditEvent.occurred_at,
        )
        .where(AuditEvent.kind == "transition", AuditEvent.subject_type.in_(("reserve", "plan_item")))
        .order_by(AuditEvent.seq)
    )
    for subject_type, subject_id, trigger, to_state, actor_id, occurred_at in events:
        day = occurred_at.astimezone(runtime.tz).date()
        if subject_type == "reserve":
            if to_state in ENDED_STATES and trigger != "start":
                facts.ended_on.setdefault(subject_id, day)
            if to_state == "ready":
                facts.ready_on.setdefault(subject_id, day)
            if to_state == "appointed":
                facts.appointed_on.append(day)
        else:
            if trigger == "approve":
                facts.approved_items.add(subject_id)
            elif trigger == "cancel" and actor_id is not None:
                facts.removed_by_hr.add(subject_id)
            elif trigger == "accept" and subject_id in internships:
                facts.internship_accepted_on.append(day)
    return facts


def as_of(year: int, today: date) -> date | None:
    """The day a year's actual values are counted at; None for a year yet to come."""
    if year > today.year:
        return None
    return min(date(year, 12, 31), today)


def actual_values(
    runtime: Runtime, session: Session, year: int, today: date, facts: _Facts | None = None
) -> dict[str, Actual]:
    """Every indicator's actual value for `year` (see the module doc)."""
    day = as_of(year, today)
    if day is None:
        return {code: Actual(None, "год ещё не наступил") for code in INDICATORS}
    facts = facts or _facts(runtime, session)
    memberships = list(session.scalars(select(ReserveMembership)))
    values: dict[str, Actual] = {}

    counts: dict[str, int] = defaultdict(int)
    for m in memberships:
        ended = facts.ended_on.get(m.id)
        if m.included_on <= day and (ended is None or ended > day):
            counts[m.position_kind] += 1
    for kind, code in KIND_INDICATORS.items():
        values[code] = Actual(float(counts[kind]), f"на {day:%d.%m.%Y}")

    appointed = sum(1 for d in facts.appointed_on if d.year == year)
    values["appointed"] = Actual(float(appointed))
    closed = closed_orders(session, year, day)
    from_reserve = sum(1 for o in closed if o.candidate.membership_id is not None)
    values["vacancies_filled"] = (
        Actual(round(100 * from_reserve / len(closed), 1), f"из резерва {from_reserve} из {len(closed)}")
        if closed
        else Actual(None, "нет закрытых вакансий")
    )

    due = 0
    on_time = 0
    for m in memberships:
        plan_due = _plan_due(m, facts)
        if plan_due is None or plan_due.year != year or plan_due > day:
            continue
        due += 1
        ready = facts.ready_on.get(m.id)
        if ready is not None and ready <= plan_due:
            on_time += 1
    values["plan_on_time"] = (
        Actual(round(100 * on_time / due, 1), f"в срок {on_time} из {due}")
        if due
        else Actual(None, "в этом году не истёк срок ни одного плана")
    )
    values["internships"] = Actual(float(sum(1 for d in facts.internship_accepted_on if d.year == year)))
    return values


def closed_orders(session: Session, year: int, day: date) -> list[AppointmentOrder]:
    """The orders of the vacancies closed by an order issued in `year`, on or before `day`."""
    return list(
        session.scalars(
            select(AppointmentOrder)
            .join(Vacancy, Vacancy.id == AppointmentOrder.vacancy_id)
            .where(
                Vacancy.state == "closed",
                AppointmentOrder.issued_on >= date(year, 1, 1),
                AppointmentOrder.issued_on <= day,
            )
            .order_by(AppointmentOrder.issued_on, AppointmentOrder.number)
        )
    )


def direct_appointments(session: Session, year: int, today: date) -> list[DirectLine]:
    """Heads appointed outside the reserve in `year` (item 10's "and/or"): organization,
    position, order; no names and no justification, the report being public."""
    day = as_of(year, today)
    if day is None:
        return []
    return [
        DirectLine(o.vacancy.organization.short_name, o.vacancy.position, o.title, o.start_on)
        for o in closed_orders(session, year, day)
        if o.candidate.membership_id is None
    ]


def _plan_due(membership: ReserveMembership, facts: _Facts) -> date | None:
    """The latest due date of the agreed plan's mandatory items (those HR removed left out)."""
    dates = [
        i.due_date
        for i in membership.items
        if i.mandatory and i.id in facts.approved_items and i.id not in facts.removed_by_hr
    ]
    return max(dates) if dates else None


@dataclass(frozen=True)
class Row:
    code: str
    indicator: Indicator
    target: float | None
    actual: Actual

    @property
    def fulfilment(self) -> float | None:
        """Actual as a percentage of the target, when both are known and the target is not 0."""
        if self.target is None or self.actual.value is None or self.target == 0:
            return None
        return round(100 * self.actual.value / self.target, 1)


def table(runtime: Runtime, session: Session, programme: ReserveProgramme, today: date) -> dict[int, list[Row]]:
    """Rows (target beside actual) per year of the programme."""
    targets = {(t.indicator, t.year): t.value for t in programme.targets}
    facts = _facts(runtime, session)
    result = {}
    for year in programme.years:
        actual = actual_values(runtime, session, year, today, facts)
        result[year] = [
            Row(code, indicator, targets.get((code, year)), actual[code]) for code, indicator in INDICATORS.items()
        ]
    return result


def reserve_composition(runtime: Runtime, session: Session) -> list[tuple[str, int]]:
    """How many members are in each state now, in the workflow's order."""
    states = runtime.workflows.definitions["reserve"].states
    counts: dict[str, int] = defaultdict(int)
    for state in session.scalars(select(ReserveMembership.state)):
        counts[state] += 1
    return [(s.label_ru, counts[name]) for name, s in states.items()]


def report_content(runtime: Runtime, session: Session, programme: ReserveProgramme, year: int) -> ReportContent:
    """The yearly report's figures, as of now."""
    now = runtime.now().astimezone(runtime.tz)
    rows = table(runtime, session, programme, now.date())[year]
    return ReportContent(
        programme=programme.title,
        period=programme.period,
        approved_by=programme.approved_by,
        year=year,
        as_of=as_of(year, now.date()),
        indicators=[
            IndicatorLine(r.indicator.name, r.indicator.unit, r.target, r.actual.value, r.fulfilment, r.actual.note)
            for r in rows
        ],
        events=[
            EventLine(e.title, e.planned_on, e.responsible, e.held_on, e.note)
            for e in programme.events
            if e.year == year
        ],
        composition=reserve_composition(runtime, session),
        generated_at=now,
        direct=direct_appointments(session, year, now.date()),
    )


def audit_report(
    runtime: Runtime, session: Session, user: User, programme: ReserveProgramme, year: int, kind: str
) -> None:
    """Log that the yearly report was generated (the figures are as of this moment)."""
    with unit_of_work(session):
        append_event(
            session,
            kind="programme_report",
            actor=user,
            subject_type="programme",
            subject_id=programme.id,
            now=runtime.now(),
            data={"year": year, "format": kind},
        )
