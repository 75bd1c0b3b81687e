"""Spreadsheets in and out: XLSX and CSV files read into rows of header -> value, and
XLSX/CSV written for templates and exports. Shared by every area that imports tables.

Reading is strict about what the file is (the content decides, and it must agree with
the extension) and lenient about how Russian Excel writes CSV: UTF-8 with or without
a BOM, or Windows-1251; ';' or ',' (or tab) as the delimiter. Every refusal is a
TabularError with a Russian message for the person who uploaded the file.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from reserve_flow.core.errors import Refused
from reserve_flow.core.files import archives, tables
from reserve_flow.core.files.storage import clean_filename

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv; charset=utf-8"
MAX_ROWS = 10_000

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (Excel 97-2003) and other OLE files
_ZIP_MAGIC = b"PK\x03\x04"


class TabularError(Refused):
    """The file cannot be read as a table; the text says why, in Russian."""


@dataclass(frozen=True)
class RowProblem:
    """One reason a row (by its number in the file; 1 is the header) was refused."""

    row: int
    message: str

    def __str__(self) -> str:
        return f"Строка {self.row}: {self.message}" if self.row else self.message


class ImportRejected(Refused):
    """An import was refused as a whole; `problems` lists every bad row and why (a
    refusal: the web shows the list with status 400)."""

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


@dataclass
class Row:
    number: int  # as the spreadsheet numbers it: the header is row 1
    values: dict[str, Any]  # header -> value: stripped text, a number, a date, or None

    def get(self, header: str) -> Any:
        return self.values.get(header)

    def text(self, header: str) -> str:
        value = self.values.get(header)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()


@dataclass
class Table:
    headers: list[str]
    rows: list[Row]
    format: str  # "xlsx" or "csv"


def normalize_header(text: Any) -> str:
    """Headers compare without case, extra spaces, line breaks or a trailing '*'."""
    return re.sub(r"\s+", " ", str(text or "")).strip().rstrip("*").strip().casefold()


def detect_format(content: bytes, filename: str) -> str:
    """'xlsx' or 'csv', from the content; the extension must agree with it."""
    name = (filename or "").lower()
    extension = name.rsplit(".", 1)[-1] if "." in name else ""
    if content.startswith(_OLE2_MAGIC):
        raise TabularError("Файлы XLS (Excel 97–2003) не поддерживаются: сохраните файл в формате XLSX или CSV.")
    is_zip = content.startswith(_ZIP_MAGIC)
    if extension == "xlsx":
        if not is_zip:
            raise TabularError(
                "Файл назван .xlsx, но не является книгой Excel: возможно, он повреждён "
                "или переименован. Сохраните его в Excel как «Книга Excel (*.xlsx)»."
            )
        return "xlsx"
    if extension in ("csv", "txt"):
        utf16 = content.startswith((b"\xff\xfe", b"\xfe\xff"))
        if is_zip or (b"\x00" in content[:4096] and not utf16):
            raise TabularError("Файл назван .csv, но не является текстовым файлом CSV.")
        return "csv"
    raise TabularError("Поддерживаются только файлы XLSX и CSV.")


def read_table(content: bytes, filename: str, *, max_rows: int = MAX_ROWS) -> Table:
    """The first sheet (XLSX) or the whole file (CSV) as a header row and data rows.
    Entirely empty rows are skipped but keep their numbers, so messages match Excel."""
    if not content:
        raise TabularError("Файл пуст.")
    kind = detect_format(content, filename)
    raw = _xlsx_rows(content) if kind == "xlsx" else _csv_rows(content)
    header_cells: list[Any] | None = None
    rows: list[Row] = []
    headers: list[str] = []
    for number, cells in enumerate(raw, start=1):
        if header_cells is None:
            header_cells = cells
            headers = _headers(cells)
            continue
        values = {h: _clean(cells[i]) if i < len(cells) else None for i, h in enumerate(headers) if h}
        if all(v is None for v in values.values()):
            continue
        if len(rows) >= max_rows:
            raise TabularError(f"В файле больше {max_rows} строк с данными.")
        rows.append(Row(number, values))
    if header_cells is None or not any(headers):
        raise TabularError("В файле нет строки заголовков.")
    return Table(headers=[h for h in headers if h], rows=rows, format=kind)


def _headers(cells: list[Any]) -> list[str]:
    headers = [re.sub(r"\s+", " ", str(c)).strip() if c is not None else "" for c in cells]
    seen: dict[str, str] = {}
    for header in headers:
        if not header:
            continue
        key = normalize_header(header)
        if key in seen:
            raise TabularError(f"Столбец «{header}» встречается в заголовке дважды.")
        seen[key] = header
    return headers


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = tables.restored(value).strip()
        return value or None
    return value


def _xlsx_rows(content: bytes) -> Iterable[list[Any]]:
    from openpyxl import load_workbook  # imported here: only uploads and exports need it

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        raise TabularError("Файл XLSX повреждён: его не удаётся открыть.") from None
    if "xl/workbook.xml" not in names:
        raise TabularError("Файл не является книгой Excel (XLSX).")
    try:
        archives.check_zip(content)  # before openpyxl unpacks anything
    except archives.ArchiveRefused as exc:
        raise TabularError(f"Книга Excel не принята: {exc}.") from None
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on damaged files; all mean the same here
        raise TabularError("Файл XLSX повреждён: его не удаётся прочитать.") from None
    try:
        if not workbook.worksheets:
            raise TabularError("В книге Excel нет листов.")
        rows = []
        for cells in workbook.worksheets[0].iter_rows():
            rows.append([_xlsx_value(cell) for cell in cells])
        return rows
    finally:
        workbook.close()


def _xlsx_value(cell: Any) -> Any:
    value = cell.value
    # A cell formatted as percent holds 0.855 and shows 85,5 %: take what the person sees.
    if (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and "%" in (getattr(cell, "number_format", "") or "")
    ):
        return round(value * 100, 10)
    return value


def _decode(content: bytes) -> str:
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", errors="strict")
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        # Russian Excel's "CSV (разделители — запятые)" is Windows-1251.
        return content.decode("cp1251")
    except UnicodeDecodeError:
        raise TabularError(
            "Не удалось определить кодировку файла CSV: сохраните его в UTF-8 или Windows-1251."
        ) from None


def _delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the same, largest number of columns."""
    sample = text.splitlines()[:20]
    best, best_score = ";", (-1, -1)
    for candidate in (";", ",", "\t"):
        try:
            parsed = list(csv.reader(sample, delimiter=candidate))
        except csv.Error:
            continue
        if not parsed:
            continue
        width = len(parsed[0])
        consistent = sum(1 for cells in parsed if len(cells) == width)
        score = (width > 1, consistent, width)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _csv_rows(content: bytes) -> list[list[Any]]:
    text = _decode(content)
    if "\x00" in text:
        raise TabularError("Файл назван .csv, но не является текстовым файлом CSV.")
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    except csv.Error as exc:
        raise TabularError(f"Файл CSV не удаётся разобрать: {exc}.") from None


def parse_number(value: Any) -> float | None:
    """A number as a person typed it: 85, 85.5, «85,5», «85,5 %», «1 234,5». None for an
    empty cell; ValueError for anything else."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip().replace("\u00a0", "").replace(" ", "")
        if not text:
            return None
        text = text.removesuffix("%").replace(",", ".")
        if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
            raise ValueError(value)
        number = float(text)
    if math.isnan(number) or math.isinf(number):
        raise ValueError(value)
    return number


def format_number(value: float | None) -> str:
    """85 -> «85», 85.5 -> «85,5»: numbers as Russian text."""
    if value is None:
        return ""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


@dataclass
class Sheet:
    """One sheet to write: a header row, data rows, and optional touches for people."""

    title: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    widths: list[int] = field(default_factory=list)  # characters, per column
    number_formats: dict[int, str] = field(default_factory=dict)  # column index -> Excel format
    choices: dict[int, list[str]] = field(default_factory=dict)  # column index -> drop-down values


def notes_sheet(lines: Sequence[str]) -> Sheet:
    """A sheet of instructions to put after a template's data sheet."""
    return Sheet(title="Инструкция", headers=["Как заполнить"], rows=[[line] for line in lines], widths=[120])


def write_xlsx(sheets: Sequence[Sheet]) -> bytes:
    """An XLSX book: bold, frozen header rows, column widths, drop-downs. Text that looks
    like a formula is neutralised (core/files/tables.py), so a cell typed as «=...» never
    runs in the reader's Excel."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet in sheets:
        ws = workbook.create_sheet(sheet.title[:31])
        ws.append([tables.cell_value(h) for h in sheet.headers])
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="E8EEF5")
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for values in sheet.rows:
            ws.append([tables.cell_value(v) for v in values])
        for index, width in enumerate(sheet.widths, start=1):
            ws.column_dimensions[get_column_letter(index)].width = width
        last_row = max(ws.max_row, 500)
        for index, number_format in sheet.number_formats.items():
            for row in range(2, ws.max_row + 1):
                ws.cell(row=row, column=index + 1).number_format = number_format
        for index, values in sheet.choices.items():
            letter = get_column_letter(index + 1)
            validation = DataValidation(
                type="list",
                formula1='"' + ",".join(values) + '"',
                allow_blank=True,
                showErrorMessage=True,
                errorTitle="Недопустимое значение",
                error="Выберите значение из списка: " + ", ".join(values),
            )
            validation.add(f"{letter}2:{letter}{last_row}")
            ws.add_data_validation(validation)
        if sheet.headers:
            ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]], delimiter: str = ";") -> bytes:
    """CSV as Russian Excel opens it by double-click: UTF-8 with a BOM, ';', decimal commas.
    Text that would start a formula is neutralised (core/files/tables.py), so that Excel shows it, not runs it."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([_csv_cell(h) for h in headers])
    for values in rows:
        writer.writerow([_csv_cell(v) for v in values])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, (int, float)):
        return format_number(float(value))
    return tables.neutralised(str(value))


@dataclass(frozen=True)
class Upload:
    content: bytes
    filename: str
    sha256: str


def read_upload(stream: Any, filename: str, max_size_mb: int) -> Upload:
    """An uploaded file's bytes, refused (TabularError) past the configured size; the
    SHA-256 identifies the file in the audit log."""
    import hashlib

    limit = max_size_mb * 1024 * 1024
    content = stream.read(limit + 1)
    if len(content) > limit:
        raise TabularError(f"Файл больше {max_size_mb} МБ: загрузите файл меньшего размера.")
    name = clean_filename(filename or "") or "без имени"
    return Upload(content, name, hashlib.sha256(content).hexdigest())
