"""Fixtures: a migrated database per test (SQLite always; PostgreSQL when
RESERVE_FLOW_TEST_DATABASE_URL is set), the app, a client, and a realistic district."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text

from reserve_flow import create_app, migrate
from reserve_flow.config import load_settings
from reserve_flow.db import make_engine, normalize_url
from reserve_flow.models import (
    Application,
    ApplicationDocument,
    CommissionSeat,
    Contest,
    ContestCriterion,
    ContestDocumentKind,
    Organization,
    User,
)
from reserve_flow.runtime import Runtime
from reserve_flow.services.users import create_user

PG_URL = os.environ.get("RESERVE_FLOW_TEST_DATABASE_URL", "").strip()
PASSWORD = "correct horse battery"
# A fixed "now" inside the demo contest's acceptance window: Wednesday 2026-11-25, 10:00 Irkutsk.
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)


def pytest_report_header(config):
    return f"reserve-flow database: {'PostgreSQL ' + PG_URL if PG_URL else 'SQLite (temporary files)'}"


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "migrated.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


def _reset_postgres(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    migrate.upgrade(engine)
    engine.dispose()


@pytest.fixture
def database_url(tmp_path, request) -> str:
    """A freshly migrated, empty database for this test."""
    if PG_URL:
        _reset_postgres(normalize_url(PG_URL))
        return normalize_url(PG_URL)
    template = request.getfixturevalue("_sqlite_template")
    path = tmp_path / "reserve-flow.sqlite3"
    shutil.copy(template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def is_postgres(database_url) -> bool:
    return database_url.startswith("postgresql")


@pytest.fixture
def settings(database_url, tmp_path):
    return load_settings(
        env={},
        overrides={
            "database": {"url": database_url},
            "app": {"secret_key": "test-secret", "instance_path": str(tmp_path / "instance")},
        },
    )


@pytest.fixture
def runtime(settings):
    rt = Runtime(settings)
    rt.engine.clock = lambda: NOW
    yield rt
    rt.dispose()


@pytest.fixture
def app(runtime):
    app = create_app(runtime=runtime)
    app.config.update(TESTING=True)
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@dataclass
class District:
    """Ids of what the district fixture built; load rows in your own session."""

    users: dict[str, int] = field(default_factory=dict)
    organizations: list[int] = field(default_factory=list)
    contest_id: int = 0
    application_id: int = 0  # the applicant's draft, with every mandatory document and consent


@pytest.fixture
def district(runtime) -> District:
    """A small district: organizations, one user per role, a contest announced and
    accepting (two audit events) with its commission, criteria and document kinds,
    and an applicant's complete draft."""
    built = District()
    with runtime.transaction() as s:
        orgs = [
            Organization(kind="school", full_name="МБОУ «Нижнеангарская СОШ № 1»", short_name="Нижнеангарская СОШ № 1"),
            Organization(kind="kindergarten", full_name="МБДОУ детский сад «Северяночка»", short_name="д/с «Северяночка»"),
            Organization(kind="additional", full_name="МБУ ДО «Северо-Байкальский ДДТ»", short_name="ДДТ"),
        ]
        s.add_all(orgs)
        s.flush()
        built.organizations = [o.id for o in orgs]
        people = {
            "secretary": ("Секретарёва Ольга Петровна", ["secretary"]),
            "chair": ("Председателев Иван Сергеевич", ["chair", "member"]),
            "member": ("Членова Анна Викторовна", ["member"]),
            "member2": ("Оценщиков Пётр Ильич", ["member"]),
            "hr": ("Кадрова Мария Ивановна", ["hr"]),
            "admin": ("Админов Алексей Николаевич", ["admin"]),
            "applicant": ("Заявителева Елена Андреевна", ["applicant"]),
            "applicant2": ("Второв Сергей Павлович", ["applicant"]),
        }
        for key, (name, roles) in people.items():
            user = create_user(s, email=f"{key}@example.ru", full_name=name, password=PASSWORD, roles=roles)
            built.users[key] = user.id
        contest = Contest(
            title="Конкурс на включение в резерв руководителей ОО, 2026",
            announcement="Приглашаем педагогов с опытом управленческой работы.",
            accept_from=date(2026, 11, 1),
            accept_to=date(2026, 12, 15),
            check_period_days=5,
            fix_period_days=3,
            vote_period_days=5,
            chair_id=built.users["chair"],
            secretary_id=built.users["secretary"],
        )
        contest.seats = [CommissionSeat(user_id=built.users[k]) for k in ("chair", "member", "member2", "secretary")]
        contest.criteria = [
            ContestCriterion(name="Программа развития ОО", max_score=10, weight=2.0, position=1),
            ContestCriterion(name="Собеседование", max_score=10, weight=1.0, position=2),
        ]
        contest.document_kinds = [
            ContestDocumentKind(code="application", title="Заявление", mandatory=True, position=1),
            ContestDocumentKind(code="passport", title="Паспорт", mandatory=True, position=2),
            ContestDocumentKind(code="programme", title="Программа развития ОО", mandatory=False, position=3),
        ]
        s.add(contest)
        s.flush()
        built.contest_id = contest.id
        secretary = s.get(User, built.users["secretary"])
        runtime.engine.fire(contest, "announce", secretary)
        runtime.engine.fire(contest, "open_acceptance", secretary)
        application = Application(contest_id=contest.id, applicant_id=built.users["applicant"],
                                  consent_given_at=NOW - timedelta(hours=1), consent_text_version="2026-1")
        application.documents = [
            ApplicationDocument(kind_code=code, original_name=f"{code}.pdf", content_type="application/pdf",
                                size=1000, sha256="0" * 64)
            for code in ("application", "passport")
        ]
        s.add(application)
        s.flush()
        built.application_id = application.id
    return built


def load_user(session, district: District, key: str) -> User:
    return session.get(User, district.users[key])


class AuthActions:
    def __init__(self, client) -> None:
        self.client = client

    def login(self, email: str, password: str = PASSWORD):
        page = self.client.get("/login")
        token = _csrf_token(page.get_data(as_text=True))
        return self.client.post("/login", data={"email": email, "password": password, "csrf_token": token})

    def logout(self):
        page = self.client.get("/")
        token = _csrf_token(page.get_data(as_text=True))
        return self.client.post("/logout", data={"csrf_token": token})


def _csrf_token(html: str) -> str:
    import re

    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing():
    """Argon2id with production costs takes ~50 ms a hash; tests create many users.
    The algorithm stays the same, only its cost parameters shrink."""
    from argon2 import PasswordHasher

    from reserve_flow.services import users

    original = users._hasher
    users._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    users._hasher = original
