"""Helpers shared by the organization and monitoring tests: spreadsheets made the way
people make them, uploads through the pages, and audit counts."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.organizations.models.monitoring import MonitoringResult, MonitoringYear
from reserve_flow.organizations.models.organizations import Organization
from reserve_flow.organizations.services import monitoring
from reserve_flow.people.models import User
from tests.conftest import NOW, _csrf_token

SCHOOL = "МБОУ «Нижнеангарская СОШ № 1»"
KINDERGARTEN = "МБДОУ детский сад «Северяночка»"
DDT = "МБУ ДО «Северо-Байкальский ДДТ»"
CRITERIA = (("Образовательные результаты", 40.0), ("Кадровые условия", 20.0))
HEADERS = ["Организация", "Руководитель (ФИО)", "Итоговый балл, %", "Уровень",
           "Образовательные результаты (макс. 40)", "Кадровые условия (макс. 20)"]
# A valid set: one optimal, one acceptable, one under 50 % (critical).
GOOD_ROWS = [
    [SCHOOL, "Пантелеев Андрей Николаевич", 91.5, "оптимальный", 37, 18],
    [KINDERGARTEN, "Морозова Елена Викторовна", 64, "допустимый", 26, 13],
    [DDT, "Зайцева Надежда Петровна", 42.5, "критический", 17, 8.5],
]


def xlsx_bytes(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, encoding: str = "utf-8",
              delimiter: str = ";", decimal: str = ",") -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([str(v).replace(".", decimal) if isinstance(v, float) else v for v in row])
    return buffer.getvalue().encode(encoding)


def read_xlsx(content: bytes) -> list[list[Any]]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def upload(client, page_url: str, post_url: str, filename: str, content: bytes, **fields):
    """Post a file with the CSRF token of the page that shows the form, as a browser would."""
    token = _csrf_token(client.get(page_url).get_data(as_text=True))
    data = {"csrf_token": token, "file": (io.BytesIO(content), filename), **fields}
    return client.post(post_url, data=data, content_type="multipart/form-data")


def count(runtime, model, *where) -> int:
    with runtime.sessions() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def events(runtime, kind: str) -> list[AuditEvent]:
    with runtime.sessions() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.kind == kind).order_by(AuditEvent.seq)))


def results(runtime, year: int) -> dict[str, MonitoringResult]:
    with runtime.sessions() as s:
        rows = s.scalars(select(MonitoringResult).join(MonitoringYear).where(MonitoringYear.year == year))
        return {r.organization.full_name: r for r in rows}


@pytest.fixture
def year_2025(runtime, district) -> int:
    """Monitoring year 2025 with two criteria, no results yet; heads filled in the registry."""
    with runtime.transaction() as s:
        admin = s.get(User, district.users["admin"])
        for organization in s.scalars(select(Organization)):
            organization.head_name = {SCHOOL: "Пантелеев Андрей Николаевич"}.get(organization.full_name, "")
        monitoring.create_year(s, admin, 2025, [monitoring.CriterionData(n, m) for n, m in CRITERIA], NOW)
    return 2025


@pytest.fixture
def admin(auth, district):
    auth.login("admin@example.ru")
    return district
