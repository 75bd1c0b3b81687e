"""Reading and writing spreadsheets (core.files.tabular): what Russian Excel produces is read
as the person sees it, and what is not a spreadsheet is refused in Russian."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from reserve_flow.core.files.tabular import (
    Sheet,
    TabularError,
    parse_number,
    read_table,
    read_upload,
    write_csv,
    write_xlsx,
)


def test_csv_in_windows_1251_with_semicolons_and_quoted_fields():
    text = 'Организация;Балл\r\n"МБОУ «СОШ; № 1»";85,5\r\n;\r\nД/с «Солнышко»;70\r\n'
    table = read_table(text.encode("cp1251"), "file.csv")
    assert table.format == "csv" and table.headers == ["Организация", "Балл"]
    # The empty line 3 is skipped but the numbering stays the spreadsheet's.
    assert [(r.number, r.values) for r in table.rows] == [
        (2, {"Организация": "МБОУ «СОШ; № 1»", "Балл": "85,5"}),
        (4, {"Организация": "Д/с «Солнышко»", "Балл": "70"}),
    ]


def test_csv_in_utf8_with_a_bom_and_commas():
    content = '\ufeffОрганизация,Балл,Уровень\n"Школа, филиал","90,5",оптимальный\n'.encode("utf-8")
    table = read_table(content, "FILE.CSV")
    assert table.headers == ["Организация", "Балл", "Уровень"]
    assert table.rows[0].values == {"Организация": "Школа, филиал", "Балл": "90,5", "Уровень": "оптимальный"}


def test_csv_in_utf16_with_tabs_as_excel_saves_unicode_text():
    content = "Организация\tБалл\nШкола\t77\n".encode("utf-16")
    assert read_table(content, "file.txt").rows[0].values == {"Организация": "Школа", "Балл": "77"}


def test_xlsx_percent_cells_are_read_as_shown_and_blank_rows_skipped():
    book = Workbook()
    sheet = book.active
    sheet.append(["Организация", "Итоговый балл, %"])
    sheet.append(["Школа", 0.855])
    sheet["B2"].number_format = "0.0%"
    sheet.append([None, None])
    sheet.append(["  Сад  ", 64])
    buffer = io.BytesIO()
    book.save(buffer)
    table = read_table(buffer.getvalue(), "book.xlsx")
    assert [(r.number, r.values) for r in table.rows] == [
        (2, {"Организация": "Школа", "Итоговый балл, %": 85.5}),
        (4, {"Организация": "Сад", "Итоговый балл, %": 64}),
    ]


@pytest.mark.parametrize(
    "content, filename, message",
    [
        (b"", "a.csv", "Файл пуст"),
        (b"plain text", "a.xlsx", "не является книгой Excel"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "a.xlsx", "XLS (Excel 97–2003) не поддерживаются"),
        (b"PK\x03\x04garbage", "a.xlsx", "повреждён"),
        (b"a;b\n\x00\x01\x02", "a.csv", "не является текстовым файлом CSV"),
        (b"a;b\n1;2", "a.ods", "Поддерживаются только файлы XLSX и CSV"),
        ("Балл;балл\n1;2".encode(), "a.csv", "встречается в заголовке дважды"),
        (b"\x98\x98;\x98\n", "a.csv", "Не удалось определить кодировку"),
    ],
)
def test_what_is_not_a_readable_table_is_refused_in_russian(content, filename, message):
    with pytest.raises(TabularError) as refused:
        read_table(content, filename)
    assert message in str(refused.value)


def test_a_zip_that_is_not_a_workbook_is_refused():
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    with pytest.raises(TabularError, match="не является книгой Excel"):
        read_table(buffer.getvalue(), "disguised.xlsx")


def test_too_many_rows_are_refused():
    content = ("a\n" + "1\n" * 6).encode()
    with pytest.raises(TabularError, match="больше 5 строк"):
        read_table(content, "a.csv", max_rows=5)


@pytest.mark.parametrize(
    "value, expected",
    [
        (85, 85.0),
        (85.5, 85.5),
        ("85,5", 85.5),
        (" 85.5 ", 85.5),
        ("85,5 %", 85.5),
        ("1\u00a0234,5", 1234.5),
        (None, None),
        ("", None),
        ("-3", -3.0),
    ],
)
def test_numbers_as_people_type_them(value, expected):
    assert parse_number(value) == expected


@pytest.mark.parametrize("value", ["много", "8,5,1", "nan", "inf", True, "1e5"])
def test_what_is_not_a_number(value):
    with pytest.raises(ValueError):
        parse_number(value)


def test_written_xlsx_neutralises_formula_like_text_reads_it_back_and_offers_drop_downs():
    sheet = Sheet(
        "Лист", ["ФИО", "Уровень"], rows=[['=HYPERLINK("http://x")', None]], choices={1: ["оптимальный", "допустимый"]}
    )
    book = load_workbook(io.BytesIO(write_xlsx([sheet])))
    cell = book.worksheets[0]["A2"]
    assert cell.data_type == "s" and cell.value == '\'=HYPERLINK("http://x")'  # neutralised (core/files/tables.py)
    [validation] = book.worksheets[0].data_validations.dataValidation
    assert validation.formula1 == '"оптимальный,допустимый"'
    assert read_table(write_xlsx([sheet]), "x.xlsx").rows[0].values["ФИО"] == '=HYPERLINK("http://x")'


def test_written_csv_opens_in_russian_excel_and_reads_back():
    content = write_csv(["Организация", "Балл"], [["=1+1", 85.5], ["Школа", 90]])
    assert content.startswith(b"\xef\xbb\xbf")
    assert content.decode("utf-8-sig") == "Организация;Балл\r\n'=1+1;85,5\r\nШкола;90\r\n"
    assert read_table(content, "x.csv").rows[1].values == {"Организация": "Школа", "Балл": "90"}


def test_uploads_over_the_limit_are_refused_and_hashed_otherwise():
    with pytest.raises(TabularError, match="Файл больше 1 МБ"):
        read_upload(io.BytesIO(b"x" * (1024 * 1024 + 1)), "a.csv", 1)
    upload = read_upload(io.BytesIO(b"abc"), "C:\\Users\\РУО\\Мониторинг.csv", 1)
    assert upload.filename == "Мониторинг.csv"
    assert upload.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
