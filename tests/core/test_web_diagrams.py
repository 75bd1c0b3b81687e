"""Diagrams on the site: the rules for every logged-in user, a case's diagram only for
those who may open the case (404 for the others, as on the case page), and the case
pages showing their diagram."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import func, select

from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.people.services.users import create_user
from tests.core.test_diagrams import group, svg_texts
from tests.core.test_engine import fire as fire_engine
from tests.helpers import PASSWORD

SVG_TYPE = "image/svg+xml"


def _audit_count(runtime) -> int:
    with runtime.sessions() as s:
        return s.scalar(select(func.count()).select_from(AuditEvent))


def _classes(content: bytes, element_id: str) -> set[str]:
    return set((group(ET.fromstring(content), element_id).get("class") or "").split())


@pytest.mark.parametrize(
    "url",
    [
        "/workflows",
        "/workflows/application.svg",
        "/workflows/contest.bpmn",
        "/applications/1/diagram.svg",
        "/contests/1/diagram.svg",
    ],
)
def test_login_required(client, district, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_any_user_sees_the_rules_as_svg_and_bpmn(auth, client, district):
    auth.login("applicant2@example.ru")
    page = client.get("/workflows")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Заявление на участие в конкурсе" in html and "Конкурс в резерв руководителей" in html
    assert 'src="/workflows/application.svg"' in html and 'href="/workflows/contest.bpmn"' in html
    assert "Graphviz" not in html and "недоступна" not in html  # the diagrams need nothing installed

    svg = client.get("/workflows/application.svg")
    assert svg.status_code == 200 and svg.mimetype == SVG_TYPE
    assert "Включено в резерв" in svg_texts(ET.fromstring(svg.data))

    bpmn = client.get("/workflows/contest.bpmn")
    assert bpmn.status_code == 200
    assert bpmn.headers["Content-Disposition"] == 'attachment; filename="contest.bpmn"'
    root = ET.fromstring(bpmn.data)
    assert root.tag == "{http://www.omg.org/spec/BPMN/20100524/MODEL}definitions"

    assert client.get("/workflows/vacancy.svg").status_code == 404
    assert client.get("/workflows/vacancy.bpmn").status_code == 404


def test_owner_sees_the_case_diagram_with_the_current_state(auth, client, district, runtime):
    fire_engine(runtime, district, "applicant", "submit")
    auth.login("applicant@example.ru")
    response = client.get(f"/applications/{district.application_id}/diagram.svg")
    assert response.status_code == 200 and response.mimetype == SVG_TYPE
    assert "no-cache" in response.headers["Cache-Control"]
    assert "current" in _classes(response.data, "state-submitted")
    assert "visited" in _classes(response.data, "state-draft")
    assert "taken" in _classes(response.data, "t-draft-submit")

    page = client.get(f"/applications/{district.application_id}").get_data(as_text=True)
    assert f'src="/applications/{district.application_id}/diagram.svg' in page


def test_another_applicant_gets_404_on_someone_elses_case_diagram(auth, client, district, runtime):
    auth.login("applicant2@example.ru")
    url = f"/applications/{district.application_id}/diagram.svg"
    assert client.get(url).status_code == 404  # a draft
    fire_engine(runtime, district, "applicant", "submit")
    before = _audit_count(runtime)
    assert client.get(url).status_code == 404  # and once submitted
    assert client.get("/applications/999999/diagram.svg").status_code == 404
    assert _audit_count(runtime) == before


def test_commission_sees_a_submitted_case_diagram_but_not_a_draft(auth, client, district, runtime):
    url = f"/applications/{district.application_id}/diagram.svg"
    auth.login("member@example.ru")
    assert client.get(url).status_code == 404
    fire_engine(runtime, district, "applicant", "submit")
    assert client.get(url).status_code == 200
    auth.logout()
    auth.login("admin@example.ru")
    assert client.get(url).status_code == 200


def test_contest_diagram_for_the_commission_only(auth, client, district, runtime):
    url = f"/contests/{district.contest_id}/diagram.svg"
    auth.login("secretary@example.ru")
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == SVG_TYPE
    assert "current" in _classes(response.data, "state-accepting")
    assert "taken" in _classes(response.data, "t-announced-open_acceptance")
    page = client.get(f"/contests/{district.contest_id}").get_data(as_text=True)
    assert f'src="/contests/{district.contest_id}/diagram.svg' in page
    auth.logout()

    with runtime.transaction() as s:
        create_user(
            s,
            email="outsider@example.ru",
            full_name="Посторонний Олег Олегович",
            password=PASSWORD,
            roles=["member", "secretary"],
        )
    before = _audit_count(runtime)
    for email in ("applicant@example.ru", "outsider@example.ru"):
        auth.login(email)
        assert client.get(url).status_code == 404
        auth.logout()
    auth.login("secretary@example.ru")
    assert client.get("/contests/999999/diagram.svg").status_code == 404
    assert _audit_count(runtime) == before
