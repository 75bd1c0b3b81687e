"""A request over the upload limit gets one Russian "file too large" page wherever it was
posted, with a link back to the form it came from, and nothing is stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from reserve_flow.organizations.models.monitoring import MonitoringResult
from reserve_flow.organizations.models.organizations import Organization
from reserve_flow.reserve.models.plan import PlanEvidence
from tests.fixtures.monitoring import upload
from tests.fixtures.reserve import agreed_plan
from tests.helpers import _csrf_token
from tests.reserve.test_reserve_plan import upload_http

MB = 1024 * 1024
HUGE = b"x" * (3 * MB)


@pytest.fixture
def small_limit(app, runtime):
    """Files up to 1 MB; a request over 2 MB is cut off before any view reads it."""
    runtime.settings["uploads"]["max_size_mb"] = 1
    app.config["MAX_CONTENT_LENGTH"] = 2 * MB


def count(runtime, model) -> int:
    with runtime.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def assert_too_large(response, back_href: str, back_label: str) -> None:
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "Файл слишком большой" in html and "не более 1 МБ" in html
    assert f'<a href="{back_href}">← {back_label}</a>' in html


def test_an_organizations_import_leads_back_to_the_import_page(client, runtime, admin, small_limit):
    before = count(runtime, Organization)
    response = upload(client, "/organizations/import", "/organizations/import", "реестр.csv", HUGE)
    assert_too_large(response, "/organizations/import", "Вернуться к импорту организаций")
    assert count(runtime, Organization) == before


def test_a_monitoring_import_leads_back_to_its_year(client, runtime, admin, year_2025, small_limit):
    response = upload(client, "/monitoring/2025", "/monitoring/2025/import", "m.csv", HUGE)
    assert_too_large(response, "/monitoring/2025", "Вернуться к мониторингу 2025 года")
    assert count(runtime, MonitoringResult) == 0


def test_plan_evidence_leads_back_to_the_members_plan(client, auth, runtime, reserve, small_limit):
    m = reserve.first
    course_id, _ = agreed_plan(runtime, reserve, m)
    auth.login("applicant@example.ru")
    response = upload_http(client, m, course_id, "certificate", "удостоверение.pdf", HUGE)
    assert_too_large(response, f"/reserve/{m}", "Вернуться к плану развития")
    assert count(runtime, PlanEvidence) == 0


def test_a_form_without_a_page_to_return_to_leads_home(client, small_limit):
    token = _csrf_token(client.get("/register").get_data(as_text=True))
    response = client.post("/register", data={"csrf_token": token, "full_name": "x" * (3 * MB)})
    assert_too_large(response, "/", "На главную")
