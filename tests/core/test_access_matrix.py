"""The access matrix, built from the app's own URL map: every route declares in code who
may reach it (core/web/access.py: @public, @login_required, @role_required), every GET
route has its expected answers in tests/core/access_matrix.py, and each role gets them
for its own objects, someone else's and a contest whose commission it does not sit on."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

import pytest
from flask import Blueprint, url_for

from reserve_flow.contest.models.contests import (
    Application,
    CommissionSeat,
    Contest,
    ContestCriterion,
    ContestDocumentKind,
)
from reserve_flow.contest.models.documents import ApplicationDocument
from reserve_flow.contest.services import documents as documents_service
from reserve_flow.core.files import storage
from reserve_flow.core.web.access import API, PUBLIC, declared_rule, login_required
from reserve_flow.people.models import User
from reserve_flow.people.services.users import create_user
from reserve_flow.reserve.models.plan import PlanEvidence
from tests.core.access_matrix import ANONYMOUS, CASES, ROLES
from tests.fixtures.reserve import PDF, add_item, confirm, internship, upload
from tests.helpers import NOW, PASSWORD, AuthActions

MISSING = 999_999


@dataclass
class Objects:
    """The ids the matrix fills in: "own" is the applicant's (and the mentor's mentee's)."""

    values: dict[str, int]

    def fill(self, arguments: dict[str, str]) -> dict[str, object]:
        return {
            name: (key[1:] if key.startswith("=") else (MISSING if key == "missing" else self.values[key]))
            for name, key in arguments.items()
        }


def _foreign_contest(runtime, district) -> tuple[int, int, int]:
    """A second contest run by another secretary, none of the district's commission on it,
    with a submitted application carrying a stored document: (contest, application, document)."""
    with runtime.transaction() as s:
        secretary = create_user(
            s, email="secretary2@example.ru", full_name="Другая Секретарь", password=PASSWORD, roles=["secretary"]
        )
        chair = create_user(
            s, email="chair2@example.ru", full_name="Другой Председатель", password=PASSWORD, roles=["chair", "member"]
        )
        outsider = create_user(
            s, email="outsider@example.ru", full_name="Посторонний Заявитель", password=PASSWORD, roles=["applicant"]
        )
        contest = Contest(
            title="Конкурс другой комиссии",
            announcement="Объявление",
            accept_from=date(2026, 11, 1),
            accept_to=date(2026, 12, 15),
            secretary_id=secretary.id,
            chair_id=chair.id,
        )
        contest.seats = [CommissionSeat(user_id=secretary.id), CommissionSeat(user_id=chair.id)]
        contest.criteria = [ContestCriterion(name="Собеседование", max_score=10, weight=1.0, position=1)]
        contest.document_kinds = [
            ContestDocumentKind(code="application", title="Заявление", mandatory=True, position=1)
        ]
        s.add(contest)
        s.flush()
        runtime.engine.fire(contest, "announce", secretary)
        runtime.engine.fire(contest, "open_acceptance", secretary)
        application = Application(
            contest_id=contest.id, applicant_id=outsider.id, consent_given_at=NOW, consent_text_version="2026-1"
        )
        s.add(application)
        s.flush()
        contest_id, application_id, outsider_id = contest.id, application.id, outsider.id
    with runtime.sessions() as s:
        document = documents_service.upload(
            runtime, s, s.get(User, outsider_id), application_id, "application", io.BytesIO(PDF), "a.pdf"
        )
        document_id = document.id
    with runtime.transaction() as s:
        runtime.engine.fire(s.get(Application, application_id), "submit", s.get(User, outsider_id))
    return contest_id, application_id, document_id


def _stored_document(runtime, application_id: int) -> int:
    """A real stored file for the district applicant's admitted application."""
    stored = storage.store(
        io.BytesIO(PDF),
        "programme.pdf",
        documents_service.uploads_folder(runtime),
        runtime.settings.upload_max_bytes,
    )
    with runtime.transaction() as s:
        document = ApplicationDocument(
            application_id=application_id,
            kind_code="programme",
            original_name="programme.pdf",
            content_type="application/pdf",
            size=stored.size,
            sha256=stored.sha256,
            storage_key=stored.storage_key,
        )
        s.add(document)
        s.flush()
        return document.id


@pytest.fixture
def objects(runtime, appointment) -> Objects:
    reserve = appointment.reserve
    district = reserve.district
    own_item = add_item(runtime, reserve, reserve.first, internship(reserve))
    other_item = add_item(runtime, reserve, reserve.second, internship(reserve, mentor="mentor2"))
    evidence_id = _evidence(runtime, reserve, own_item)
    foreign_contest, foreign_application, foreign_document = _foreign_contest(runtime, district)
    return Objects(
        {
            "contest": district.contest_id,
            "foreign_contest": foreign_contest,
            "own_application": reserve.commission.first,
            "other_application": reserve.commission.second,
            "foreign_application": foreign_application,
            "own_document": _stored_document(runtime, reserve.commission.first),
            "foreign_document": foreign_document,
            "own_membership": reserve.first,
            "other_membership": reserve.second,
            "own_item": own_item,
            "other_item": other_item,
            "own_evidence": evidence_id,
            "own_user": district.users["applicant"],
            "other_user": district.users["applicant2"],
            "vacancy": appointment.vacancy,
            "organization": district.organizations[0],
        }
    )


def _evidence(runtime, reserve, item_id: int) -> int:
    """The member's certificate for the mentored internship, uploaded once the plan is agreed."""
    confirm(runtime, reserve, "hr", reserve.first)
    confirm(runtime, reserve, "applicant", reserve.first)
    upload(runtime, reserve, "applicant", reserve.first, item_id)
    with runtime.sessions() as s:
        return s.query(PlanEvidence.id).filter(PlanEvidence.item_id == item_id).scalar()


def _clients(app) -> dict[str, object]:
    clients = {ANONYMOUS: app.test_client()}
    for role in ROLES:
        client = app.test_client()
        response = AuthActions(client).login(f"{role}@example.ru")
        assert response.status_code == 302, role
        clients[role] = client
    return clients


def test_every_route_declares_who_may_reach_it(app):
    undeclared = sorted(
        f"{rule.endpoint} {rule.rule}" for rule in app.url_map.iter_rules() if declared_rule(app, rule.endpoint) is None
    )
    assert undeclared == []


def test_every_get_route_is_in_the_matrix(app):
    """Pages are in the matrix; the JSON API's views (declared API) are checked below and
    object by object in tests/api, as they answer problems rather than pages."""
    listed = {c.endpoint for c in CASES}
    missing = sorted(
        f"{rule.endpoint} {rule.rule}"
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.endpoint not in listed and declared_rule(app, rule.endpoint) != API
    )
    assert missing == []


def test_every_api_route_refuses_anonymous_callers_with_a_problem(app, client, district):
    """No API view is open by accident: without a token or a session each answers 401 as
    application/problem+json (its description and its page are the declared public ones)."""
    checked = 0
    for rule in app.url_map.iter_rules():
        if declared_rule(app, rule.endpoint) != API:
            continue
        url = rule.build({name: 1 for name in rule.arguments}, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, json={} if method != "GET" else None)
            assert (response.status_code, response.mimetype) == (401, "application/problem+json"), (method, url)
            checked += 1
    assert checked > 20  # the API's routes are all here


def test_the_matrix_says_public_exactly_where_the_code_does(app):
    for c in CASES:
        assert (declared_rule(app, c.endpoint) == PUBLIC) == c.public, c.endpoint


def test_a_route_without_a_declaration_is_closed_and_fails_the_matrix(runtime, make_app):
    app = make_app(runtime)
    forgotten = Blueprint("forgotten", __name__)
    forgotten.add_url_rule("/forgotten", "page", lambda: "secret")
    declared = Blueprint("declared", __name__)
    declared.add_url_rule("/declared", "page", login_required(lambda: "fine"))
    app.register_blueprint(forgotten)
    app.register_blueprint(declared)
    assert declared_rule(app, "forgotten.page") is None
    assert declared_rule(app, "declared.page") is not None
    response = app.test_client().get("/forgotten")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_each_role_gets_the_matrix_answer_on_every_page(app, objects):
    clients = _clients(app)
    wrong = []
    with app.test_request_context():
        urls = [(c, url_for(c.endpoint, **objects.fill(c.values))) for c in CASES]
    for c, url in urls:
        for role, expected in c.expected.items():
            response = clients[role].get(url)
            if response.status_code != expected:
                wrong.append(f"{role:9} {url} ({c.endpoint}): {response.status_code}, expected {expected}")
            elif expected == 302 and role == ANONYMOUS:
                assert "/login" in response.headers["Location"], url
    assert wrong == [], "\n".join(wrong)
