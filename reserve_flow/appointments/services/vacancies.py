"""Vacancies and how a head is chosen for one (roadmap item 10): opening a vacancy,
its shortlist (reserve members, or someone outside the reserve with a written
justification), selecting one candidate, the attestation session, the order's draft,
withdrawing the selected candidate, redoing the draft, returning to the shortlist and
cancelling. The order's number, files and issuing are services/orders.py.

Only HR officers act; HR officers and administrators read. Anyone else is told the
vacancy does not exist. Each action commits, or rolls back whole and raises
AppointmentRefused (a rule of this module, Russian message), TransitionDenied or
ConcurrentChange (from the engine), VacancyNotFound.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reserve_flow.appointments import access
from reserve_flow.appointments.models import (
    CONTRACT_YEARS,
    MAX_PROBATION_MONTHS,
    OPEN_STATES,
    PRE_HIRE_ITEMS,
    VACANCY_REASONS,
    AppointmentOrder,
    AttestationSession,
    LabourContract,
    PreHireDocument,
    Vacancy,
    VacancyCandidate,
)
from reserve_flow.contest.models.protocols import Protocol
from reserve_flow.core.audit.chain import append_event
from reserve_flow.core.db import bump_version, unit_of_work
from reserve_flow.core.errors import NotFound, Refused
from reserve_flow.core.files import references, storage
from reserve_flow.core.workflow.errors import ConcurrentChange
from reserve_flow.organizations.models.organizations import HEAD_POSITIONS, Organization
from reserve_flow.people.models import User
from reserve_flow.reserve.models.membership import ACTIVE_STATES, ReserveMembership

if TYPE_CHECKING:
    from reserve_flow.runtime import Runtime

SUBJECT_TYPE = "appointment"
# Justifications shorter than this are not a written justification (item 10's "and/or").
MIN_JUSTIFICATION = 30
POSITION_LENGTH = Vacancy.__table__.c.position.type.length


class AppointmentRefused(Refused):
    """A rule of appointments refused the action; str() is the Russian reason. Nothing was changed."""


class VacancyNotFound(NotFound):
    """No such vacancy, or the user may not see it (the two are not told apart)."""


# --- who sees what ---


def get_vacancy(session: Session, user: User, vacancy_id: int, expected_version: int | None = None) -> Vacancy:
    vacancy = session.get(Vacancy, vacancy_id)
    if vacancy is None or not access.may_view_vacancies(user):
        raise VacancyNotFound(vacancy_id)
    if expected_version is not None and vacancy.version != expected_version:
        raise ConcurrentChange(subject_id=vacancy.id)
    return vacancy


def _managed(session: Session, user: User, vacancy_id: int, expected_version: int | None = None) -> Vacancy:
    vacancy = get_vacancy(session, user, vacancy_id, expected_version)
    if not access.may_manage_vacancies(user):
        raise AppointmentRefused("Вакансиями и назначениями занимается специалист по кадрам.")
    return vacancy


def vacancies(session: Session, user: User, *, open_only: bool = False) -> list[Vacancy]:
    if not access.may_view_vacancies(user):
        return []
    query = select(Vacancy).order_by(Vacancy.planned_on, Vacancy.id)
    if open_only:
        query = query.where(Vacancy.state.in_(OPEN_STATES))
    return list(session.scalars(query))


def _today(runtime: Runtime) -> date:
    return runtime.now().astimezone(runtime.tz).date()


def _fmt(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def _candidate(vacancy: Vacancy, candidate_id: int) -> VacancyCandidate:
    candidate = next((c for c in vacancy.candidates if c.id == candidate_id), None)
    if candidate is None:
        raise VacancyNotFound(candidate_id)
    return candidate


def _require_state(runtime: Runtime, vacancy: Vacancy, states: tuple[str, ...], what: str) -> None:
    if vacancy.state not in states:
        label = runtime.workflows.definitions[SUBJECT_TYPE].states[vacancy.state].label_ru
        raise AppointmentRefused(f"{what} нельзя: вакансия в состоянии «{label}».")


# --- opening ---


def open_vacancy(
    runtime: Runtime,
    session: Session,
    user: User,
    *,
    organization_id: int,
    reason: str,
    planned_on: date,
    reason_note: str = "",
    position: str = "",
) -> Vacancy:
    """The HR officer opens a vacancy: an active organization without another open
    vacancy, a listed reason, a planned date not in the past."""
    with unit_of_work(session):
        if not access.may_manage_vacancies(user):
            raise AppointmentRefused("Открыть вакансию может только специалист по кадрам.")
        organization = session.get(Organization, organization_id)
        if organization is None or not organization.active:
            raise AppointmentRefused("Выберите действующую образовательную организацию из реестра.")
        if reason not in VACANCY_REASONS:
            raise AppointmentRefused("Укажите причину вакансии: " + ", ".join(VACANCY_REASONS.values()) + ".")
        if planned_on < _today(runtime):
            raise AppointmentRefused(
                f"Планируемая дата назначения {_fmt(planned_on)} уже прошла: "
                "укажите сегодняшнюю или более позднюю дату."
            )
        if len(position.strip()) > POSITION_LENGTH:
            raise AppointmentRefused(f"Наименование должности — не длиннее {POSITION_LENGTH} символов.")
        existing = session.scalar(
            select(Vacancy).where(Vacancy.organization_id == organization.id, Vacancy.state.in_(OPEN_STATES))
        )
        if existing is not None:
            raise AppointmentRefused(
                f"В организации «{organization.short_name}» уже открыта вакансия "
                f"№ {existing.id}: завершите или отмените её."
            )
        vacancy = Vacancy(
            organization_id=organization.id,
            reason=reason,
            reason_note=reason_note.strip(),
            position=position.strip() or HEAD_POSITIONS.get(organization.kind, "руководитель"),
            planned_on=planned_on,
            created_at=runtime.now(),
            created_by_id=user.id,
        )
        try:
            with session.begin_nested():  # added inside: begin_nested() flushes what is pending
                session.add(vacancy)
                session.flush()
        except IntegrityError:
            # Another vacancy for it was opened between the check above and this insert.
            raise AppointmentRefused(
                f"В организации «{organization.short_name}» только что открыта другая "
                "вакансия: обновите список вакансий."
            ) from None
        runtime.engine.start(
            vacancy,
            user,
            data={"organization_id": organization.id, "reason": reason, "planned_on": planned_on.isoformat()},
        )
        return vacancy


# --- the shortlist ---


def eligible_members(runtime: Runtime, session: Session, vacancy: Vacancy) -> list[ReserveMembership]:
    """Active reserve members whose term has not ended (those add_member accepts), not yet
    on this vacancy's list: those reserved for this kind of organization first, ready
    members first within each, then by inclusion."""
    listed = {c.user_id for c in vacancy.candidates}
    members = [
        m
        for m in session.scalars(
            select(ReserveMembership)
            .where(ReserveMembership.state.in_(ACTIVE_STATES), ReserveMembership.term_end >= _today(runtime))
            .order_by(ReserveMembership.included_on, ReserveMembership.id)
        )
        if m.user_id not in listed
    ]
    kind = vacancy.organization.kind
    return sorted(members, key=lambda m: (m.position_kind != kind, m.state != "ready"))


def _add(
    runtime: Runtime,
    session: Session,
    vacancy: Vacancy,
    user: User,
    person_id: int,
    membership: ReserveMembership | None,
    justification: str,
) -> VacancyCandidate:
    _require_state(runtime, vacancy, ("open", "shortlisted"), "Изменять список кандидатов")
    if any(c.user_id == person_id for c in vacancy.candidates):
        raise AppointmentRefused("Этот кандидат уже в списке по вакансии.")
    candidate = VacancyCandidate(
        user_id=person_id,
        membership_id=membership.id if membership else None,
        justification=justification,
        added_at=runtime.now(),
        added_by_id=user.id,
    )
    vacancy.candidates.append(candidate)
    bump_version(session, vacancy)
    data: dict[str, object] = {"candidate_id": candidate.id, "user_id": person_id}
    personal: dict[str, object] = {}
    if membership is not None:
        data["membership_id"] = membership.id
    else:
        personal["justification"] = justification
    append_event(
        session,
        kind="candidate_added" if membership else "direct_candidate_added",
        actor=user,
        subject_type=SUBJECT_TYPE,
        subject_id=vacancy.id,
        now=runtime.now(),
        data=data,
        personal=personal,
    )
    return candidate


def add_member(runtime: Runtime, session: Session, user: User, vacancy_id: int, membership_id: int) -> VacancyCandidate:
    """Put a reserve member on the shortlist: an active membership whose term has not ended."""
    with unit_of_work(session):
        vacancy = _managed(session, user, vacancy_id)
        membership = session.get(ReserveMembership, membership_id)
        if membership is None or membership.state not in ACTIVE_STATES:
            raise AppointmentRefused("Выберите действующего члена кадрового резерва.")
        if membership.term_end < _today(runtime):
            raise AppointmentRefused(
                f"Срок пребывания {membership.user.full_name} в резерве истёк {_fmt(membership.term_end)}."
            )
        return _add(runtime, session, vacancy, user, membership.user_id, membership, "")


def add_direct(
    runtime: Runtime, session: Session, user: User, vacancy_id: int, person_id: int, justification: str
) -> VacancyCandidate:
    """Put someone outside the reserve on the shortlist (item 10's "and/or"): only with
    a written justification, which the audit keeps and the reports count."""
    with unit_of_work(session):
        vacancy = _managed(session, user, vacancy_id)
        person = session.get(User, person_id)
        if person is None or not person.active:
            raise AppointmentRefused("Выберите кандидата из числа пользователей системы.")
        member = session.scalar(
            select(ReserveMembership).where(
                ReserveMembership.user_id == person.id, ReserveMembership.state.in_(ACTIVE_STATES)
            )
        )
        if member is not None:
            raise AppointmentRefused(f"{person.full_name} состоит в кадровом резерве: добавьте его из резерва.")
        text = " ".join(justification.split())
        if len(text) < MIN_JUSTIFICATION:
            raise AppointmentRefused(
                "Назначение вне кадрового резерва допускается только с письменным обоснованием: "
                f"опишите его (не менее {MIN_JUSTIFICATION} символов)."
            )
        return _add(runtime, session, vacancy, user, person.id, None, justification.strip())


def withdraw_candidate(
    runtime: Runtime, session: Session, user: User, vacancy_id: int, candidate_id: int, reason: str
) -> None:
    """Take a shortlisted candidate off the list, with a reason (they declined, say)."""
    with unit_of_work(session):
        vacancy = _managed(session, user, vacancy_id)
        candidate = _candidate(vacancy, candidate_id)
        _require_state(runtime, vacancy, ("open", "shortlisted"), "Изменять список кандидатов")
        if candidate.status != "shortlisted":
            raise AppointmentRefused(f"Кандидат {candidate.user.full_name} уже {candidate.status_label}.")
        if not reason.strip():
            raise AppointmentRefused("Укажите, почему кандидат исключается из списка.")
        candidate.status, candidate.status_note = "withdrawn", reason.strip()
        bump_version(session, vacancy)
        append_event(
            session,
            kind="candidate_withdrawn",
            actor=user,
            subject_type=SUBJECT_TYPE,
            subject_id=vacancy.id,
            now=runtime.now(),
            data={"candidate_id": candidate.id},
            personal={"reason": reason.strip()},
        )


def confirm_shortlist(runtime: Runtime, session: Session, user: User, vacancy_id: int, expected_version: int) -> None:
    with unit_of_work(session):
        vacancy = _managed(session, user, vacancy_id, expected_version)
        runtime.engine.fire(
            vacancy,
            "shortlist",
            user,
            data={"candidates": [c.id for c in vacancy.candidates if c.status == "shortlisted"]},
        )


def select_candidate(
    runtime: Runtime, session: Session, user: User, vacancy_id: int, expected_version: int, candidate_id: int
) -> None:
    """Choose one shortlisted candidate and send them to attestation."""
    with unit_of_work(session):
        vacancy = _managed(session, user, vacancy_id, expected_version)
        candidate = _candidate(vacancy, candidate_id)
        if candidate.status != "shortlisted":
            raise AppointmentRefused(f"Кандидата {candidate.user.full_name} выбрать нельзя: {candidate.status_label}.")
        if candidate.left_reserve:
            raise AppointmentRefused(
                f"Кандидата {candidate.user.full_name} выбрать нельзя: он(а) больше не состоит "
                f"в кадровом резерве ({reserve_state_label(runtime, candidate)}). "
                "Исключите его (её) из списка."
            )
        # Two vacancies selecting the same person at once queue up and the second sees the
        # first: the person's row is locked on PostgreSQL; on SQLite the version bump
        # takes the database's write lock before the check reads.
        bump_version(session, vacancy)
        session.execute(select(User.id).where(User.id == candidate.user_id).with_for_update())
        elsewhere = taken_elsewhere(session, candidate)
        if elsewhere is not None:
            raise AppointmentRefused(f"Кандидата {candidate.user.full_name} выбрать нельзя: {elsewhere}.")
        candidate.status = "selected"
        runtime.engine.fire(
            vacancy, "send_to_attestation", user, data={"candidate_id": candidate.id, "user_id": candidate.user_id}
        )


def taken_elsewhere(session: Session, candidate: VacancyCandidate) -> str | None:
    """Why a listed person is not free for this vacancy (None if they are): selected on
    another vacancy (in attestation, with a drafted or numbered order), or appointed by
    an order signed after they were put on this list. Russian, naming the other vacancy."""
    other = session.scalar(
        select(Vacancy)
        .join(VacancyCandidate)
        .where(
            VacancyCandidate.user_id == candidate.user_id,
            VacancyCandidate.status == "selected",
            Vacancy.id != candidate.vacancy_id,
            Vacancy.state.in_(("attestation", "order_drafted", "order_numbered")),
        )
        .limit(1)
    )
    if other is not None:
        return f"уже выбран(а) по вакансии № {other.id} ({other.organization.short_name})"
    order = session.scalar(
        select(AppointmentOrder)
        .join(VacancyCandidate, AppointmentOrder.candidate_id == VacancyCandidate.id)
        .where(
            VacancyCandidate.user_id == candidate.user_id,
            AppointmentOrder.signed_at.is_not(None),
            AppointmentOrder.signed_at > candidate.added_at,
        )
        .order_by(AppointmentOrder.signed_at.desc())
        .limit(1)
    )
    if order is not None:
        return (
            f"назначен(а) по вакансии № {order.vacancy_id} ({order.vacancy.organization.short_name}), "
            f"{order.title}, после включения в этот список"
        )
    return None


def not_selectable(runtime: Runtime, session: Session, vacancy: Vacancy) -> dict[int, str]:
    """Shortlisted candidates who cannot be selected now, with why (for the pages)."""
    reasons = {}
    for candidate in vacancy.candidates:
        if candidate.status != "shortlisted":
            continue
        if candidate.left_reserve:
            reasons[candidate.id] = f"выбыл(а) из кадрового резерва: {reserve_state_label(runtime, candidate)}"
        elif (elsewhere := taken_elsewhere(session, candidate)) is not None:
            reasons[candidate.id] = elsewhere
    return reasons


def reserve_state_label(runtime: Runtime, candidate: VacancyCandidate) -> str:
    """Where a listed member's reserve membership stands now ("назначен руководителем")."""
    assert candidate.membership is not None
    state = candidate.membership.state
    return runtime.workflows.definitions["reserve"].states[state].label_ru.lower()


# --- attestation ---


def withdraw_selected(
    runtime: Runtime, session: Session, user: User, vacancy_id: int, expected_version: int, reason: str
) -> None:
    """The selected candidate declined or left the reserve before the order was drafted:
    they are marked withdrawn with the reason and the vacancy goes back to its shortlist."""
    with unit_of_work(session):
        vacancy = _managed(session, user, vacancy_id, expected_version)
        _require_state(runtime, vacancy, ("attestation",), "Исключить выбранного кандидата")
        candidate = vacancy.selected
        assert candidate is not None  # the attestation state's guard saw to it
        # Fired while the candidate is still the selected one: the notice goes to them.
        runtime.engine.fire(vacancy, "withdraw_selected", user, reason=reason, data={"candidate_id": candidate.id})
        candidate.status, candidate.status_note = "withdrawn", reason.strip()


def record_attestation(
    runtime: Runtime,
    session: Session,
    user: User,
    vacancy_id: int,
    expected_version: int,
    *,
    held_on: date,
    members: str,
    attested: bool,
    conclusion: str,
    stream: BinaryIO,
    filename: str,
) -> AttestationSession:
    """Record the attestation commission's session on the selected candidate with its
    signed document. Not attested: the candidate is marked and the vacancy goes back
    to its shortlist, in the same transaction."""
    vacancy = _managed(session, user, vacancy_id, expected_version)
    _require_state(runtime, vacancy, ("attestation",), "Вносить результаты аттестации")
    candidate = vacancy.selected
    assert candidate is not None  # the attestation state's guard saw to it
    names = [line.strip() for line in members.splitlines() if line.strip()]
    if not names:
        raise AppointmentRefused("Перечислите членов аттестационной комиссии, по одному в строке.")
    if held_on > _today(runtime):
        raise AppointmentRefused(f"Дата заседания {_fmt(held_on)} ещё не наступила.")
    if held_on < candidate.added_at.astimezone(runtime.tz).date():
        raise AppointmentRefused(f"Дата заседания {_fmt(held_on)} раньше включения кандидата в список.")
    if not attested and not conclusion.strip():
        raise AppointmentRefused("Укажите заключение аттестационной комиссии: почему кандидат не аттестован.")
    max_bytes = runtime.settings.upload_max_bytes
    try:
        stored = storage.store(stream, filename, runtime.settings.uploads_folder, max_bytes)
    except storage.UploadRejected as exc:
        raise AppointmentRefused(str(exc)) from None
    try:
        with unit_of_work(session):
            bump_version(session, vacancy)
            now = runtime.now()
            record = AttestationSession(
                vacancy_id=vacancy.id,
                candidate_id=candidate.id,
                held_on=held_on,
                commission_members="\n".join(names),
                attested=attested,
                conclusion=conclusion.strip(),
                document_key=stored.storage_key,
                document_sha256=stored.sha256,
                document_name=Path(filename).name[:255],
                document_content_type=stored.content_type,
                document_size=stored.size,
                created_at=now,
                created_by_id=user.id,
            )
            vacancy.attestations.append(record)
            session.flush()
            append_event(
                session,
                kind="attestation_recorded",
                actor=user,
                subject_type=SUBJECT_TYPE,
                subject_id=vacancy.id,
                now=now,
                data={
                    "session_id": record.id,
                    "candidate_id": candidate.id,
                    "attested": attested,
                    "held_on": held_on.isoformat(),
                    "sha256": stored.sha256,
                },
            )
            if not attested:
                # Fired while the candidate is still the selected one: the guard reads
                # their session and the notice goes to them.
                runtime.engine.fire(
                    vacancy,
                    "fail_attestation",
                    user,
                    reason=conclusion.strip(),
                    data={"candidate_id": candidate.id, "session_id": record.id},
                )
                candidate.status, candidate.status_note = "not_attested", conclusion.strip()
            return record
    except BaseException:
        if stored.created:
            references.release(session, runtime.settings.uploads_folder, stored.sha256)
        raise


# --- the pre-hire checklist ---


def criminal_record_max_age(runtime: Runtime) -> int:
    return runtime.settings["orders"]["criminal_record_max_age_days"]


def record_pre_hire(
    runtime: Runtime,
    session: Session,
    user: User,
    vacancy_id: int,
    expected_version: int,
    *,
    item: str,
    dated_on: date | None,
    stream: BinaryIO | None = None,
    filename: str = "",
) -> PreHireDocument:
    """The HR officer records one pre-hire document of the attested candidate: its date
    and, if given, its file (checked and stored by SHA-256 like every upload). A
    criminal-record certificate older than the district's setting is refused. Recording
    an item again replaces it. Audited; a refused file leaves nothing behind."""
    vacancy = _managed(session, user, vacancy_id, expected_version)
    _require_state(runtime, vacancy, ("attestation",), "Вносить документы перед назначением")
    candidate = vacancy.selected
    if candidate is None:
        raise AppointmentRefused("Документы перед назначением вносятся по выбранному кандидату.")
    if item not in PRE_HIRE_ITEMS:
        raise VacancyNotFound(item)
    label = PRE_HIRE_ITEMS[item]
    today = _today(runtime)
    if dated_on is None:
        raise AppointmentRefused(f"Укажите дату документа «{label}».")
    if dated_on > today:
        raise AppointmentRefused(f"Дата документа «{label}» {_fmt(dated_on)} ещё не наступила.")
    max_age = criminal_record_max_age(runtime)
    if item == "criminal_record" and (today - dated_on).days > max_age:
        raise AppointmentRefused(
            f"Справка о судимости от {_fmt(dated_on)} выдана более {max_age} дней назад: "
            "перед назначением нужна свежая справка."
        )
    stored = None
    if stream is not None and filename:
        max_bytes = runtime.settings.upload_max_bytes
        try:
            stored = storage.store(stream, filename, runtime.settings.uploads_folder, max_bytes)
        except storage.UploadRejected as exc:
            raise AppointmentRefused(str(exc)) from None
    try:
        with unit_of_work(session):
            bump_version(session, vacancy)
            record = vacancy.checklist.get(item)
            if record is None:
                record = PreHireDocument(vacancy_id=vacancy.id, candidate_id=candidate.id, item=item)
                vacancy.pre_hire.append(record)
            record.dated_on = dated_on
            # A document recorded again without a file keeps no file of the one it replaces.
            record.file_key, record.file_sha256 = (stored.storage_key, stored.sha256) if stored else ("", "")
            record.file_name = Path(filename).name[:255] if stored else ""
            record.recorded_at, record.recorded_by_id = runtime.now(), user.id
            session.flush()
            append_event(
                session,
                kind="pre_hire_document_recorded",
                actor=user,
                subject_type=SUBJECT_TYPE,
                subject_id=vacancy.id,
                now=runtime.now(),
                data={
                    "candidate_id": candidate.id,
                    "item": item,
                    "dated_on": dated_on.isoformat(),
                    "sha256": stored.sha256 if stored is not None else "",
                },
            )
            return record
    except BaseException:
        if stored is not None and stored.created:
            storage.remove(runtime.settings.uploads_folder, stored.storage_key)
        raise


# --- the labour contract ---

# A contract dated further back than this is a typing error, not a contract for this
# appointment (it is concluded between the attestation and the order).
CONTRACT_DATE_MAX_AGE_DAYS = 60
CONTRACT_NUMBER_LENGTH = LabourContract.__table__.c.number.type.length


def record_contract(
    runtime: Runtime,
    session: Session,
    user: User,
    vacancy_id: int,
    expected_version: int,
    *,
    number: str,
    signed_on: date | None,
    term_years: int | None,
    probation_months: int | None,
    start_on: date | None,
) -> LabourContract:
    """The HR officer records the labour contract concluded with the attested candidate
    (Labour Code art. 275; typical form of Government Resolution No. 329): its number and
    date, its term (1-5 years, or None for an indefinite term), the probation (at most 6
    months, art. 70) and the start date. Recording it again corrects it; once the order
    is drafted the draft must be redone first."""
    with unit_of_work(session):
        vacancy = _managed(session, user, vacancy_id, expected_version)
        _require_state(runtime, vacancy, ("attestation",), "Вносить трудовой договор")
        candidate = vacancy.selected
        passed = [s for s in vacancy.attestations if candidate is not None and s.candidate_id == candidate.id]
        if candidate is None or not passed or not passed[-1].attested:
            raise AppointmentRefused("Трудовой договор вносится после того, как кандидат аттестован.")
        today = _today(runtime)
        problems = []
        number = (number or "").strip()
        if not number:
            problems.append("укажите номер трудового договора")
        elif len(number) > CONTRACT_NUMBER_LENGTH:
            problems.append(f"номер трудового договора длиннее {CONTRACT_NUMBER_LENGTH} символов")
        if signed_on is None:
            problems.append("укажите дату заключения трудового договора")
        elif signed_on > today:
            problems.append(f"дата заключения {_fmt(signed_on)} ещё не наступила")
        elif (today - signed_on).days > CONTRACT_DATE_MAX_AGE_DAYS:
            problems.append(
                f"дата заключения {_fmt(signed_on)} более чем на {CONTRACT_DATE_MAX_AGE_DAYS} дней в прошлом: "
                "проверьте дату"
            )
        elif signed_on < passed[-1].held_on:
            problems.append(f"договор не может быть заключён раньше аттестации ({_fmt(passed[-1].held_on)})")
        if term_years is not None and term_years not in CONTRACT_YEARS:
            problems.append(
                f"срок срочного трудового договора — от {CONTRACT_YEARS.start} до {CONTRACT_YEARS.stop - 1} лет"
                " (ст. 58, 275 ТК РФ)"
            )
        if probation_months is None or not 0 <= probation_months <= MAX_PROBATION_MONTHS:
            problems.append(f"испытательный срок руководителя — от 0 до {MAX_PROBATION_MONTHS} месяцев (ст. 70 ТК РФ)")
        if start_on is None:
            problems.append("укажите дату начала работы")
        elif start_on < today:
            problems.append(f"дата начала работы {_fmt(start_on)} уже прошла")
        elif signed_on is not None and start_on < signed_on:
            problems.append("дата начала работы раньше даты заключения договора")
        if problems:
            raise AppointmentRefused("Трудовой договор не внесён: " + "; ".join(problems) + ".")
        assert signed_on is not None and start_on is not None and probation_months is not None
        bump_version(session, vacancy)
        contract = next((c for c in vacancy.contracts if c.candidate_id == candidate.id), None)
        if contract is None:
            contract = LabourContract(vacancy_id=vacancy.id, candidate_id=candidate.id)
            vacancy.contracts.append(contract)
        contract.number, contract.signed_on, contract.term_years = number, signed_on, term_years
        contract.probation_months, contract.start_on = probation_months, start_on
        contract.recorded_at, contract.recorded_by_id = runtime.now(), user.id
        session.flush()
        append_event(
            session,
            kind="labour_contract_recorded",
            actor=user,
            subject_type=SUBJECT_TYPE,
            subject_id=vacancy.id,
            now=runtime.now(),
            data={
                "contract_id": contract.id,
                "candidate_id": candidate.id,
                "number": number,
                "signed_on": signed_on.isoformat(),
                "term_years": term_years,
                "probation_months": probation_months,
                "start_on": start_on.isoformat(),
            },
        )
        return contract


# --- the order's draft ---


def default_grounds(session: Session, vacancy: Vacancy) -> str:
    """What the order cites besides the labour contract (which the template names first,
    Labour Code art. 68): the contest protocol that put the candidate in the reserve, or
    the justification of a direct appointment; the attestation; the candidate's application."""
    candidate = vacancy.selected
    if candidate is None:
        return ""
    lines = []
    if candidate.membership is not None:
        membership = candidate.membership
        protocol = session.scalar(
            select(Protocol)
            .where(Protocol.contest_id == membership.contest_id)
            .order_by(Protocol.year.desc(), Protocol.number.desc())
        )
        cited = (
            f"{protocol.title} заседания конкурсной комиссии" if protocol is not None else "Решение конкурсной комиссии"
        )
        lines.append(
            f"{cited} («{membership.contest.title}»): включение в кадровый резерв {_fmt(membership.included_on)}"
        )
    else:
        lines.append(f"Обоснование назначения вне кадрового резерва: {candidate.justification}")
    passed = [s for s in vacancy.attestations if s.candidate_id == candidate.id and s.attested]
    if passed:
        lines.append(f"Решение аттестационной комиссии от {_fmt(passed[-1].held_on)}: аттестован")
    lines.append("Заявление кандидата о согласии на назначение")
    return "\n".join(lines)


def draft_order(
    runtime: Runtime,
    session: Session,
    user: User,
    vacancy_id: int,
    expected_version: int,
    *,
    grounds: str = "",
) -> AppointmentOrder:
    """After a passed attestation and the labour contract: the order's draft (no number
    yet) with the contract's start date and term, and the grounds (by default those
    default_grounds gives; the contract is cited before them)."""
    with unit_of_work(session):
        vacancy = _managed(session, user, vacancy_id, expected_version)
        _require_state(runtime, vacancy, ("attestation",), "Готовить проект приказа")
        candidate = vacancy.selected
        assert candidate is not None
        contract = vacancy.contract
        if contract is not None and contract.start_on < _today(runtime):
            raise AppointmentRefused(
                f"Дата начала работы {_fmt(contract.start_on)} по трудовому договору уже прошла: "
                "исправьте трудовой договор."
            )
        bump_version(session, vacancy)
        order = AppointmentOrder(
            vacancy_id=vacancy.id,
            candidate_id=candidate.id,
            start_on=contract.start_on if contract is not None else _today(runtime),
            contract_years=contract.term_years if contract is not None else None,
            contract_id=contract.id if contract is not None else None,
            grounds=grounds.strip() or default_grounds(session, vacancy),
            drafted_at=runtime.now(),
            drafted_by_id=user.id,
        )
        session.add(order)
        vacancy.order = order
        session.flush()
        # The guards (a passed attestation, a recorded contract) refuse, and roll back, a draft without them.
        runtime.engine.fire(
            vacancy,
            "draft_order",
            user,
            data={
                "criminal_record_max_age_days": criminal_record_max_age(runtime),
                "order_id": order.id,
                "candidate_id": candidate.id,
                "contract_id": order.contract_id,
                "start_on": order.start_on.isoformat(),
                "contract_years": order.contract_years,
            },
        )
        return order


def revise_draft(
    runtime: Runtime, session: Session, user: User, vacancy_id: int, expected_version: int, reason: str
) -> None:
    """The draft must be redone for the same candidate (its start date passed, say): the
    unnumbered draft is discarded and the vacancy is back in attestation with the
    candidate still selected and their passed attestation kept, ready for a new draft."""
    with unit_of_work(session):
        vacancy = _managed(session, user, vacancy_id, expected_version)
        _require_state(runtime, vacancy, ("order_drafted",), "Переделать проект приказа")
        order = vacancy.order
        runtime.engine.fire(
            vacancy,
            "revise_draft",
            user,
            reason=reason,
            data={"order_id": order.id if order else None, "start_on": order.start_on.isoformat() if order else None},
        )
        _discard_draft(session, vacancy)


def return_to_shortlist(
    runtime: Runtime, session: Session, user: User, vacancy_id: int, expected_version: int, reason: str
) -> None:
    """The selected candidate declined: the unnumbered draft is discarded, the candidate
    withdrawn, the vacancy back on its shortlist (revise_draft keeps the candidate)."""
    with unit_of_work(session):
        vacancy = _managed(session, user, vacancy_id, expected_version)
        _require_state(runtime, vacancy, ("order_drafted",), "Отозвать проект приказа")
        candidate = vacancy.selected
        runtime.engine.fire(
            vacancy,
            "return_to_shortlist",
            user,
            reason=reason,
            data={"candidate_id": candidate.id if candidate else None},
        )
        _discard_draft(session, vacancy)
        if candidate is not None:
            candidate.status, candidate.status_note = "withdrawn", reason.strip()


def cancel(runtime: Runtime, session: Session, user: User, vacancy_id: int, expected_version: int, reason: str) -> None:
    """Cancel the vacancy (the position was abolished, say): an unnumbered draft goes with it."""
    with unit_of_work(session):
        vacancy = _managed(session, user, vacancy_id, expected_version)
        runtime.engine.fire(vacancy, "cancel", user, reason=reason)
        _discard_draft(session, vacancy)
        selected = vacancy.selected
        if selected is not None:
            selected.status, selected.status_note = "withdrawn", reason.strip()


def _discard_draft(session: Session, vacancy: Vacancy) -> None:
    order = vacancy.order
    if order is not None and order.number is None:
        vacancy.order = None
        session.delete(order)
        session.flush()


def open_attestation_document(
    runtime: Runtime, session: Session, user: User, vacancy_id: int, session_id: int
) -> tuple[AttestationSession, Path]:
    """The attestation's signed document and its stored file, for HR officers and
    administrators. Every look is a personal-file access: logged with the file named,
    and committed."""
    vacancy = get_vacancy(session, user, vacancy_id)
    record = next((s for s in vacancy.attestations if s.id == session_id), None)
    path = storage.path_of(runtime.settings.uploads_folder, record.document_key) if record is not None else None
    if record is None or path is None or not path.is_file():
        raise VacancyNotFound(session_id)
    with unit_of_work(session):
        append_event(
            session,
            kind="personal_file_viewed",
            actor=user,
            subject_type=SUBJECT_TYPE,
            subject_id=vacancy.id,
            now=runtime.now(),
            data={
                "session_id": record.id,
                "candidate_id": record.candidate_id,
                "sha256": record.document_sha256,
            },
            personal={"file": record.document_name},
        )
    return record, path
