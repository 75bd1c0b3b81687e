"""The individual development plan (roadmap item 9): deficits, items, versions and
their agreement, evidence, the mentor's review, and HR's acceptance or return.

Who does what: the HR officer drafts and changes the plan and decides on items; the
member confirms the plan's versions, uploads evidence and submits items; the mentor
of an internship reviews it. The plan is agreed when both the HR officer and the
member have confirmed its current version; a change after that is a new version
(with a reason, a snapshot and an audit event) that the member is asked to confirm.
When every mandatory item is accepted and the current version is agreed, the
membership becomes ready in the same transaction.

Each action commits, or rolls back whole (files it stored included) and raises
PlanRefused (Russian message), ReserveNotFound, TransitionDenied or ConcurrentChange.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from sqlalchemy.orm import Session

from reserve_flow.contest.services.ranking import ranking
from reserve_flow.core.audit.chain import append_event, canonical_json
from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.core.db import bump_version, unit_of_work
from reserve_flow.core.errors import NotFound, Refused
from reserve_flow.core.files import references, storage
from reserve_flow.core.notifications.models import OutboxMessage
from reserve_flow.core.workflow.errors import ConcurrentChange
from reserve_flow.organizations.models.organizations import Organization
from reserve_flow.people.models import User
from reserve_flow.reserve import access, plan_rules
from reserve_flow.reserve.models.membership import ProfessionalDeficit, ReserveMembership, role_holders
from reserve_flow.reserve.models.plan import EVIDENCE_KINDS, ITEM_KINDS, PlanEvidence, PlanItem, PlanVersion
from reserve_flow.reserve.services.membership import get_visible

if TYPE_CHECKING:
    from reserve_flow.runtime import Runtime

MEMBERSHIP = "reserve"
ITEM = "plan_item"
# A criterion whose mean score is below this share of its maximum shows a deficit.
LOW_SCORE_SHARE = 0.6
# Membership states in which the HR officer may change the plan.
CHANGEABLE_STATES = ("included", "plan_agreed", "developing")
# Membership states in which the member works on the plan (uploads evidence).
WORKING_STATES = ("plan_agreed", "developing", "ready")


class PlanRefused(Refused):
    """A rule of the plan refused the action; str() is the Russian reason. Nothing was changed."""


class ItemNotFound(NotFound):
    """No such item (or evidence) in a membership the user may see."""


# --- reading ---


def _membership(
    session: Session, user: User, membership_id: int, expected_version: int | None = None
) -> ReserveMembership:
    membership = get_visible(session, user, membership_id)
    if expected_version is not None and membership.version != expected_version:
        raise ConcurrentChange(subject_id=membership.id)
    return membership


def _item(membership: ReserveMembership, item_id: int) -> PlanItem:
    item = next((i for i in membership.items if i.id == item_id), None)
    if item is None:
        raise ItemNotFound(item_id)
    return item


def _require_hr(membership: ReserveMembership, user: User, what: str) -> None:
    if not membership.holds_role(user, "hr"):
        raise PlanRefused(f"{what} может только специалист по кадрам.")


def _today(runtime: Runtime) -> date:
    return runtime.now().astimezone(runtime.tz).date()


def _fmt(day: date | None) -> str:
    return day.strftime("%d.%m.%Y") if day else ""


# --- deficits ---


def add_deficit(runtime: Runtime, session: Session, user: User, membership_id: int, text: str) -> None:
    with unit_of_work(session):
        membership = _membership(session, user, membership_id)
        _require_hr(membership, user, "Вносить профессиональные дефициты")
        _require_changeable(runtime, membership)
        if not text.strip():
            raise PlanRefused("Опишите профессиональный дефицит.")
        _add_deficit(runtime, session, membership, user, text.strip(), "manual", None)


def _add_deficit(
    runtime: Runtime,
    session: Session,
    membership: ReserveMembership,
    user: User,
    text: str,
    source: str,
    criterion_id: int | None,
) -> ProfessionalDeficit:
    deficit = ProfessionalDeficit(
        text=text, source=source, criterion_id=criterion_id, created_at=runtime.now(), created_by_id=user.id
    )
    membership.deficits.append(deficit)
    session.flush()
    append_event(
        session,
        kind="deficit_added",
        actor=user,
        subject_type=MEMBERSHIP,
        subject_id=membership.id,
        now=runtime.now(),
        data={"source": source},
        personal={"text": text},
    )
    return deficit


def deficits_from_scores(runtime: Runtime, session: Session, user: User, membership_id: int) -> int:
    """Add a deficit for each criterion of the member's contest on which the commission's
    mean score was below LOW_SCORE_SHARE of the maximum (once per criterion). Returns how many."""
    with unit_of_work(session):
        membership = _membership(session, user, membership_id)
        _require_hr(membership, user, "Вносить профессиональные дефициты")
        _require_changeable(runtime, membership)
        row = next(
            (r for r in ranking(session, membership.contest) if r.application.id == membership.application_id), None
        )
        known = {d.criterion_id for d in membership.deficits if d.criterion_id is not None}
        added = 0
        # Not ranked (no row): no means, so nothing to add.
        for criterion, mean in zip(membership.contest.criteria, row.means if row else [], strict=False):
            if mean is None or criterion.id in known or mean >= LOW_SCORE_SHARE * criterion.max_score:
                continue
            text = f"«{criterion.name}»: средний балл комиссии {mean:.1f} из {criterion.max_score}".replace(".", ",", 1)
            _add_deficit(runtime, session, membership, user, text, "assessment", criterion.id)
            added += 1
        return added


# --- items and versions ---


@dataclass
class ItemData:
    """An item as the HR officer's form gives it (dates parsed; None when empty)."""

    kind: str
    title: str
    mandatory: bool
    due_date: date | None
    starts_on: date | None = None
    ends_on: date | None = None
    provider: str = ""
    programme: str = ""
    hours: int | None = None
    host_organization_id: int | None = None
    mentor_id: int | None = None
    deficit_id: int | None = None


def mentors(session: Session) -> list[User]:
    """Who may be named an internship's mentor."""
    return role_holders(session, "mentor")


def _validate(
    runtime: Runtime, session: Session, membership: ReserveMembership, data: ItemData, item: PlanItem | None
) -> None:
    problems = []
    if data.kind not in ITEM_KINDS:
        problems.append("выберите вид мероприятия")
    if not data.title.strip():
        problems.append("укажите название")
    if data.due_date is None:
        problems.append("укажите срок выполнения")
    else:
        if data.due_date < _today(runtime) and (item is None or item.due_date != data.due_date):
            problems.append("срок выполнения уже прошёл")
        if data.due_date > membership.term_end:
            problems.append(f"срок выполнения позже окончания срока пребывания в резерве ({_fmt(membership.term_end)})")
    if data.starts_on and data.ends_on and data.starts_on > data.ends_on:
        problems.append("дата начала позже даты окончания")
    if data.ends_on and data.due_date and data.ends_on > data.due_date:
        problems.append("мероприятие заканчивается позже срока выполнения")
    if data.kind == "course":
        if not data.provider.strip():
            problems.append("укажите организацию, проводящую курсы")
        if not data.hours or data.hours < 1:
            problems.append("укажите объём курсов в часах")
    if data.kind in ("internship", "acting_head"):
        host = session.get(Organization, data.host_organization_id) if data.host_organization_id else None
        if host is None:
            problems.append("укажите организацию" + (" стажировки" if data.kind == "internship" else ""))
        elif not host.active and (item is None or item.host_organization_id != host.id):
            problems.append(f"организация «{host.short_name}» закрыта")
        if data.starts_on is None or data.ends_on is None:
            problems.append("укажите даты начала и окончания")
    if data.kind == "internship":
        mentor = session.get(User, data.mentor_id) if data.mentor_id else None
        if mentor is None or not mentor.has_role("mentor") or not mentor.active:
            problems.append("выберите наставника (пользователя с ролью «Наставник»)")
        elif mentor.id == membership.user_id:
            problems.append("резервист не может быть наставником самому себе")
        if not data.programme.strip():
            problems.append("опишите программу стажировки")
    elif data.mentor_id is not None:
        problems.append("наставник назначается только на стажировку")
    if data.deficit_id is not None and data.deficit_id not in {d.id for d in membership.deficits}:
        problems.append("выбранный дефицит не относится к этому резервисту")
    if problems:
        raise PlanRefused("Пункт плана не сохранён: " + "; ".join(problems) + ".")


def _require_changeable(runtime: Runtime, membership: ReserveMembership) -> None:
    if membership.state == "ready":
        raise PlanRefused("План выполнен, резервист готов к назначению: изменения в план больше не вносятся.")
    if membership.state not in CHANGEABLE_STATES:
        state = runtime.workflows.definitions["reserve"].states[membership.state].label_ru
        raise PlanRefused(f"План не изменяется: резервист в состоянии «{state}».")


def _require_plan_editor(runtime: Runtime, membership: ReserveMembership, user: User) -> None:
    if not membership.holds_role(user, "hr"):
        if membership.state == "included":
            raise PlanRefused("Проект плана составляет специалист по кадрам; резервист подтверждает его.")
        raise PlanRefused(
            "Согласованный план изменяет только специалист по кадрам, новой редакцией с указанием "
            "причины; резервист подтверждает новую редакцию."
        )
    _require_changeable(runtime, membership)


def _snapshot(membership: ReserveMembership) -> str:
    return canonical_json(
        [
            {
                "id": i.id,
                "kind": i.kind,
                "title": i.title,
                "mandatory": i.mandatory,
                "due_date": i.due_date,
                "starts_on": i.starts_on,
                "ends_on": i.ends_on,
                "provider": i.provider,
                "programme": i.programme,
                "hours": i.hours,
                "host": i.host_organization.short_name if i.host_organization else None,
                "mentor": i.mentor.full_name if i.mentor else None,
            }
            for i in plan_rules.live_items(membership)
        ]
    )


def _version_for_change(
    runtime: Runtime, session: Session, membership: ReserveMembership, user: User, reason: str
) -> tuple[PlanVersion, bool]:
    """The version a change goes into: the draft (version 1, its confirmations reset)
    before agreement; a new version, confirmed by the HR officer who makes it, after.
    Returns (version, whether it is a new version after agreement)."""
    current = plan_rules.current_version(membership)
    now = runtime.now()
    if membership.state == "included":
        if current is None:
            current = PlanVersion(number=1, created_at=now, created_by_id=user.id)
            membership.plan_versions.append(current)
        current.hr_agreed_at = current.hr_agreed_by_id = current.member_agreed_at = None
        return current, False
    if not reason.strip():
        raise PlanRefused("План уже согласован: укажите причину изменения — она войдёт в новую редакцию плана.")
    assert current is not None
    version = PlanVersion(
        number=current.number + 1,
        created_at=now,
        created_by_id=user.id,
        reason=reason.strip(),
        hr_agreed_at=now,
        hr_agreed_by_id=user.id,
    )
    membership.plan_versions.append(version)
    return version, True


def _record_change(
    runtime: Runtime,
    session: Session,
    membership: ReserveMembership,
    user: User,
    version: PlanVersion,
    new_version: bool,
    change: str,
    item: PlanItem,
    fields: dict[str, Any] | None = None,
) -> None:
    session.flush()
    version.snapshot = _snapshot(membership)
    bump_version(session, membership)
    event = append_event(
        session,
        kind="plan_changed",
        actor=user,
        subject_type=MEMBERSHIP,
        subject_id=membership.id,
        now=runtime.now(),
        reason=version.reason if new_version else None,
        data={
            "version": version.number,
            "change": change,
            "item_id": item.id,
        },
        personal={"title": item.title, **({"fields": fields} if fields else {})},
    )
    if new_version:
        _tell(
            session,
            membership,
            event,
            f"План развития изменён: редакция № {version.number}. Ознакомьтесь с ней и подтвердите.",
            version.reason,
            [membership.user],
        )
    _ready_if_fulfilled(runtime, session, membership, user)


def add_item(
    runtime: Runtime,
    session: Session,
    user: User,
    membership_id: int,
    expected_version: int,
    data: ItemData,
    reason: str = "",
) -> PlanItem:
    """Add an item: to the draft before agreement; as a new version (with a reason) after,
    the item then planned at once with its deadline running."""
    with unit_of_work(session):
        membership = _membership(session, user, membership_id, expected_version)
        _require_plan_editor(runtime, membership, user)
        _validate(runtime, session, membership, data, None)
        version, new_version = _version_for_change(runtime, session, membership, user, reason)
        item = PlanItem(
            membership=membership,
            created_at=runtime.now(),
            added_in_version=version.number,
            position=len(membership.items) + 1,
            **_columns(data),
        )
        session.add(item)
        runtime.engine.start(item, user, data={"version": version.number})
        if new_version:
            runtime.engine.fire(item, "approve", user, data={"version": version.number})
        _record_change(runtime, session, membership, user, version, new_version, "added", item)
        return item


def _columns(data: ItemData) -> dict[str, Any]:
    values = asdict(data)
    values["title"] = data.title.strip()
    values["provider"] = data.provider.strip()
    values["programme"] = data.programme.strip()
    return values


def update_item(
    runtime: Runtime,
    session: Session,
    user: User,
    membership_id: int,
    item_id: int,
    expected_version: int,
    data: ItemData,
    reason: str = "",
) -> None:
    """Change an item; after agreement a new version, and a moved due date moves its deadline."""
    with unit_of_work(session):
        membership = _membership(session, user, membership_id, expected_version)
        _require_plan_editor(runtime, membership, user)
        item = _item(membership, item_id)
        if item.state in ("accepted", "cancelled"):
            raise PlanRefused("Выполненный или исключённый из плана пункт не изменяется.")
        _validate(runtime, session, membership, data, item)
        changed = {
            name: _fmt(v) if isinstance(v, date) else v
            for name, v in _columns(data).items()
            if getattr(item, name) != v
        }
        if not changed:
            raise PlanRefused("Изменений нет: пункт плана остался прежним.")
        version, new_version = _version_for_change(runtime, session, membership, user, reason)
        old_due = item.due_date
        for name, value in _columns(data).items():
            setattr(item, name, value)
        if new_version and item.due_date != old_due:
            runtime.engine.fire(
                item,
                "reschedule",
                user,
                reason=version.reason,
                data={"from": old_due.isoformat(), "to": item.due_date.isoformat()},
            )
        _record_change(runtime, session, membership, user, version, new_version, "updated", item, changed)


def remove_item(
    runtime: Runtime,
    session: Session,
    user: User,
    membership_id: int,
    item_id: int,
    expected_version: int,
    reason: str = "",
) -> None:
    with unit_of_work(session):
        membership = _membership(session, user, membership_id, expected_version)
        _require_plan_editor(runtime, membership, user)
        item = _item(membership, item_id)
        if item.state in ("accepted", "cancelled"):
            raise PlanRefused("Выполненный или уже исключённый пункт из плана не исключается.")
        version, new_version = _version_for_change(runtime, session, membership, user, reason)
        runtime.engine.fire(item, "cancel", user, reason=version.reason or "исключён из проекта плана")
        _record_change(runtime, session, membership, user, version, new_version, "removed", item)


def confirm_plan(runtime: Runtime, session: Session, user: User, membership_id: int, expected_version: int) -> None:
    """The HR officer or the member confirms the plan's current version. The second
    confirmation agrees it: the draft's items are planned and the membership moves to
    plan_agreed; a later version agreed may complete the plan (ready)."""
    with unit_of_work(session):
        membership = _membership(session, user, membership_id, expected_version)
        version = plan_rules.current_version(membership)
        is_hr, is_member = membership.holds_role(user, "hr"), membership.holds_role(user, "owner")
        if not (is_hr or is_member):
            raise PlanRefused("План подтверждают специалист по кадрам и сам резервист.")
        if membership.state not in CHANGEABLE_STATES:
            raise PlanRefused("Подтверждать нечего: план уже выполнен или резервист не состоит в резерве.")
        if version is None or not plan_rules.live_items(membership):
            raise PlanRefused("В плане ещё нет ни одного пункта.")
        if version.agreed:
            raise PlanRefused(f"Редакция № {version.number} уже согласована обеими сторонами.")
        now = runtime.now()
        if is_hr and version.hr_agreed_at is None:
            version.hr_agreed_at, version.hr_agreed_by_id, side = now, user.id, "hr"
        elif is_member and version.member_agreed_at is None:
            version.member_agreed_at, side = now, "owner"
        else:
            raise PlanRefused("Вы уже подтвердили эту редакцию плана; ждём подтверждения другой стороны.")
        session.flush()
        bump_version(session, membership)
        event = append_event(
            session,
            kind="plan_confirmed",
            actor=user,
            subject_type=MEMBERSHIP,
            subject_id=membership.id,
            now=now,
            data={"version": version.number, "side": side},
        )
        if not version.agreed:
            if side == "hr":
                _tell(
                    session,
                    membership,
                    event,
                    f"Специалист по кадрам подтвердил план развития (редакция № "
                    f"{version.number}). Ознакомьтесь с ним и подтвердите.",
                    None,
                    [membership.user],
                )
            return
        if membership.state == "included":
            for item in membership.items:
                if item.state == "draft":
                    runtime.engine.fire(item, "approve", user, data={"version": version.number})
            runtime.engine.fire(membership, "agree_plan", user, data={"version": version.number})
        _ready_if_fulfilled(runtime, session, membership, user)


def _ready_if_fulfilled(runtime: Runtime, session: Session, membership: ReserveMembership, user: User) -> None:
    """Every mandatory item accepted and the current version agreed: ready, in this transaction."""
    if membership.state == "developing" and plan_rules.fulfilment_missing(membership) is None:
        runtime.engine.fire(membership, "become_ready", user)


def _tell(
    session: Session,
    membership: ReserveMembership,
    event: AuditEvent,
    action: str,
    reason: str | None,
    users: list[User],
) -> None:
    """Queue an e-mail and an in-app notice about a plan event (not a transition)."""
    context = json.dumps(
        {
            "workflow": MEMBERSHIP,
            "subject_id": membership.id,
            "subject_label": membership.subject_label,
            "action": action,
            "reason": reason,
        },
        ensure_ascii=False,
    )
    for user in users:
        for channel in ("email", "inapp"):
            session.add(
                OutboxMessage(
                    dedupe_key=f"event:{event.seq}:{channel}:{user.id}",
                    channel=channel,
                    recipient_id=user.id,
                    template="reserve.plan_notice",
                    context=context,
                    audit_event_id=event.id,
                    created_at=event.occurred_at,
                    next_attempt_at=event.occurred_at,
                )
            )
    session.flush()


# --- doing the plan ---


def uploads_folder(runtime: Runtime) -> Path:
    return runtime.settings.uploads_folder


def _require_working(runtime: Runtime, membership: ReserveMembership, item: PlanItem) -> None:
    if membership.state == "excluded":
        raise PlanRefused("Вы исключены из кадрового резерва: документы по плану развития больше не принимаются.")
    if membership.state not in WORKING_STATES:
        raise PlanRefused("Документы по плану принимаются после его согласования и до назначения.")
    if item.state not in ("planned", "returned"):
        state = runtime.workflows.definitions[ITEM].states[item.state].label_ru
        raise PlanRefused(f"Документы к пункту «{item.title}» сейчас не принимаются: он в состоянии «{state}».")


def upload_evidence(
    runtime: Runtime,
    session: Session,
    user: User,
    membership_id: int,
    item_id: int,
    kind: str,
    stream: BinaryIO,
    filename: str,
) -> PlanEvidence:
    """The member uploads a certificate or report for an item. The first upload of an
    agreed plan means the member has begun it (begin_development)."""
    membership = _membership(session, user, membership_id)
    item = _item(membership, item_id)
    if not membership.holds_role(user, "owner"):
        raise PlanRefused("Подтверждающие документы по плану загружает сам резервист.")
    _require_working(runtime, membership, item)
    if kind not in EVIDENCE_KINDS:
        raise PlanRefused("Выберите вид документа: " + ", ".join(EVIDENCE_KINDS.values()).lower() + ".")
    max_bytes = runtime.settings.upload_max_bytes
    try:
        stored = storage.store(stream, filename, uploads_folder(runtime), max_bytes)
    except storage.UploadRejected as exc:
        raise PlanRefused(str(exc)) from None
    try:
        with unit_of_work(session):
            now = runtime.now()
            evidence = PlanEvidence(
                kind=kind,
                original_name=Path(filename).name[:300],
                content_type=stored.content_type,
                size=stored.size,
                sha256=stored.sha256,
                storage_key=stored.storage_key,
                uploaded_at=now,
                uploaded_by_id=user.id,
            )
            item.evidence.append(evidence)
            session.flush()
            append_event(
                session,
                kind="evidence_uploaded",
                actor=user,
                subject_type=ITEM,
                subject_id=item.id,
                now=now,
                data={"kind": kind, "sha256": stored.sha256},
                personal={"file": evidence.original_name},
            )
            if membership.state == "plan_agreed":
                runtime.engine.fire(membership, "begin_development", user)
            return evidence
    except BaseException:
        if stored.created:
            references.release(session, uploads_folder(runtime), stored.sha256)
        raise


def submit_item(runtime: Runtime, session: Session, user: User, membership_id: int, item_id: int) -> None:
    with unit_of_work(session):
        membership = _membership(session, user, membership_id)
        item = _item(membership, item_id)
        if membership.state == "excluded":
            raise PlanRefused("Вы исключены из кадрового резерва: выполнение плана больше не принимается.")
        runtime.engine.fire(item, "submit", user)


def review_item(runtime: Runtime, session: Session, user: User, membership_id: int, item_id: int, text: str) -> None:
    """The internship's mentor writes (or rewrites) the review before HR decides."""
    with unit_of_work(session):
        membership = _membership(session, user, membership_id)
        item = _item(membership, item_id)
        if not item.holds_role(user, "mentor"):
            raise PlanRefused("Отзыв о стажировке пишет её наставник.")
        if item.state not in ("planned", "submitted", "returned"):
            raise PlanRefused("Отзыв уже не принимается: пункт плана выполнен или исключён.")
        if membership.state not in WORKING_STATES:
            raise PlanRefused("Отзыв не принимается: резервист не состоит в резерве.")
        if not text.strip():
            raise PlanRefused("Напишите текст отзыва.")
        item.mentor_review = text.strip()
        item.mentor_reviewed_at = runtime.now()
        session.flush()
        append_event(
            session,
            kind="mentor_review",
            actor=user,
            subject_type=ITEM,
            subject_id=item.id,
            now=runtime.now(),
            personal={"text": item.mentor_review},
        )


def accept_item(
    runtime: Runtime, session: Session, user: User, membership_id: int, item_id: int, comment: str = ""
) -> None:
    """HR accepts an item; the last mandatory one makes the member ready, in this transaction."""
    with unit_of_work(session):
        membership = _membership(session, user, membership_id)
        item = _item(membership, item_id)
        runtime.engine.fire(item, "accept", user, reason=comment)
        _ready_if_fulfilled(runtime, session, membership, user)


def return_item(runtime: Runtime, session: Session, user: User, membership_id: int, item_id: int, reason: str) -> None:
    with unit_of_work(session):
        membership = _membership(session, user, membership_id)
        runtime.engine.fire(_item(membership, item_id), "return_item", user, reason=reason)


def open_evidence(
    runtime: Runtime, session: Session, user: User, membership_id: int, evidence_id: int
) -> tuple[PlanEvidence, Path]:
    """A stored evidence file, for the member, HR, administrators and the item's mentor."""
    membership = _membership(session, user, membership_id)
    evidence = session.get(PlanEvidence, evidence_id)
    if evidence is None or evidence.item.membership_id != membership.id or not evidence.storage_key:
        raise ItemNotFound(evidence_id)
    if not access.may_view_evidence(user, evidence):
        raise ItemNotFound(evidence_id)
    path = storage.path_of(uploads_folder(runtime), evidence.storage_key)
    if not path.exists():
        raise ItemNotFound(evidence_id)
    if membership.user_id != user.id:
        with unit_of_work(session):
            append_event(
                session,
                kind="personal_file_viewed",
                actor=user,
                subject_type=ITEM,
                subject_id=evidence.item_id,
                now=runtime.now(),
                personal={"file": evidence.original_name},
            )
    return evidence, path
