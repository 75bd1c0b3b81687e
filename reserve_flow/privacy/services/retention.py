"""The retention schedule ([retention] in the configuration) and the destruction of what
has been kept long enough. Each destruction is a DestructionAct: what, whose, on which
ground, by whom (None: the schedule) and when. The scheduler runs `run` once a day; an
administrator may run it at once from /admin/destruction.

What is destroyed, and when:
- the documents of an application a contest did not include (not included, refused,
  lapsed, withdrawn): `applicant_documents_years` after the contest's meeting (its
  assessment date, else the end of acceptance);
- after a person withdraws the processing consent, `withdrawal_days` later: the documents
  of their applications that led to no inclusion, and the profile's details (birth date,
  phone, education, employer, experience) unless they are or were a reserve member;
- the files of an appointment order `orders_years` after its issue (the order's row,
  with its number and the name recorded, stays in the register).

A file's bytes go only when no other record refers to the same SHA-256 (core/files/references.py);
they are removed after the act is committed. In the act's transaction the audit events
about what it destroyed lose their personal part (privacy/services/erasure.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from reserve_flow.appointments.models import AppointmentOrder
from reserve_flow.contest.models.applicants import ApplicantProfile
from reserve_flow.contest.models.contests import Application, Contest
from reserve_flow.contest.models.documents import ApplicationDocument
from reserve_flow.contest.services.commission import add_years
from reserve_flow.core.db import unit_of_work
from reserve_flow.core.deadlines.daily import daily_job
from reserve_flow.core.files import references, storage
from reserve_flow.people.models import User
from reserve_flow.privacy.models import PROCESSING, ConsentRecord, DestructionAct
from reserve_flow.privacy.services import erasure
from reserve_flow.privacy.services.consents import processing_withdrawn_at
from reserve_flow.reserve.models.membership import ReserveMembership

if TYPE_CHECKING:
    from reserve_flow.core.context import Context

log = logging.getLogger(__name__)

NOT_INCLUDED_STATES = ("not_included", "refused", "lapsed", "withdrawn")
GROUND_NOT_INCLUDED = (
    "истёк срок хранения документов кандидата, не включённого в резерв ({years} г. после конкурса; 152-ФЗ ст. 5 ч. 7)"
)
GROUND_WITHDRAWN = "отзыв согласия на обработку персональных данных (152-ФЗ ст. 21 ч. 5), {days} дн. после отзыва"
GROUND_ORDER = "истёк срок хранения приказа по личному составу ({years} лет)"


@dataclass(frozen=True)
class Planned:
    """Something the schedule will destroy, and from which day."""

    user_id: int | None
    person: str
    what: str
    ground: str
    due_on: date


def _contest_day(contest: Contest) -> date:
    return contest.assessment_date or contest.accept_to


def _document_label(document: ApplicationDocument) -> str:
    application = document.application
    titles = {k.code: k.title for k in application.contest.document_kinds}
    return (
        f"{titles.get(document.kind_code, document.kind_code)}: файл «{document.original_name}» "
        f"(заявление № {application.id}, конкурс «{application.contest.title}»)"
    )


def _withdrawals(session: Session) -> dict[int, datetime]:
    """People whose processing consent is withdrawn (none in force), with the moment."""
    ids = set(session.scalars(select(ConsentRecord.user_id).where(ConsentRecord.kind == PROCESSING)))
    found = {}
    for user_id in ids:
        moment = processing_withdrawn_at(session, user_id)
        if moment is not None:
            found[user_id] = moment
    return found


def _included_users(session: Session) -> set[int]:
    return set(session.scalars(select(ReserveMembership.user_id)))


def _plan(runtime: Context, session: Session) -> list[tuple[Planned, object]]:
    """Everything the schedule will destroy, each with the record it concerns."""
    settings = runtime.settings["retention"]
    years, days = settings["applicant_documents_years"], settings["withdrawal_days"]
    tz = runtime.tz
    withdrawn = _withdrawals(session)
    members = _included_users(session)
    found: list[tuple[Planned, object]] = []
    documents = session.scalars(select(ApplicationDocument).join(Application).order_by(ApplicationDocument.id))
    for document in documents:
        application = document.application
        candidates: list[tuple[date, str]] = []
        if application.state in NOT_INCLUDED_STATES:
            candidates.append(
                (add_years(_contest_day(application.contest), years), GROUND_NOT_INCLUDED.format(years=years))
            )
        if application.applicant_id in withdrawn and application.state != "included":
            day = withdrawn[application.applicant_id].astimezone(tz).date() + timedelta(days=days)
            candidates.append((day, GROUND_WITHDRAWN.format(days=days)))
        if candidates:
            due_on, ground = min(candidates)
            found.append(
                (
                    Planned(
                        application.applicant_id,
                        application.applicant.full_name,
                        _document_label(document),
                        ground,
                        due_on,
                    ),
                    document,
                )
            )
    for user_id, moment in withdrawn.items():
        profile = session.get(ApplicantProfile, user_id)
        if user_id in members or profile is None or _blank(profile):
            continue
        due_on = moment.astimezone(tz).date() + timedelta(days=days)
        found.append(
            (
                Planned(
                    user_id,
                    profile.user.full_name,
                    "Сведения профиля заявителя: дата рождения, телефон, образование, место работы, стаж",
                    GROUND_WITHDRAWN.format(days=days),
                    due_on,
                ),
                profile,
            )
        )
    order_years = settings["orders_years"]
    for order in session.scalars(select(AppointmentOrder).where(AppointmentOrder.issued_on.is_not(None))):
        if not (order.docx_path or order.pdf_path):
            continue
        assert order.issued_on is not None
        found.append(
            (
                Planned(
                    order.candidate.user_id,
                    order.full_name_at_act or order.candidate.user.full_name,
                    f"Файлы приказа: {order.title} (DOCX и PDF)",
                    GROUND_ORDER.format(years=order_years),
                    add_years(order.issued_on, order_years),
                ),
                order,
            )
        )
    return found


def _blank(profile: ApplicantProfile) -> bool:
    return (
        profile.birth_date is None
        and not profile.phone
        and not profile.education
        and not profile.employer_name
        and profile.teaching_years is None
        and profile.management_years is None
    )


def planned(runtime: Context, session: Session) -> list[Planned]:
    """The queue: what the schedule will destroy, soonest first."""
    return sorted((p for p, _ in _plan(runtime, session)), key=lambda p: (p.due_on, p.what))


def _act(session: Session, planned: Planned, now: datetime, actor: User | None, sha: str = "", removed: bool = False):
    act = DestructionAct(
        performed_at=now,
        subject_user_id=planned.user_id,
        what=planned.what,
        ground=planned.ground,
        performed_by_id=actor.id if actor else None,
        file_sha256=sha,
        file_removed=removed,
    )
    session.add(act)
    return act


def _destroy(
    runtime: Context, session: Session, planned: Planned, record: object, now: datetime, actor: User | None
) -> tuple[DestructionAct, list[Path]]:
    """Destroy one record in the caller's unit of work; the files to remove after commit."""
    uploads = runtime.settings.uploads_folder
    if isinstance(record, ApplicationDocument):
        sha, key = record.sha256, record.storage_key
        events = erasure.document_event_ids(session, record)
        application = record.application
        application.documents.remove(record)
        session.flush()
        removed = bool(key) and references.count_references(session, key) == 0
        act = _act(session, planned, now, actor, sha, removed)
        erasure.erase_events(session, act, events)
        return act, [storage.path_of(uploads, key)] if removed else []
    if isinstance(record, ApplicantProfile):
        record.birth_date = None
        record.phone = record.education = record.employer_name = record.education_level = ""
        record.teaching_years = record.management_years = None
        record.updated_at = now
        act = _act(session, planned, now, actor)
        erasure.erase_events(session, act, erasure.profile_event_ids(session, record.user_id))
        return act, []
    assert isinstance(record, AppointmentOrder)
    paths = [storage.path_of(uploads, p) for p in (record.docx_path, record.pdf_path) if p]
    sha = record.pdf_sha256
    record.docx_path = record.pdf_path = ""
    return _act(session, planned, now, actor, sha, True), paths


def run(runtime: Context, now: datetime, actor: User | None = None) -> list[int]:
    """Destroy everything due by `now`'s local day, one act per record, each in its own
    transaction; return the acts' ids. `actor` None: the schedule did it."""
    today = now.astimezone(runtime.tz).date()
    acts: list[int] = []
    with runtime.sessions() as session:
        due = [
            (p, type(r), r.id if not isinstance(r, ApplicantProfile) else r.user_id)
            for p, r in _plan(runtime, session)
            if p.due_on <= today
        ]
    for planned_item, model, key in due:
        with runtime.sessions() as session:
            record = session.get(model, key)
            if record is None:
                continue
            who = session.get(User, actor.id) if actor else None
            with unit_of_work(session):
                act, paths = _destroy(runtime, session, planned_item, record, now, who)
                session.flush()
                acts.append(act.id)
            for path in paths:
                try:
                    path.unlink(missing_ok=True)
                except OSError:
                    log.exception("retention: could not remove %s", path)
    return acts


def acts(session: Session, limit: int = 500) -> list[DestructionAct]:
    return list(
        session.scalars(
            select(DestructionAct).order_by(DestructionAct.performed_at.desc(), DestructionAct.id.desc()).limit(limit)
        )
    )


@daily_job("retention")
def _daily(runtime: Context, now: datetime) -> None:
    done = run(runtime, now)
    if done:
        log.info("retention: %d records destroyed by the schedule", len(done))
