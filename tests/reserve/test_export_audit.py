"""Bulk exports of people's data are recorded in the audit journal: who took which list,
in which format and how many rows, and when; the administrator sees them there."""

from __future__ import annotations

import json

from sqlalchemy import select

from reserve_flow.core.audit.models import AuditEvent
from tests.helpers import NOW


def export_events(runtime) -> list[AuditEvent]:
    with runtime.sessions() as s:
        return list(
            s.scalars(select(AuditEvent).where(AuditEvent.kind == "personal_data_exported").order_by(AuditEvent.seq))
        )


def test_reserve_list_and_registry_exports_are_in_the_journal(runtime, reserve, client, auth):
    auth.login("hr@example.ru")
    assert client.get("/reserve/export.xlsx?kind=school").status_code == 200
    assert client.get("/reserve/export.csv").status_code == 200
    auth.logout()
    auth.login("applicant@example.ru")
    assert client.get("/reserve/export.csv").status_code == 404  # refused: nothing exported, nothing logged
    auth.logout()
    auth.login("admin@example.ru")
    assert client.get("/organizations/template.xlsx").status_code == 200

    xlsx, csv, registry = export_events(runtime)
    assert (xlsx.actor_name, xlsx.reason, xlsx.occurred_at) == (
        "Кадрова Мария Ивановна",
        "Список кадрового резерва",
        NOW,
    )
    assert json.loads(xlsx.data) == {"format": "xlsx", "rows": 2, "filters": {"kind": "school"}}
    assert json.loads(csv.data) == {"format": "csv", "rows": 2, "filters": {}}
    assert registry.actor_name == "Админов Алексей Николаевич"
    assert registry.reason.startswith("Реестр организаций") and json.loads(registry.data)["rows"] == 3

    journal = client.get("/admin/audit?kind=personal_data_exported").get_data(as_text=True)
    assert journal.count("Выгрузка персональных данных") >= 3
    assert "Кадрова Мария Ивановна" in journal and "Список кадрового резерва" in journal
