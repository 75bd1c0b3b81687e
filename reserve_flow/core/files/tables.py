"""Tables as files people open in a spreadsheet: XLSX (openpyxl) and CSV.

The CSV is what Russian Excel opens with a double click: UTF-8 with a byte order
mark, semicolons between fields, dates as dd.mm.yyyy. The XLSX keeps dates and
numbers typed, so that they sort and sum.

Every text cell either writer puts in a file goes through `neutralised` (as do the
tables of core/files/tabular.py): text a person typed that a spreadsheet would run as a
formula gets a leading apostrophe (OWASP's advice on CSV injection), so a reserve member
who types «=HYPERLINK(...)» as their position shows HR the text, not a live link.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

DATE_FORMAT = "DD.MM.YYYY"
# What a spreadsheet reads as the start of a formula (or of a DDE command): =, + and - of
# arithmetic, @ of Lotus-style functions, and tab and carriage return, which some split on.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Values that are what they say: written as typed cells, never as text to neutralise.
TYPED = (bool, int, float, Decimal, date)


def neutralised(text: str) -> str:
    """`text` as a cell may hold it: prefixed with «'» when it would start a formula, also
    after leading spaces (Excel skips them). Other text comes back as it was."""
    if text[:1] in FORMULA_STARTS or text.lstrip()[:1] in FORMULA_STARTS:
        return "'" + text
    return text


def restored(text: str) -> str:
    """The inverse of `neutralised` for a file read back in: the apostrophe it added goes,
    so an exported list edited and imported again keeps what was typed."""
    return text[1:] if text[:1] == "'" and neutralised(text[1:]) != text[1:] else text


def cell_value(value: object) -> object:
    """A value for an XLSX cell: numbers, dates and booleans typed, everything else neutralised text."""
    if value is None or isinstance(value, TYPED):
        return value
    return neutralised(str(value))


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    if isinstance(value, TYPED):
        return str(value)
    return neutralised(str(value))


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([_text(h) for h in header])
    for row in rows:
        writer.writerow([_text(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def add_sheet(
    workbook: Workbook, title: str, header: Sequence[str], rows: Iterable[Sequence[object]], caption: str | None = None
) -> None:
    """A sheet with an optional caption line, a bold header row and the rows; columns sized to fit."""
    sheet = workbook.create_sheet(title[:31])
    if caption:
        sheet.append([cell_value(caption)])
        sheet.cell(row=1, column=1).font = Font(bold=True, size=12)
        sheet.append([])
    sheet.append([cell_value(h) for h in header])
    header_row = sheet.max_row
    for heading in sheet[header_row]:
        heading.font = Font(bold=True)
        heading.alignment = Alignment(wrap_text=True, vertical="top")
    widths = [len(h) for h in header]
    for row in rows:
        sheet.append([cell_value(v) for v in row])
        for index, value in enumerate(row):
            if isinstance(value, date):
                sheet.cell(row=sheet.max_row, column=index + 1).number_format = DATE_FORMAT
            if index < len(widths):
                widths[index] = max(widths[index], len(_text(value)))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 60)
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)


def to_xlsx(title: str, header: Sequence[str], rows: Iterable[Sequence[object]], caption: str | None = None) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    add_sheet(workbook, title, header, rows, caption)
    return save(workbook)


def save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
