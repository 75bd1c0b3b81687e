"""Tables as files people open in a spreadsheet: XLSX (openpyxl) and CSV.

The CSV is what Russian Excel opens with a double click: UTF-8 with a byte order
mark, semicolons between fields, dates as dd.mm.yyyy. The XLSX keeps dates and
numbers typed, so that they sort and sum.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

DATE_FORMAT = "DD.MM.YYYY"


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return str(value)


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_text(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def add_sheet(
    workbook: Workbook, title: str, header: Sequence[str], rows: Iterable[Sequence[object]], caption: str | None = None
) -> None:
    """A sheet with an optional caption line, a bold header row and the rows; columns sized to fit."""
    sheet = workbook.create_sheet(title[:31])
    if caption:
        sheet.append([caption])
        sheet.cell(row=1, column=1).font = Font(bold=True, size=12)
        sheet.append([])
    sheet.append(list(header))
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    widths = [len(h) for h in header]
    for row in rows:
        sheet.append(list(row))
        for index, value in enumerate(row):
            cell = sheet.cell(row=sheet.max_row, column=index + 1)
            if isinstance(value, date):
                cell.number_format = DATE_FORMAT
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
