"""The yearly monitoring of heads' effectiveness (roadmap items 4, 5 and 7), which item 10
uses when appointing heads.

A year is created with its set of criteria (names and maximum points); its results
come from one file per year (XLSX or CSV, from the template offered for download),
checked row by row and written all or nothing. Importing a year again replaces its
results only when asked to; every import is an audit event with the file's SHA-256.

Levels and thresholds (the district's rule, applied when a file states a level):
  оптимальный  80 % and more
  допустимый   50 % to under 80 %
  критический  under 50 %
A result under 50 % is flagged: the roadmap requires an anti-crisis programme there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reserve_flow.core.audit.chain import append_event
from reserve_flow.core.db import unit_of_work
from reserve_flow.core.errors import NotFound, Refused
from reserve_flow.core.files.tabular import (
    ImportRejected,
    RowProblem,
    Sheet,
    Table,
    format_number,
    normalize_header,
    parse_number,
    write_csv,
)
from reserve_flow.organizations.models.monitoring import (
    MONITORING_LEVELS,
    MonitoringCriterion,
    MonitoringResult,
    MonitoringScore,
    MonitoringYear,
)
from reserve_flow.organizations.models.organizations import ORGANIZATION_KINDS, Organization
from reserve_flow.organizations.services.organizations import normalize_name
from reserve_flow.people.models import User

OPTIMAL_FROM = 80.0
ACCEPTABLE_FROM = 50.0
ANTI_CRISIS_BELOW = 50.0
FIRST_YEAR, LAST_YEAR = 2000, 2100

ORGANIZATION_COLUMN = "Организация"
HEAD_COLUMN = "Руководитель (ФИО)"
TOTAL_COLUMN = "Итоговый балл, %"
LEVEL_COLUMN = "Уровень"
IGNORED_COLUMNS = ("№", "№ п/п", "n", "#", "инн", "вид организации")
_MAX_SUFFIX = re.compile(r"\s*\((макс\.?|максимум|max)\s*[\d.,]+\s*(балл\w*)?\)\s*$", re.IGNORECASE)

TEMPLATE_NOTES = (
    "Одна строка — одна организация; организация указывается полным или кратким наименованием из реестра.",
    "Итоговый балл — в процентах, от 0 до 100 (дробная часть через запятую).",
    "Уровень: оптимальный (80 % и выше), допустимый (от 50 до 80 %), критический (ниже 50 %); "
    "пустая ячейка — уровень по итоговому баллу.",
    "Баллы по критериям — от 0 до максимума, указанного в заголовке столбца.",
    "Файл загружается целиком или не загружается совсем: при ошибках будет указана каждая строка с ошибкой.",
)


class MonitoringError(Refused):
    """A monitoring change cannot be made as asked; the text says why, in Russian."""


class MonitoringNotFound(NotFound):
    pass


def expected_level(total_percent: float) -> str:
    if total_percent >= OPTIMAL_FROM:
        return "optimal"
    if total_percent >= ACCEPTABLE_FROM:
        return "acceptable"
    return "critical"


def is_flagged(total_percent: float) -> bool:
    """Under 50 %: the organization must run an anti-crisis programme."""
    return total_percent < ANTI_CRISIS_BELOW


def parse_level(text: str) -> str | None:
    """The level code for «оптимальный», «Допустимый уровень», «критический», or a code."""
    value = normalize_header(text)
    for code, stem in (("optimal", "оптим"), ("acceptable", "допуст"), ("critical", "критич")):
        if value == code or value.startswith(stem):
            return code
    return None


@dataclass(frozen=True)
class CriterionData:
    name: str
    max_points: float


def criterion_header(criterion: MonitoringCriterion) -> str:
    return f"{criterion.name} (макс. {format_number(criterion.max_points)})"


# --- years and their criteria --------------------------------------------------------------


@dataclass
class YearSummary:
    year: MonitoringYear
    results: int
    flagged: int


def years(session: Session) -> list[YearSummary]:
    """Every monitoring year, newest first, with its counts."""
    counts = dict(
        session.execute(select(MonitoringResult.year_id, func.count()).group_by(MonitoringResult.year_id)).all()
    )
    flagged = dict(
        session.execute(
            select(MonitoringResult.year_id, func.count())
            .where(MonitoringResult.total_percent < ANTI_CRISIS_BELOW)
            .group_by(MonitoringResult.year_id)
        ).all()
    )
    return [
        YearSummary(y, counts.get(y.id, 0), flagged.get(y.id, 0))
        for y in session.scalars(select(MonitoringYear).order_by(MonitoringYear.year.desc()))
    ]


def get_year(session: Session, year: int) -> MonitoringYear:
    found = session.scalar(select(MonitoringYear).where(MonitoringYear.year == year))
    if found is None:
        raise MonitoringNotFound(year)
    return found


def _check_criteria(criteria: Sequence[CriterionData]) -> list[CriterionData]:
    cleaned = []
    seen = set()
    for criterion in criteria:
        name = re.sub(r"\s+", " ", criterion.name).strip()
        if not name:
            continue
        if len(name) > 300:
            raise MonitoringError(f"Название критерия «{name[:40]}…» длиннее 300 символов.")
        if _MAX_SUFFIX.search(name):
            name = _MAX_SUFFIX.sub("", name)
        if normalize_header(name) in seen:
            raise MonitoringError(f"Критерий «{name}» указан дважды.")
        if criterion.max_points is None or not 0 < criterion.max_points <= 1000:
            raise MonitoringError(f"Максимальный балл критерия «{name}» должен быть больше 0 и не больше 1000.")
        seen.add(normalize_header(name))
        cleaned.append(CriterionData(name, float(criterion.max_points)))
    return cleaned


def latest_criteria(session: Session) -> list[CriterionData]:
    """The criteria of the newest year: a new year usually starts from them."""
    latest = session.scalar(select(MonitoringYear).order_by(MonitoringYear.year.desc()).limit(1))
    return [CriterionData(c.name, c.max_points) for c in latest.criteria] if latest else []


def create_year(
    session: Session, actor: User, year: int, criteria: Sequence[CriterionData], now: datetime
) -> MonitoringYear:
    """A monitoring year with its criteria; audited. Raises MonitoringError."""
    with unit_of_work(session, duplicate=MonitoringError(f"Мониторинг за {year} год уже заведён.")):
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise MonitoringError(f"Год должен быть между {FIRST_YEAR} и {LAST_YEAR}.")
        if session.scalar(select(MonitoringYear.id).where(MonitoringYear.year == year)) is not None:
            raise MonitoringError(f"Мониторинг за {year} год уже заведён.")
        cleaned = _check_criteria(criteria)
        monitoring_year = MonitoringYear(year=year)
        monitoring_year.criteria = [
            MonitoringCriterion(position=i, name=c.name, max_points=c.max_points)
            for i, c in enumerate(cleaned, start=1)
        ]
        session.add(monitoring_year)
        session.flush()
        append_event(
            session,
            kind="monitoring_year_created",
            actor=actor,
            subject_type="monitoring_year",
            subject_id=monitoring_year.id,
            now=now,
            data={"year": year, "criteria": [[c.name, c.max_points] for c in cleaned]},
        )
        return monitoring_year


def update_criteria(
    session: Session, actor: User, monitoring_year: MonitoringYear, criteria: Sequence[CriterionData], now: datetime
) -> None:
    """Replace the year's criteria; refused once results are imported (their scores
    refer to the criteria). Audited."""
    with unit_of_work(session):
        if monitoring_year.results:
            raise MonitoringError(
                f"Результаты за {monitoring_year.year} год уже загружены: критерии менять нельзя. "
                "Сначала удалите загруженные результаты."
            )
        cleaned = _check_criteria(criteria)
        monitoring_year.criteria.clear()
        session.flush()
        monitoring_year.criteria.extend(
            MonitoringCriterion(position=i, name=c.name, max_points=c.max_points)
            for i, c in enumerate(cleaned, start=1)
        )
        session.flush()
        append_event(
            session,
            kind="monitoring_criteria_changed",
            actor=actor,
            subject_type="monitoring_year",
            subject_id=monitoring_year.id,
            now=now,
            data={"year": monitoring_year.year, "criteria": [[c.name, c.max_points] for c in cleaned]},
        )


def clear_results(session: Session, actor: User, monitoring_year: MonitoringYear, reason: str, now: datetime) -> int:
    """Delete the year's results (say, to change its criteria); the reason is required
    and audited with the file the results came from. Returns how many were deleted."""
    with unit_of_work(session):
        reason = reason.strip()
        if not reason:
            raise MonitoringError("Укажите причину удаления результатов.")
        count = len(monitoring_year.results)
        if not count:
            raise MonitoringError(f"Результатов за {monitoring_year.year} год нет.")
        previous = {"file_name": monitoring_year.source_name, "file_sha256": monitoring_year.source_sha256}
        monitoring_year.results.clear()
        monitoring_year.source_name, monitoring_year.source_sha256 = "", ""
        monitoring_year.imported_at = monitoring_year.imported_by_id = None
        session.flush()
        append_event(
            session,
            kind="monitoring_cleared",
            actor=actor,
            subject_type="monitoring_year",
            subject_id=monitoring_year.id,
            now=now,
            reason=reason,
            data={"year": monitoring_year.year, "deleted": count, "previous": previous},
        )
        return count


# --- the template and the import ---------------------------------------------------------


def template_sheet(session: Session, monitoring_year: MonitoringYear) -> Sheet:
    """The year's import template: one row per active organization, with its head filled
    in; the administrator fills the scores."""
    from reserve_flow.organizations.services.organizations import list_organizations

    criteria = monitoring_year.criteria
    headers = [ORGANIZATION_COLUMN, HEAD_COLUMN, TOTAL_COLUMN, LEVEL_COLUMN] + [criterion_header(c) for c in criteria]
    rows = [[o.full_name, o.head_name] + [None] * (2 + len(criteria)) for o in list_organizations(session)]
    return Sheet(
        title=f"Мониторинг {monitoring_year.year}",
        headers=headers,
        rows=rows,
        widths=[56, 34, 14, 16] + [22] * len(criteria),
        choices={3: [v["ru"] for v in MONITORING_LEVELS.values()]},
    )


def template_csv(session: Session, monitoring_year: MonitoringYear) -> bytes:
    sheet = template_sheet(session, monitoring_year)
    return write_csv(sheet.headers, sheet.rows)


@dataclass
class ImportSummary:
    year: int
    imported: int
    flagged: int
    replaced: int  # results of an earlier import that this one replaced


class _OrganizationIndex:
    """Finds an organization by its full name, short name or ИНН as written in a file."""

    def __init__(self, organizations: Sequence[Organization]) -> None:
        self.by_key: dict[str, list[Organization]] = {}
        for organization in organizations:
            keys = {normalize_name(organization.full_name), normalize_name(organization.short_name)}
            if organization.inn:
                keys.add(organization.inn)
            for key in keys:
                self.by_key.setdefault(key, []).append(organization)

    def find(self, text: str) -> tuple[Organization | None, str | None]:
        matches = self.by_key.get(normalize_name(text), [])
        if len(matches) == 1:
            return matches[0], None
        if matches:
            return None, f"наименование «{text}» подходит к нескольким организациям: укажите полное наименование"
        return None, f"организация «{text}» не найдена в реестре"


def _columns(table: Table, criteria: Sequence[MonitoringCriterion]) -> tuple[dict, list[RowProblem]]:
    """The file's header for each fixed column and each criterion, and header problems."""
    fixed = {normalize_header(h): h for h in (ORGANIZATION_COLUMN, HEAD_COLUMN, TOTAL_COLUMN, LEVEL_COLUMN)}
    fixed[normalize_header("Итоговый балл")] = TOTAL_COLUMN
    fixed[normalize_header("Руководитель")] = HEAD_COLUMN
    by_name = {normalize_header(c.name): c for c in criteria}
    columns: dict[str, str] = {}
    criterion_columns: dict[int, str] = {}
    found: list[RowProblem] = []
    for header in table.headers:
        key = normalize_header(header)
        if key in fixed:
            columns[fixed[key]] = header
            continue
        criterion = by_name.get(normalize_header(_MAX_SUFFIX.sub("", header)))
        if criterion is not None:
            criterion_columns[criterion.id] = header
        elif key not in IGNORED_COLUMNS:
            found.append(
                RowProblem(
                    1, f"столбец «{header}» не относится к шаблону: такого критерия нет в наборе критериев этого года"
                )
            )
    for needed in (ORGANIZATION_COLUMN, HEAD_COLUMN, TOTAL_COLUMN, LEVEL_COLUMN):
        if needed not in columns:
            found.append(RowProblem(1, f"нет столбца «{needed}»"))
    for criterion in criteria:
        if criterion.id not in criterion_columns:
            found.append(RowProblem(1, f"нет столбца критерия «{criterion.name}»"))
    return {"fixed": columns, "criteria": criterion_columns}, found


def _percent(value: float) -> str:
    return format_number(value) + " %"


def import_results(
    session: Session,
    actor: User,
    monitoring_year: MonitoringYear,
    table: Table,
    *,
    now: datetime,
    sha256: str,
    filename: str,
    replace: bool = False,
) -> ImportSummary:
    """Import the year's results from a table, all or nothing: raises ImportRejected listing
    every bad row and why. A year with results is refused unless `replace`, which deletes
    them first. One audit event, "monitoring_imported", with the counts and the file's SHA-256."""
    with unit_of_work(
        session,
        duplicate=ImportRejected(
            [RowProblem(0, "Результаты этого года только что загрузил другой пользователь. Обновите страницу.")]
        ),
    ):
        # Lock the year so that two imports of the same year queue up (PostgreSQL; SQLite
        # serializes writers anyway).
        session.execute(select(MonitoringYear.id).where(MonitoringYear.id == monitoring_year.id).with_for_update())
        session.refresh(monitoring_year)
        previous = len(monitoring_year.results)
        if previous and not replace:
            source = f" из файла «{monitoring_year.source_name}»" if monitoring_year.source_name else ""
            raise ImportRejected(
                [
                    RowProblem(
                        0,
                        f"Результаты мониторинга за {monitoring_year.year} год уже загружены"
                        f"{source}. Чтобы заменить их, отметьте «Заменить загруженные "
                        "результаты».",
                    )
                ]
            )
        criteria = list(monitoring_year.criteria)
        columns, found = _columns(table, criteria)
        if found:
            raise ImportRejected(found)
        if not table.rows:
            raise ImportRejected([RowProblem(0, "В файле нет ни одной строки с результатами.")])

        index = _OrganizationIndex(list(session.scalars(select(Organization))))
        fixed, criterion_columns = columns["fixed"], columns["criteria"]
        seen: dict[int, int] = {}
        planned: list[MonitoringResult] = []
        for row in table.rows:
            problems: list[str] = []
            organization, problem = (
                index.find(row.text(fixed[ORGANIZATION_COLUMN]))
                if row.text(fixed[ORGANIZATION_COLUMN])
                else (None, "не указана организация")
            )
            if problem:
                problems.append(problem)
            elif organization.id in seen:
                problems.append(f"организация «{organization.short_name}» уже указана в строке {seen[organization.id]}")
            else:
                seen[organization.id] = row.number
            head = re.sub(r"\s+", " ", row.text(fixed[HEAD_COLUMN]))
            if not head:
                problems.append("не указан руководитель")
            elif len(head) > 200:
                problems.append("ФИО руководителя длиннее 200 символов")
            total = _number(row.get(fixed[TOTAL_COLUMN]), "итоговый балл", 100.0, problems, required=True)
            level_text = row.text(fixed[LEVEL_COLUMN])
            level = parse_level(level_text) if level_text else (expected_level(total) if total is not None else None)
            if level is None and level_text:
                problems.append(f"уровень «{level_text}» не из списка: оптимальный, допустимый, критический")
            elif level is not None and total is not None and level != expected_level(total):
                problems.append(
                    f"уровень «{MONITORING_LEVELS[level]['ru']}» не соответствует итоговому баллу "
                    f"{_percent(total)}: при таком балле уровень "
                    f"«{MONITORING_LEVELS[expected_level(total)]['ru']}»"
                )
            scores = []
            for criterion in criteria:
                points = _number(
                    row.get(criterion_columns[criterion.id]),
                    f"балл по критерию «{criterion.name}»",
                    criterion.max_points,
                    problems,
                    required=True,
                )
                if points is not None:
                    scores.append(MonitoringScore(criterion_id=criterion.id, points=points))
            if problems:
                found.extend(RowProblem(row.number, p) for p in problems)
                continue
            planned.append(
                MonitoringResult(
                    organization_id=organization.id,
                    head_name=head,
                    total_percent=total,
                    level=level,
                    source_row=row.number,
                    scores=scores,
                )
            )
        if found:
            raise ImportRejected(found)

        if previous:
            monitoring_year.results.clear()
            session.flush()  # the old rows go before the new ones meet the unique constraint
        previous_file = {"file_name": monitoring_year.source_name, "file_sha256": monitoring_year.source_sha256}
        monitoring_year.results.extend(planned)
        monitoring_year.source_name, monitoring_year.source_sha256 = filename[:255], sha256
        monitoring_year.imported_at = now
        monitoring_year.imported_by_id = actor.id
        session.flush()
        flagged = sum(1 for r in planned if is_flagged(r.total_percent))
        data = {
            "year": monitoring_year.year,
            "file_name": filename,
            "file_sha256": sha256,
            "rows": len(planned),
            "flagged": flagged,
            "levels": {code: sum(1 for r in planned if r.level == code) for code in MONITORING_LEVELS},
            "replaced": bool(previous),
        }
        if previous:
            data.update(replaced_results=previous, replaced_file=previous_file)
        append_event(
            session,
            kind="monitoring_imported",
            actor=actor,
            subject_type="monitoring_year",
            subject_id=monitoring_year.id,
            now=now,
            data=data,
            reason="замена ранее загруженных результатов" if previous else None,
        )
        return ImportSummary(monitoring_year.year, len(planned), flagged, previous)


def _number(value, label: str, maximum: float, problems: list[str], *, required: bool) -> float | None:
    try:
        number = parse_number(value)
    except ValueError:
        problems.append(f"{label} «{value}» — не число")
        return None
    if number is None:
        if required:
            problems.append(f"не заполнен {label}")
        return None
    if not 0 <= number <= maximum:
        problems.append(f"{label} {format_number(number)} вне допустимого диапазона 0–{format_number(maximum)}")
        return None
    return round(number, 2)


# --- reading the results ------------------------------------------------------------------


@dataclass
class RankedResult:
    rank: int
    result: MonitoringResult

    @property
    def flagged(self) -> bool:
        return is_flagged(self.result.total_percent)


def ranked(results: Sequence[MonitoringResult]) -> list[RankedResult]:
    """Best first; equal totals share a place (1, 2, 2, 4)."""
    ordered = sorted(results, key=lambda r: (-r.total_percent, r.organization.short_name.casefold()))
    out: list[RankedResult] = []
    for position, result in enumerate(ordered, start=1):
        same = out and out[-1].result.total_percent == result.total_percent
        out.append(RankedResult(out[-1].rank if same else position, result))
    return out


def overview(session: Session, monitoring_year: MonitoringYear, kind: str | None = None) -> list[RankedResult]:
    """The district's organizations ranked by total score for a year (optionally one kind;
    ranks are then within that kind)."""
    results = [r for r in monitoring_year.results if kind not in ORGANIZATION_KINDS or r.organization.kind == kind]
    return ranked(results)


@dataclass
class HistoryEntry:
    year: int
    result: MonitoringResult
    rank: int
    of: int  # organizations ranked that year

    @property
    def flagged(self) -> bool:
        return is_flagged(self.result.total_percent)


def organization_history(session: Session, organization: Organization) -> list[HistoryEntry]:
    """The organization's monitoring by year, oldest first, with its place in the district."""
    entries = []
    for monitoring_year in session.scalars(
        select(MonitoringYear)
        .join(MonitoringResult, MonitoringResult.year_id == MonitoringYear.id)
        .where(MonitoringResult.organization_id == organization.id)
        .order_by(MonitoringYear.year)
    ):
        ranking = ranked(monitoring_year.results)
        mine = next(r for r in ranking if r.result.organization_id == organization.id)
        entries.append(HistoryEntry(monitoring_year.year, mine.result, mine.rank, len(ranking)))
    return entries


def latest_results(session: Session) -> dict[int, tuple[int, MonitoringResult]]:
    """organization id -> (year, result) of its newest monitoring, for lists."""
    latest: dict[int, tuple[int, MonitoringResult]] = {}
    rows = session.execute(
        select(MonitoringYear.year, MonitoringResult)
        .join(MonitoringResult, MonitoringResult.year_id == MonitoringYear.id)
        .order_by(MonitoringYear.year)
    )
    for year, result in rows:
        latest[result.organization_id] = (year, result)
    return latest


def overview_sheet(monitoring_year: MonitoringYear, ranking: Sequence[RankedResult]) -> Sheet:
    """The district overview as an XLSX sheet: place, organization, head, total, level, flag, criteria."""
    criteria = monitoring_year.criteria
    headers = [
        "Место",
        "Организация",
        "Вид",
        "Руководитель",
        "Итоговый балл, %",
        "Уровень",
        "Антикризисная программа (менее 50 %)",
    ] + [criterion_header(c) for c in criteria]
    rows = []
    for item in ranking:
        result = item.result
        points = {s.criterion_id: s.points for s in result.scores}
        rows.append(
            [
                item.rank,
                result.organization.full_name,
                result.organization.kind_label,
                result.head_name,
                result.total_percent,
                result.level_label,
                "да" if item.flagged else "",
            ]
            + [points.get(c.id) for c in criteria]
        )
    return Sheet(
        title=f"Мониторинг {monitoring_year.year}",
        headers=headers,
        rows=rows,
        widths=[8, 56, 30, 34, 14, 14, 18] + [18] * len(criteria),
        number_formats={4: "0.0"},
    )


# --- demo -------------------------------------------------------------------------------
