"""The programme's yearly report as XLSX (openpyxl) and PDF (fpdf2 with PT Sans, the
font the protocol uses), both from one ReportContent, so that they give the same
figures. Only counts and shares: no personal data, so the РУО can publish it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from openpyxl import Workbook

from reserve_flow.contest.protocol_document import _font_files
from reserve_flow.core.files.tables import add_sheet, save


@dataclass(frozen=True)
class IndicatorLine:
    name: str
    unit: str
    target: float | None
    actual: float | None
    fulfilment: float | None  # % of the target
    note: str


@dataclass(frozen=True)
class EventLine:
    title: str
    planned_on: date | None
    responsible: str
    held_on: date | None
    note: str


@dataclass(frozen=True)
class DirectLine:
    """A head appointed outside the reserve. Not the justification: the public page names
    whom each order appointed, so the justification would be about a named person."""

    organization: str
    position: str
    order: str  # «Приказ № 3-к от 20.02.2027»
    start_on: date


@dataclass(frozen=True)
class ReportContent:
    programme: str
    period: str
    approved_by: str
    year: int
    as_of: date | None
    indicators: list[IndicatorLine]
    events: list[EventLine]
    composition: list[tuple[str, int]]  # state label, members
    generated_at: datetime
    direct: list[DirectLine]  # appointments outside the reserve in the year

    @property
    def title(self) -> str:
        return f"Отчёт о реализации программы за {self.year} год"


def format_number(value: float | None) -> str:
    """12 -> "12", 33.3 -> "33,3", None -> "—" (unknown)."""
    if value is None:
        return "—"
    return f"{value:.1f}".rstrip("0").rstrip(".").replace(".", ",") if value % 1 else str(int(value))


def _day(day: date | None) -> str:
    return day.strftime("%d.%m.%Y") if day else "—"


INDICATOR_HEADER = ["Показатель", "Ед. изм.", "Целевое значение", "Фактическое значение", "Выполнение, %", "Примечание"]
EVENT_HEADER = ["Мероприятие", "Срок", "Ответственный", "Проведено", "Примечание"]
DIRECT_HEADER = ["Организация", "Должность", "Приказ", "Дата назначения"]


def _direct_caption(c: ReportContent) -> str:
    return f"Назначения руководителей вне кадрового резерва в {c.year} году: {len(c.direct)}"


def _intro(c: ReportContent) -> list[str]:
    lines = [f"Программа: «{c.programme}» ({c.period})."]
    if c.approved_by:
        lines.append(f"Утверждена: {c.approved_by}.")
    lines.append(
        f"Фактические значения — на {_day(c.as_of)}, по данным системы кадрового резерва."
        if c.as_of
        else "Год ещё не наступил: фактических значений нет."
    )
    return lines


def render_xlsx(c: ReportContent) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    caption = f"{c.title}. {' '.join(_intro(c))}"
    add_sheet(
        workbook,
        "Показатели",
        INDICATOR_HEADER,
        [[i.name, i.unit, i.target, i.actual, i.fulfilment, i.note] for i in c.indicators],
        caption,
    )
    add_sheet(
        workbook,
        "Мероприятия",
        EVENT_HEADER,
        [[e.title, e.planned_on, e.responsible, e.held_on, e.note] for e in c.events],
        f"Мероприятия программы на {c.year} год",
    )
    add_sheet(
        workbook,
        "Состав резерва",
        ["Состояние", "Резервистов"],
        [[s, n] for s, n in c.composition],
        f"Состав резерва на {c.generated_at:%d.%m.%Y}",
    )
    add_sheet(
        workbook,
        "Назначения вне резерва",
        DIRECT_HEADER,
        [[d.organization, d.position, d.order, d.start_on] for d in c.direct],
        _direct_caption(c),
    )
    return save(workbook)


def render_pdf(c: ReportContent) -> bytes:
    pdf = FPDF(format="A4")
    regular, bold = _font_files()
    pdf.add_font("PTSans", "", regular)
    pdf.add_font("PTSans", "B", bold)
    pdf.set_title(c.title)
    pdf.set_margins(15, 15, 15)
    pdf.add_page()
    line = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}
    pdf.set_font("PTSans", "B", 14)
    pdf.multi_cell(0, 7, c.title.upper(), align="C", **line)
    pdf.set_font("PTSans", "", 11)
    pdf.multi_cell(
        0, 5.5, "по формированию кадрового резерва руководителей образовательных организаций", align="C", **line
    )
    pdf.ln(2)
    for text in _intro(c):
        pdf.multi_cell(0, 5.5, text, align="L", **line)

    def heading(text: str) -> None:
        pdf.ln(3)
        pdf.set_font("PTSans", "B", 11)
        pdf.multi_cell(0, 5.5, text, align="L", **line)

    def table(header: list[str], rows: list[list[str]], widths: list[int]) -> None:
        pdf.set_font("PTSans", "", 9)
        with pdf.table(col_widths=widths, line_height=4.5, text_align="LEFT") as t:
            for cells in [header, *rows]:
                row = t.row()
                for text in cells:
                    row.cell(text)

    heading("1. Показатели программы")
    table(
        INDICATOR_HEADER,
        [
            [i.name, i.unit, format_number(i.target), format_number(i.actual), format_number(i.fulfilment), i.note]
            for i in c.indicators
        ],
        [6, 1, 2, 2, 2, 4],
    )
    heading("2. Мероприятия программы")
    if c.events:
        table(
            EVENT_HEADER,
            [[e.title, _day(e.planned_on), e.responsible, _day(e.held_on), e.note] for e in c.events],
            [6, 2, 3, 2, 3],
        )
    else:
        pdf.set_font("PTSans", "", 11)
        pdf.multi_cell(0, 5.5, "Мероприятия на этот год не запланированы.", align="L", **line)
    heading(f"3. Состав резерва на {c.generated_at:%d.%m.%Y}")
    pdf.set_font("PTSans", "", 11)
    for state, count in c.composition:
        pdf.multi_cell(0, 5.5, f"– {state}: {count}", align="L", **line)
    heading(f"4. {_direct_caption(c)}")
    if c.direct:
        table(DIRECT_HEADER, [[d.organization, d.position, d.order, _day(d.start_on)] for d in c.direct], [4, 4, 3, 2])
    pdf.ln(4)
    pdf.set_font("PTSans", "", 9)
    pdf.multi_cell(0, 4.5, f"Сформировано {c.generated_at:%d.%m.%Y %H:%M}.", align="L", **line)
    return bytes(pdf.output())
