"""The registry of the district's organizations: the administrator's edits and imports.

Organizations are never deleted, only deactivated, so that their monitoring history
and appointments stay. Every change is an audit event. An import checks every row
first and writes either all of them or nothing.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from reserve_flow.appointments.models import OPEN_STATES, Vacancy
from reserve_flow.core.audit.chain import append_event
from reserve_flow.core.audit.exports import record_export
from reserve_flow.core.db import unit_of_work
from reserve_flow.core.errors import NotFound, Refused
from reserve_flow.core.files.tabular import ImportRejected, RowProblem, Sheet, Table, normalize_header
from reserve_flow.core.workflow.errors import ConcurrentChange
from reserve_flow.organizations.models.organizations import ORGANIZATION_KINDS, Organization
from reserve_flow.people.models import User

# Short words for a kind, as the template offers them in a drop-down.
KIND_WORDS = {"school": "школа", "kindergarten": "детский сад", "additional": "дополнительное образование"}
MAX_LENGTHS = {"full_name": 400, "short_name": 120, "address": 400, "head_name": 200, "phone": 60, "email": 320}


class OrganizationError(Refused):
    """An organization cannot be saved as asked; the text says why, in Russian."""


class OrganizationNotFound(NotFound):
    pass


class OrganizationChanged(ConcurrentChange):
    """Someone saved the organization (or the registry) since it was read; nothing was written."""

    def __init__(
        self, text: str = "Организацию только что изменил другой пользователь. Обновите страницу и повторите."
    ) -> None:
        self.text = text
        super().__init__()

    def message(self, language: str = "ru") -> str:
        return self.text


DUPLICATE = "Организация с таким наименованием или ИНН уже есть."


@dataclass
class OrganizationData:
    """What the administrator sets on an organization."""

    kind: str
    full_name: str
    short_name: str
    address: str = ""
    inn: str = ""
    phone: str = ""
    email: str = ""
    head_name: str = ""
    head_user_id: int | None = None


def normalize_name(name: str) -> str:
    """Names compare without case, extra spaces or the kind of quotes: «Школа» = "школа"."""
    name = re.sub(r"[«»„“”\"'`]", '"', name or "")
    return re.sub(r"\s+", " ", name).strip().casefold()


def parse_kind(text: str) -> str | None:
    """The kind code for what a person wrote: a code, «школа», «СОШ», «детский сад», «ДОУ»,
    «дополнительное образование», or a full label."""
    value = normalize_header(text)
    if value in ORGANIZATION_KINDS:
        return value
    if "дошкол" in value or "детск" in value or "сад" in value or value in ("доу", "мбдоу", "мадоу"):
        return "kindergarten"
    if "дополнит" in value or value in ("до", "удо", "мбу до", "мбоу до"):
        return "additional"
    if "общеобраз" in value or "школ" in value or value in ("сош", "оош", "нош", "мбоу", "маоу"):
        return "school"
    return None


def inn_problem(inn: str) -> str | None:
    """None for a valid ИНН of an organization (10 digits with the check digit), else why not."""
    if not re.fullmatch(r"\d{10}", inn):
        return f"ИНН «{inn}» должен состоять из 10 цифр"
    # Nine weights for the first nine digits; the tenth is the check digit itself.
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    check = sum(int(d) * w for d, w in zip(inn, weights, strict=False)) % 11 % 10
    if check != int(inn[9]):
        return f"ИНН «{inn}» с ошибкой: не сходится контрольная цифра"
    return None


def problems(data: OrganizationData) -> list[str]:
    """Every reason the data cannot be saved, in Russian; empty when it can."""
    found = []
    if data.kind not in ORGANIZATION_KINDS:
        found.append("не указан или не распознан вид организации (школа, детский сад, дополнительное образование)")
    if not data.full_name.strip():
        found.append("не указано полное наименование")
    if not data.short_name.strip():
        found.append("не указано краткое наименование")
    for name, limit in MAX_LENGTHS.items():
        if len(getattr(data, name) or "") > limit:
            found.append(f"поле «{FIELD_LABELS[name]}» длиннее {limit} символов")
    if data.inn and (problem := inn_problem(data.inn)):
        found.append(problem)
    if data.email:
        try:
            validate_email(data.email, check_deliverability=False)
        except EmailNotValidError:
            found.append(f"некорректный адрес электронной почты «{data.email}»")
    return found


FIELD_LABELS = {
    "kind": "Вид организации",
    "full_name": "Полное наименование",
    "short_name": "Краткое наименование",
    "address": "Адрес",
    "inn": "ИНН",
    "phone": "Телефон",
    "email": "Электронная почта",
    "head_name": "Руководитель (ФИО)",
}


def list_organizations(
    session: Session, *, kind: str | None = None, status: str = "active", query: str = ""
) -> list[Organization]:
    """The registry, filtered by kind, status (active, inactive, all) and a name or ИНН fragment."""
    statement = select(Organization)
    if kind in ORGANIZATION_KINDS:
        statement = statement.where(Organization.kind == kind)
    if status == "active":
        statement = statement.where(Organization.active.is_(True))
    elif status == "inactive":
        statement = statement.where(Organization.active.is_(False))
    found = list(session.scalars(statement))
    if query.strip():  # in Python: SQLite's lower() leaves Cyrillic as it is
        needle = query.strip().casefold()
        found = [
            o
            for o in found
            if needle in o.full_name.casefold() or needle in o.short_name.casefold() or needle in (o.inn or "")
        ]
    kinds = list(ORGANIZATION_KINDS)
    return sorted(found, key=lambda o: (kinds.index(o.kind) if o.kind in kinds else 9, o.short_name.casefold()))


def get(session: Session, organization_id: int) -> Organization:
    organization = session.get(Organization, organization_id)
    if organization is None:
        raise OrganizationNotFound(organization_id)
    return organization


def _clean(data: OrganizationData) -> OrganizationData:
    cleaned = {k: (re.sub(r"\s+", " ", v).strip() if isinstance(v, str) else v) for k, v in asdict(data).items()}
    cleaned["email"] = cleaned["email"].lower()
    return OrganizationData(**cleaned)


def _conflicts(session: Session, data: OrganizationData, own_id: int | None) -> list[str]:
    found = []
    wanted = normalize_name(data.full_name)
    for other in session.scalars(select(Organization).where(Organization.id != (own_id or 0))):
        if normalize_name(other.full_name) == wanted:
            found.append(f"организация с наименованием «{other.full_name}» уже есть в реестре")
        if data.inn and other.inn == data.inn:
            found.append(f"ИНН {data.inn} уже указан у организации «{other.short_name}»")
    return found


def _check_head_user(session: Session, data: OrganizationData) -> User | None:
    if data.head_user_id is None:
        return None
    user = session.get(User, data.head_user_id)
    if user is None or not user.active:
        raise OrganizationError("Выбранный пользователь не найден или заблокирован.")
    return user


def _apply(organization: Organization, data: OrganizationData, head_user: User | None) -> dict[str, list[Any]]:
    """Write the data onto the row; returns field -> [old, new] for what changed."""
    changed: dict[str, list[Any]] = {}
    values = asdict(data)
    values["inn"] = data.inn or None
    if head_user is not None and not data.head_name:
        values["head_name"] = head_user.full_name  # the account's name when none was typed
    for name, value in values.items():
        old = getattr(organization, name)
        if old != value:
            changed[name] = [old, value]
            setattr(organization, name, value)
    return changed


def create_organization(session: Session, actor: User, data: OrganizationData, now: datetime) -> Organization:
    """Add an organization (active). Raises OrganizationError listing every problem."""
    with unit_of_work(session, duplicate=OrganizationError(DUPLICATE)):
        data = _clean(data)
        found = problems(data) + _conflicts(session, data, None)
        if found:
            raise OrganizationError(_sentence(found))
        head_user = _check_head_user(session, data)
        organization = Organization(kind=data.kind, full_name=data.full_name, short_name=data.short_name)
        _apply(organization, data, head_user)
        session.add(organization)
        session.flush()
        append_event(
            session,
            kind="organization_created",
            actor=actor,
            subject_type="organization",
            subject_id=organization.id,
            now=now,
            data={"full_name": organization.full_name, "kind": organization.kind, "inn": organization.inn},
        )
        return organization


def update_organization(
    session: Session, organization: Organization, actor: User, data: OrganizationData, version: int, now: datetime
) -> dict[str, list[Any]]:
    """Save the edit made on `version` of the row; ConcurrentChange when someone saved
    in between. Returns what changed (nothing is audited when nothing did)."""
    with unit_of_work(session, duplicate=OrganizationError(DUPLICATE)):
        if organization.version != version:
            raise OrganizationChanged()
        data = _clean(data)
        found = problems(data) + _conflicts(session, data, organization.id)
        if found:
            raise OrganizationError(_sentence(found))
        changed = _apply(organization, data, _check_head_user(session, data))
        if changed:
            _flush(session, organization)
            append_event(
                session,
                kind="organization_updated",
                actor=actor,
                subject_type="organization",
                subject_id=organization.id,
                now=now,
                data={"changed": changed},
            )
        return changed


def set_active(
    session: Session, organization: Organization, actor: User, active: bool, version: int, now: datetime
) -> None:
    """Deactivate (closed, merged) or reactivate an organization; audited."""
    with unit_of_work(session):
        if organization.version != version:
            raise OrganizationChanged()
        if organization.active == active:
            return
        if not active:
            vacancy = session.scalar(
                select(Vacancy.id).where(Vacancy.organization_id == organization.id, Vacancy.state.in_(OPEN_STATES))
            )
            if vacancy is not None:
                raise OrganizationError(
                    f"В организации открыта вакансия руководителя № {vacancy}: специалист по "
                    "кадрам должен завершить или отменить её, прежде чем организацию закроют."
                )
        organization.active = active
        _flush(session, organization)
        append_event(
            session,
            kind="organization_activated" if active else "organization_deactivated",
            actor=actor,
            subject_type="organization",
            subject_id=organization.id,
            now=now,
            data={"full_name": organization.full_name},
        )


def _flush(session: Session, organization: Organization) -> None:
    """Write the row; a save by someone else since it was read (the version moved on in
    the database) is a ConcurrentChange, not a silent overwrite."""
    try:
        session.flush()
    except StaleDataError:
        raise OrganizationChanged() from None


def _sentence(found: list[str]) -> str:
    text = "; ".join(found)
    return text[0].upper() + text[1:] + "."


# --- import -----------------------------------------------------------------------------

IMPORT_FIELDS = ("kind", "full_name", "short_name", "address", "inn", "phone", "email", "head_name")
REQUIRED_COLUMNS = ("kind", "full_name")
IGNORED_COLUMNS = ("№", "№ п/п", "n", "#")


def template_sheet(session: Session) -> Sheet:
    """The import template: the header and the current active registry, ready to be edited
    and imported back (rows match by ИНН or full name and update)."""
    rows = [
        [
            KIND_WORDS.get(o.kind, o.kind),
            o.full_name,
            o.short_name,
            o.address,
            o.inn or "",
            o.phone,
            o.email,
            o.head_name,
        ]
        for o in list_organizations(session)
    ]
    return Sheet(
        title="Организации",
        headers=[FIELD_LABELS[f] for f in IMPORT_FIELDS],
        rows=rows,
        widths=[26, 60, 30, 50, 14, 20, 28, 36],
        number_formats={4: "@"},
        choices={0: list(KIND_WORDS.values())},
    )


def export_registry(session: Session, actor: User, file_format: str, now: datetime) -> Sheet:
    """The template with the registry's rows for `actor` to download: it carries the heads'
    names, phones and e-mails, so the export is recorded in the audit journal."""
    with unit_of_work(session):
        sheet = template_sheet(session)
        record_export(
            session,
            actor,
            what="Реестр организаций (руководители и контакты)",
            file_format=file_format,
            rows=len(sheet.rows),
            now=now,
        )
    return sheet


TEMPLATE_NOTES = (
    "Одна строка — одна организация. Обязательные столбцы: «Вид организации» и «Полное наименование».",
    "Вид организации: школа, детский сад или дополнительное образование.",
    "Организация, уже внесённая в реестр, находится по ИНН, а без него — по полному наименованию, "
    "и обновляется; пустая ячейка не стирает уже сохранённое значение.",
    "ИНН — 10 цифр. Файл загружается целиком или не загружается совсем: при ошибках будет указана каждая "
    "строка с ошибкой.",
)


@dataclass
class ImportSummary:
    created: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def _columns(table: Table) -> tuple[dict[str, str], list[RowProblem]]:
    """field -> the file's header for it; and problems with the header row."""
    by_label = {normalize_header(label): name for name, label in FIELD_LABELS.items()}
    by_label.update(
        {
            normalize_header(a): n
            for a, n in (
                ("Наименование", "full_name"),
                ("Вид", "kind"),
                ("Руководитель", "head_name"),
                ("E-mail", "email"),
                ("Email", "email"),
                ("Эл. почта", "email"),
            )
        }
    )
    columns: dict[str, str] = {}
    found: list[RowProblem] = []
    for header in table.headers:
        key = normalize_header(header)
        name = by_label.get(key)
        if name is None:
            if key not in IGNORED_COLUMNS:
                found.append(RowProblem(1, f"неизвестный столбец «{header}»"))
        elif name in columns:
            found.append(RowProblem(1, f"столбцы «{columns[name]}» и «{header}» означают одно и то же"))
        else:
            columns[name] = header
    for name in REQUIRED_COLUMNS:
        if name not in columns:
            found.append(RowProblem(1, f"нет обязательного столбца «{FIELD_LABELS[name]}»"))
    return columns, found


def import_organizations(
    session: Session, actor: User, table: Table, *, now: datetime, sha256: str, filename: str
) -> ImportSummary:
    """Create or update organizations from the table, all or nothing. Raises ImportRejected
    listing every bad row (row number and why). One audit event for the whole import."""
    with unit_of_work(
        session, duplicate=OrganizationChanged("Реестр изменился во время загрузки. Повторите загрузку.")
    ):
        columns, found = _columns(table)
        if found:
            raise ImportRejected(found)
        if not table.rows:
            raise ImportRejected([RowProblem(0, "В файле нет ни одной строки с данными.")])
        existing = list(session.scalars(select(Organization)))
        by_inn = {o.inn: o for o in existing if o.inn}
        by_name = {normalize_name(o.full_name): o for o in existing}
        seen_names: dict[str, int] = {}
        seen_inns: dict[str, int] = {}
        plan: list[tuple[Organization | None, OrganizationData]] = []
        for row in table.rows:
            values = {name: row.text(header) for name, header in columns.items()}
            kind_text = values.get("kind", "")
            kind = parse_kind(kind_text) if kind_text else ""
            inn = re.sub(r"\s+", "", values.get("inn", ""))
            row_problems: list[str] = []
            if kind is None:
                row_problems.append(
                    f"вид организации «{kind_text}» не распознан (допустимо: {', '.join(KIND_WORDS.values())})"
                )
            name_key = normalize_name(values.get("full_name", ""))
            match = by_inn.get(inn) if inn else None
            by_full_name = by_name.get(name_key)
            if match is not None and by_full_name is not None and by_full_name is not match:
                row_problems.append(
                    f"ИНН {inn} принадлежит организации «{match.short_name}», "
                    f"а наименование — организации «{by_full_name.short_name}»"
                )
            match = match or by_full_name
            if name_key and name_key in seen_names:
                row_problems.append(f"организация уже указана в строке {seen_names[name_key]}")
            if inn and inn in seen_inns:
                row_problems.append(f"ИНН {inn} уже указан в строке {seen_inns[inn]}")
            if name_key:
                seen_names.setdefault(name_key, row.number)
            if inn:
                seen_inns.setdefault(inn, row.number)
            if match is not None:  # blank cells keep what the registry has
                data = OrganizationData(**{f: (values.get(f) or "") for f in IMPORT_FIELDS})
                for name in IMPORT_FIELDS:
                    if not getattr(data, name):
                        setattr(data, name, getattr(match, name) or "")
                if kind:
                    data.kind = kind
                if normalize_name(data.full_name) == normalize_name(match.full_name):
                    data.full_name = match.full_name  # same name in other quotes or case: keep the registry's
                data.inn = inn or (match.inn or "")
                data.head_user_id = match.head_user_id
            else:
                data = OrganizationData(**{f: (values.get(f) or "") for f in IMPORT_FIELDS})
                data.kind, data.inn = kind or "", inn
            data = _clean(data)
            if kind is not None:
                row_problems.extend(problems(data))
            if row_problems:
                found.extend(RowProblem(row.number, p) for p in dict.fromkeys(row_problems))
            else:
                plan.append((match, data))
        if found:
            raise ImportRejected(found)

        created = updated = unchanged = 0
        for match, data in plan:
            if match is None:
                organization = Organization(kind=data.kind, full_name=data.full_name, short_name=data.short_name)
                _apply(organization, data, None)
                session.add(organization)
                created += 1
            elif _apply(match, data, None):
                updated += 1
            else:
                unchanged += 1
        session.flush()
        summary = ImportSummary(created, updated, unchanged)
        append_event(
            session,
            kind="organizations_imported",
            actor=actor,
            subject_type="organization",
            subject_id=None,
            now=now,
            data={
                "file_name": filename,
                "file_sha256": sha256,
                "rows": summary.total,
                "created": created,
                "updated": updated,
                "unchanged": unchanged,
            },
        )
        return summary
