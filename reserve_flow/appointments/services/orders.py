"""The appointment order: its number, its files, its signature with all its
consequences, its template, and who may download it.

An order goes draft -> numbered -> signed. Numbering (the HR officer) runs in one
transaction: the year's next number of the personnel register is taken from the
counter row, the DOCX (from the template in use) and its PDF are written under the
uploads folder with their SHA-256, the vacancy moves to order_numbered. On any error
everything is rolled back, the files written are removed and the number is not taken,
so numbers are never reused nor skipped. A numbered order has no effect yet.

Signing is either the head of the РУО's step in the service (the `signatory` role) or
the HR officer's upload of the signed paper scan (a PDF stored by SHA-256). Only then,
in the signing transaction, is the candidate appointed (and their reserve membership
with them), the organization given its new head, the vacancy closed and the order
listed on the public page.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from reserve_flow.appointments import access
from reserve_flow.appointments import order_document as document
from reserve_flow.appointments.models import AppointmentOrder, OrderCounter, OrderTemplate, Vacancy
from reserve_flow.appointments.services.vacancies import (
    SUBJECT_TYPE,
    AppointmentRefused,
    get_vacancy,
)
from reserve_flow.core.audit.chain import append_event, chain_head
from reserve_flow.core.counters import take_next
from reserve_flow.core.db import unit_of_work
from reserve_flow.core.errors import NotFound
from reserve_flow.core.files import generated, references, storage
from reserve_flow.core.workflow.errors import ConcurrentChange
from reserve_flow.people import declension
from reserve_flow.people.models import User
from reserve_flow.privacy.services.publication import Publication

if TYPE_CHECKING:
    from reserve_flow.runtime import Runtime

FOLDER = "orders"  # under the uploads folder
TEMPLATE_SUBJECT = "order_template"


class OrderNotFound(NotFound):
    """No such order or file, or the user may not have it (the two are not told apart)."""


# --- the number ---

# --- the template ---


def current_template(session: Session) -> OrderTemplate | None:
    """The template row in use (the newest); None or a row without a file: the built-in one."""
    return session.scalar(select(OrderTemplate).order_by(OrderTemplate.id.desc()).limit(1))


def template_history(session: Session) -> list[OrderTemplate]:
    return list(session.scalars(select(OrderTemplate).order_by(OrderTemplate.id.desc())))


def template_bytes(runtime: Runtime, template: OrderTemplate | None) -> bytes:
    """The template's DOCX: the built-in one, or the uploaded file after checking its hash."""
    if template is None or template.built_in:
        return document.default_template()
    path = storage.path_of(runtime.settings.uploads_folder, template.storage_key)
    content = path.read_bytes() if path.is_file() else b""
    if hashlib.sha256(content).hexdigest() != template.sha256:
        raise AppointmentRefused(
            "Файл шаблона приказа повреждён или изменён: загрузите шаблон заново или вернитесь к встроенному."
        )
    return content


def _require_admin(user: User) -> None:
    if not access.may_manage_order_template(user):
        raise OrderNotFound("template")


def upload_template(runtime: Runtime, session: Session, user: User, stream: BinaryIO, filename: str) -> OrderTemplate:
    """The administrator replaces the template: a DOCX within the upload size limit that
    uses only the known placeholders and renders a sample order. Audited; a refused file
    leaves nothing behind."""
    _require_admin(user)
    try:
        if storage.check_name(filename) != storage.DOCX:
            raise AppointmentRefused(f"Шаблон приказа — документ Word: загрузите файл DOCX, а не «{filename}».")
        max_bytes = runtime.settings.upload_max_bytes
        stored = storage.store(stream, filename, runtime.settings.uploads_folder, max_bytes)
    except storage.UploadRejected as exc:
        raise AppointmentRefused(str(exc)) from None
    try:
        document.check_template(storage.path_of(runtime.settings.uploads_folder, stored.storage_key).read_bytes())
        with unit_of_work(session):
            now = runtime.now()
            row = OrderTemplate(
                storage_key=stored.storage_key,
                sha256=stored.sha256,
                original_name=Path(filename).name[:255],
                uploaded_at=now,
                uploaded_by_id=user.id,
            )
            session.add(row)
            session.flush()
            append_event(
                session,
                kind="order_template_uploaded",
                actor=user,
                subject_type=TEMPLATE_SUBJECT,
                subject_id=row.id,
                now=now,
                data={"file": row.original_name, "sha256": stored.sha256},
            )
            return row
    except document.TemplateInvalid as exc:
        if stored.created:
            references.release(session, runtime.settings.uploads_folder, stored.sha256)
        raise AppointmentRefused(f"Шаблон «{Path(filename).name}» не принят. {exc}") from None
    except BaseException:
        if stored.created:
            references.release(session, runtime.settings.uploads_folder, stored.sha256)
        raise


def revert_template(runtime: Runtime, session: Session, user: User) -> OrderTemplate:
    """Back to the built-in template (a new row without a file: the history stays). Audited."""
    _require_admin(user)
    with unit_of_work(session):
        current = current_template(session)
        if current is None or current.built_in:
            raise AppointmentRefused("Уже используется встроенный шаблон приказа.")
        now = runtime.now()
        row = OrderTemplate(uploaded_at=now, uploaded_by_id=user.id)
        session.add(row)
        session.flush()
        append_event(
            session,
            kind="order_template_reverted",
            actor=user,
            subject_type=TEMPLATE_SUBJECT,
            subject_id=row.id,
            now=now,
            data={"replaced": current.original_name},
        )
        return row


def template_download(runtime: Runtime, session: Session, user: User) -> tuple[bytes, str]:
    """The template in use and its file name, for the administrator to edit in Word."""
    _require_admin(user)
    template = current_template(session)
    name = (
        "Шаблон приказа о назначении (встроенный).docx"
        if template is None or template.built_in
        else template.original_name
    )
    return template_bytes(runtime, template), name


# --- rendering ---


def _fmt(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def _contract_end(start: date, years: int) -> date:
    try:
        end = start.replace(year=start.year + years)
    except ValueError:  # 29 February
        end = start.replace(year=start.year + years, day=28) + timedelta(days=1)
    return end - timedelta(days=1)


def context(runtime: Runtime, order: AppointmentOrder) -> dict[str, object]:
    """Every placeholder's value for this order; a draft has blanks for number and date."""
    settings = runtime.settings["orders"]
    vacancy = order.vacancy
    contract = order.contract
    name = order.full_name_at_act or order.candidate.user.full_name
    return {
        "issuer": settings["issuer"],
        "place": settings["place"],
        "number": order.number_label if order.issued else "___",
        "date": _fmt(order.issued_on) if order.issued_on else "«___» __________ 20___ г.",
        # A numbered order keeps the name it was issued to; a draft shows today's.
        "full_name": name,
        "full_name_accusative": declension.accusative(name),
        "appointee_read": declension.by_gender(name, "ознакомлен", "ознакомлена"),
        "organization": vacancy.organization.full_name,
        "organization_short": vacancy.organization.short_name,
        "position": vacancy.position,
        "position_genitive": declension.genitive_post(vacancy.position),
        "start_date": _fmt(order.start_on),
        "contract": document.contract_phrase(order.contract_years),
        "contract_years": order.contract_years or "",
        "contract_end": _fmt(_contract_end(order.start_on, order.contract_years)) if order.contract_years else "",
        "contract_number": contract.number if contract is not None else "",
        "contract_date": _fmt(contract.signed_on) if contract is not None else "",
        "probation": document.probation_phrase(contract.probation_months if contract is not None else 0),
        "contract_basis": contract.basis if contract is not None else "",
        "grounds": document.join_grounds([line.strip() for line in order.grounds.splitlines()]),
        "signatory_position": settings["signatory_position"],
        "signatory_name": settings["signatory_name"],
    }


def _render_docx(runtime: Runtime, source: bytes, order: AppointmentOrder) -> bytes:
    try:
        return document.render_docx(source, context(runtime, order))
    except document.TemplateInvalid as exc:
        raise AppointmentRefused(
            f"Шаблон приказа не подходит: {exc} Замените шаблон или вернитесь к встроенному."
        ) from None


def preview(runtime: Runtime, session: Session, user: User, vacancy_id: int) -> tuple[bytes, str]:
    """The draft as DOCX with «№ ___», for the HR officer to read before issuing."""
    vacancy = get_vacancy(session, user, vacancy_id)
    order = vacancy.order
    if not access.may_manage_vacancies(user) or order is None or order.issued:
        raise OrderNotFound(vacancy_id)
    content = _render_docx(runtime, template_bytes(runtime, current_template(session)), order)
    return content, f"Проект приказа — {order.candidate.user.full_name}.docx"


# --- numbering and signing ---


def _now_and_today(runtime: Runtime):
    now = runtime.now()
    return now, now.astimezone(runtime.tz).date()


def _closed_organization(vacancy: Vacancy) -> None:
    if not vacancy.organization.active:
        raise AppointmentRefused(
            f"Организация «{vacancy.organization.short_name}» закрыта (исключена из "
            "реестра): назначить в неё руководителя нельзя. Отмените вакансию."
        )


def number(runtime: Runtime, session: Session, user: User, vacancy_id: int, expected_version: int) -> AppointmentOrder:
    """The HR officer numbers the drafted order and passes it for signature: the year's
    next number of the register is taken, the DOCX and PDF are written with their
    SHA-256, the vacancy moves to order_numbered. Nobody is appointed yet and nothing is
    published: that waits for the signature. Raises VacancyNotFound, ConcurrentChange,
    AppointmentRefused or TransitionDenied; nothing is left written after a failure."""
    uploads = runtime.settings.uploads_folder
    written: list[Path] = []
    try:
        with unit_of_work(session):
            vacancy = get_vacancy(session, user, vacancy_id, expected_version)
            if not access.may_manage_vacancies(user):
                raise AppointmentRefused("Номер приказу присваивает специалист по кадрам.")
            order = vacancy.order
            if vacancy.state != "order_drafted" or order is None:
                raise AppointmentRefused("Присвоить номер можно только подготовленному проекту приказа.")
            _closed_organization(vacancy)
            now, today = _now_and_today(runtime)
            if order.start_on < today:
                raise AppointmentRefused(
                    f"Дата назначения {_fmt(order.start_on)} в проекте приказа уже прошла: "
                    "приказ с прошедшей датой назначения не издаётся."
                )
            template = current_template(session)
            source = template_bytes(runtime, template)  # a damaged template refuses before a number is taken
            taken = take_next(session, OrderCounter, year=today.year, register=order.register)
            order.year, order.number, order.issued_on = today.year, taken, today
            order.full_name_at_act = order.candidate.user.full_name
            docx = document.set_properties(
                document.with_footer(_render_docx(runtime, source, order), chain_head(session).line),
                title=f"{order.title} «{document.ORDER_HEADING}»",
                author=runtime.settings["orders"]["issuer"],
                created=now,
            )
            pdf = document.render_pdf(docx, order.title)
            stem = f"{FOLDER}/{today.year}/order-{today.year}-{taken:04d}-{order.id}"
            order.docx_sha256 = generated.write(uploads, f"{stem}.docx", docx)
            written.append(uploads / f"{stem}.docx")
            order.pdf_sha256 = generated.write(uploads, f"{stem}.pdf", pdf)
            written.append(uploads / f"{stem}.pdf")
            order.docx_path, order.pdf_path = f"{stem}.docx", f"{stem}.pdf"
            order.template_id = template.id if template is not None else None
            order.issued_at, order.issued_by_id = now, user.id
            session.flush()
            runtime.engine.fire(
                vacancy,
                "number_order",
                user,
                data={"order_id": order.id, "number": order.number_label, "year": today.year},
            )
            append_event(
                session,
                kind="order_numbered",
                actor=user,
                subject_type=SUBJECT_TYPE,
                subject_id=vacancy.id,
                now=now,
                data={
                    "order_id": order.id,
                    "kind": order.kind,
                    "year": today.year,
                    "register": order.register,
                    "number": taken,
                    "user_id": order.candidate.user_id,
                    "docx_sha256": order.docx_sha256,
                    "pdf_sha256": order.pdf_sha256,
                    "template_id": order.template_id,
                },
                personal={"title": order.title},
            )
            return order
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise


def _numbered(runtime: Runtime, session: Session, user: User, vacancy_id: int, expected_version: int):
    vacancy = get_vacancy(session, user, vacancy_id, expected_version)
    return vacancy, _awaiting_signature(vacancy)


def _awaiting_signature(vacancy: Vacancy) -> AppointmentOrder:
    order = vacancy.order
    if vacancy.state != "order_numbered" or order is None or not order.issued:
        raise AppointmentRefused("Подписать можно только приказ, которому присвоен номер и который ещё не подписан.")
    _closed_organization(vacancy)
    return order


def sign(runtime: Runtime, session: Session, user: User, vacancy_id: int, expected_version: int) -> AppointmentOrder:
    """The head of the РУО signs the numbered order in the service; with the signature
    the order takes effect (see _take_effect). Audited; one transaction."""
    with unit_of_work(session):
        if not access.may_sign_orders(user):
            raise OrderNotFound(vacancy_id)
        vacancy = session.get(Vacancy, vacancy_id)
        if vacancy is None:
            raise OrderNotFound(vacancy_id)
        if vacancy.version != expected_version:
            raise ConcurrentChange(subject_id=vacancy_id)
        order = _awaiting_signature(vacancy)
        now = runtime.now()
        order.signed_at, order.signed_by_id, order.signed_via = now, user.id, "signatory"
        session.flush()
        runtime.engine.fire(vacancy, "sign_order", user, data={"order_id": order.id}, personal={"order": order.title})
        _signed(runtime, session, user, vacancy, order, now, pdf_sha256=order.pdf_sha256)
        return order


def record_signed_scan(
    runtime: Runtime,
    session: Session,
    user: User,
    vacancy_id: int,
    expected_version: int,
    stream: BinaryIO,
    filename: str,
) -> AppointmentOrder:
    """The order was signed on paper: the HR officer uploads its scan (PDF only, checked
    and stored by SHA-256 like every upload), and the order takes effect. Audited; a
    refused file leaves nothing behind."""
    vacancy, order = _numbered(runtime, session, user, vacancy_id, expected_version)
    if not access.may_manage_vacancies(user):
        raise AppointmentRefused("Скан подписанного приказа загружает специалист по кадрам.")
    try:
        if storage.check_name(filename) != "application/pdf":
            raise AppointmentRefused(f"Скан подписанного приказа — файл PDF, а не «{Path(filename).name}».")
        max_bytes = runtime.settings.upload_max_bytes
        stored = storage.store(stream, filename, runtime.settings.uploads_folder, max_bytes)
    except storage.UploadRejected as exc:
        raise AppointmentRefused(str(exc)) from None
    try:
        if stored.content_type != "application/pdf":
            raise AppointmentRefused(f"Скан подписанного приказа — файл PDF, а не «{Path(filename).name}».")
        with unit_of_work(session):
            now = runtime.now()
            order.signed_at, order.signed_by_id, order.signed_via = now, user.id, "scan"
            order.scan_key, order.scan_sha256 = stored.storage_key, stored.sha256
            order.scan_name = Path(filename).name[:255]
            session.flush()
            runtime.engine.fire(
                vacancy, "record_signed_scan", user, data={"order_id": order.id, "scan_sha256": stored.sha256}
            )
            _signed(runtime, session, user, vacancy, order, now, scan_sha256=stored.sha256)
            return order
    except BaseException:
        if stored.created:
            references.release(session, runtime.settings.uploads_folder, stored.sha256)
        raise


def _signed(
    runtime: Runtime,
    session: Session,
    user: User,
    vacancy: Vacancy,
    order: AppointmentOrder,
    now: datetime,
    **evidence: str,
) -> None:
    """The `order_signed` event (how it was signed, and the hash of what was signed) and
    what the signature makes the order do."""
    append_event(
        session,
        kind="order_signed",
        actor=user,
        subject_type=SUBJECT_TYPE,
        subject_id=vacancy.id,
        now=now,
        data={"order_id": order.id, "via": order.signed_via, **evidence},
        personal={"order": order.title},
    )
    _take_effect(runtime, session, user, vacancy, order)


def _take_effect(runtime: Runtime, session: Session, user: User, vacancy: Vacancy, order: AppointmentOrder) -> None:
    """What a signed appointment order does, in the signing transaction: the candidate is
    appointed (and their reserve membership with them), the organization gets its new
    head, the vacancy closes."""
    now, vacancy_id = runtime.now(), vacancy.id

    candidate = order.candidate
    person = candidate.user
    candidate.status, candidate.status_note = "appointed", order.title
    if candidate.membership is not None:
        session.flush()  # the reserve's guard looks for the signed order in the database
        runtime.engine.fire(
            candidate.membership,
            "appoint",
            user,
            data={"vacancy_id": vacancy.id, "order_id": order.id},
            personal={"order": order.title},
        )
    organization = vacancy.organization
    old = {"head_name": organization.head_name, "head_user_id": organization.head_user_id}
    organization.head_name, organization.head_user_id = person.full_name, person.id
    person.organization_id, person.position = organization.id, vacancy.position
    try:
        session.flush()
    except StaleDataError:  # the administrator saved the organization's card meanwhile
        raise ConcurrentChange(subject_id=vacancy_id) from None
    append_event(
        session,
        kind="organization_head_changed",
        actor=user,
        subject_type="organization",
        subject_id=organization.id,
        now=now,
        data={
            "old": old,
            "new": {"head_name": person.full_name, "head_user_id": person.id},
            "order_id": order.id,
            "order": order.title,
            "vacancy_id": vacancy.id,
        },
    )
    runtime.engine.fire(vacancy, "close", user, data={"order_id": order.id})


# --- reading ---


def open_file(runtime: Runtime, session: Session, user: User, order_id: int, kind: str) -> generated.GeneratedFile:
    """An issued order's file after checking its SHA-256. OrderNotFound for an unknown
    order or kind, a draft, or a user who may not have it; AppointmentRefused when the
    file on disk is missing or altered."""
    order = session.get(AppointmentOrder, order_id)
    if order is None or not order.issued or not access.may_download_order(user, order):
        raise OrderNotFound(order_id)
    if kind == "scan" and order.scan_key:
        relative, expected = order.scan_key, order.scan_sha256
        download = f"{order.title} (скан подписанного).pdf"
        mimetype = "application/pdf"
    elif kind in generated.KINDS:
        relative, expected = (
            (order.docx_path, order.docx_sha256) if kind == "docx" else (order.pdf_path, order.pdf_sha256)
        )
        download, mimetype = f"{order.title}.{kind}", generated.KINDS[kind]
    else:
        raise OrderNotFound(order_id)
    path = generated.intact(runtime.settings.uploads_folder, relative, expected)
    if path is None:
        raise AppointmentRefused(
            "Файл приказа повреждён или изменён: его контрольная сумма не совпадает с сохранённой."
        )
    return generated.GeneratedFile(path=path, download_name=download, mimetype=mimetype)


def order_page(session: Session, user: User, order_id: int) -> AppointmentOrder:
    """A numbered order for its page: to those who may download it (OrderNotFound otherwise)."""
    order = session.get(AppointmentOrder, order_id)
    if order is None or not order.issued or not access.may_download_order(user, order):
        raise OrderNotFound(order_id)
    return order


def issued_years(session: Session) -> list[int]:
    return list(
        session.scalars(
            select(AppointmentOrder.year)
            .where(AppointmentOrder.number.is_not(None))
            .distinct()
            .order_by(AppointmentOrder.year.desc())
        )
    )


def order_register(session: Session, user: User, year: int) -> list[AppointmentOrder]:
    """The year's numbered orders by number (signed or awaiting signature), for HR
    officers, administrators and the signatory."""
    if not (access.may_view_vacancies(user) or access.may_sign_orders(user)):
        raise OrderNotFound(year)
    return list(
        session.scalars(
            select(AppointmentOrder)
            .where(AppointmentOrder.year == year, AppointmentOrder.number.is_not(None))
            .order_by(AppointmentOrder.register, AppointmentOrder.number)
        )
    )


@dataclass(frozen=True)
class PublicAppointment:
    """What the public page shows of an appointment: nothing else personal."""

    full_name: str | None  # None: the appointee did not consent to its publication
    organization: str
    position: str
    order: str
    start_on: date


def public_appointments(session: Session) -> list[PublicAppointment]:
    """Signed orders, newest first (a numbered order awaiting its signature is not public),
    with the name each order was issued to when the appointee's dissemination consent
    covers this page."""
    orders = list(
        session.scalars(
            select(AppointmentOrder)
            .join(Vacancy, Vacancy.id == AppointmentOrder.vacancy_id)
            .where(AppointmentOrder.signed_at.is_not(None))
            .order_by(AppointmentOrder.issued_on.desc(), AppointmentOrder.year.desc(), AppointmentOrder.number.desc())
        )
    )
    publication = Publication(session, "appointments", [o.candidate.user_id for o in orders])
    return [
        PublicAppointment(
            full_name=publication.name(o.candidate.user_id, o.full_name_at_act or o.candidate.user.full_name),
            organization=o.vacancy.organization.full_name,
            position=o.vacancy.position,
            order=o.title,
            start_on=o.start_on,
        )
        for o in orders
    ]
