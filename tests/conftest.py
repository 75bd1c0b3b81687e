"""Fixtures: a migrated database per test (SQLite always; PostgreSQL when
RESERVE_FLOW_TEST_DATABASE_URL is set), the app, a client, and a realistic district.
The fixtures of the domains (a commission, a reserve, an appointment...) live in
tests/fixtures/ and are registered here once; tests never import a fixture by name."""

from __future__ import annotations

import itertools
import os
import re
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from jinja2.bccache import Bucket, BytecodeCache
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

from reserve_flow import create_app
from reserve_flow.app import use_runtime
from reserve_flow.config import load_settings
from reserve_flow.contest.models.contests import (
    Application,
    CommissionSeat,
    Contest,
    ContestCriterion,
    ContestDocumentKind,
)
from reserve_flow.contest.models.documents import ApplicationDocument
from reserve_flow.core import migrate
from reserve_flow.core.db import make_engine, normalize_url
from reserve_flow.organizations.models.organizations import Organization
from reserve_flow.people.models import User
from reserve_flow.people.services.users import create_user
from reserve_flow.runtime import Runtime
from tests.helpers import NOW, PASSWORD, AuthActions, District

pytest_plugins = [
    "tests.fixtures.api",
    "tests.fixtures.applicant",
    "tests.fixtures.appointment",
    "tests.fixtures.backup",
    "tests.fixtures.commission",
    "tests.fixtures.history",
    "tests.fixtures.monitoring",
    "tests.fixtures.privacy",
    "tests.fixtures.reserve",
    "tests.fixtures.scheduler",
]

PG_URL = os.environ.get("RESERVE_FLOW_TEST_DATABASE_URL", "").strip()


def pytest_report_header(config):
    return f"reserve-flow database: {'PostgreSQL ' + PG_URL if PG_URL else 'SQLite (temporary files)'}"


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "migrated.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


class PostgresDatabases:
    """One database per test, cloned from a template migrated once per session.

    `CREATE DATABASE ... TEMPLATE` copies the migrated schema (and the audit table's
    triggers) in ~60 ms, where dropping the schema and running every migration took
    over a second. Names derive from the database RESERVE_FLOW_TEST_DATABASE_URL names:
    `<name>_tpl` and `<name>_t<n>`; that database itself is left alone. Statements
    go through the `postgres` maintenance database, so no session lingers on the
    template (CREATE DATABASE refuses a template with sessions) or on the configured
    database (its owner may drop it after the run). Leftovers of a killed run are
    dropped at the start of the next one. The test databases commit asynchronously
    (synchronous_commit off: a commit does not wait for the WAL to reach the disk;
    what other sessions see and lock is unchanged), since the tests commit often."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.prefix = self.url.database[:50]  # room for the suffixes in 63 characters
        self.template = f"{self.prefix}_tpl"
        self._numbers = itertools.count(1)
        self._admin = create_engine(self.url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self._conn = self._admin.connect()
        self._quote = self._conn.dialect.identifier_preparer.quote

    def _ours(self, name: str) -> bool:
        return name == self.template or re.fullmatch(re.escape(self.prefix) + r"_t\d+", name) is not None

    def _drop(self, name: str) -> None:
        # FORCE ends sessions a test may have left behind (a killed subprocess, an undisposed engine).
        self._conn.execute(text(f"DROP DATABASE IF EXISTS {self._quote(name)} WITH (FORCE)"))

    def _url(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def start(self) -> None:
        """Drop leftovers, then create and migrate the template."""
        for name in self._conn.execute(text("SELECT datname FROM pg_database")).scalars():
            if self._ours(name):
                self._drop(name)
        self._conn.execute(text(f"CREATE DATABASE {self._quote(self.template)}"))
        engine = make_engine(self._url(self.template))
        try:
            migrate.upgrade(engine)
        finally:
            engine.dispose()

    def create(self) -> str:
        name = f"{self.prefix}_t{next(self._numbers)}"
        self._conn.execute(text(f"CREATE DATABASE {self._quote(name)} TEMPLATE {self._quote(self.template)}"))
        self._conn.execute(text(f"ALTER DATABASE {self._quote(name)} SET synchronous_commit = off"))
        return self._url(name)

    def drop(self, url: str) -> None:
        self._drop(make_url(url).database)

    def close(self) -> None:
        try:
            self._drop(self.template)
        finally:
            self._conn.close()
            self._admin.dispose()


@pytest.fixture(scope="session")
def _postgres_databases() -> Iterator[PostgresDatabases]:
    databases = PostgresDatabases(normalize_url(PG_URL))
    try:
        databases.start()
        yield databases
    finally:
        databases.close()


@pytest.fixture
def database_url(tmp_path, request) -> Iterator[str]:
    """A freshly migrated, empty database for this test, dropped after it on PostgreSQL."""
    if PG_URL:
        databases = request.getfixturevalue("_postgres_databases")
        url = databases.create()
        try:
            yield url
        finally:
            databases.drop(url)
        return
    template = request.getfixturevalue("_sqlite_template")
    path = tmp_path / "reserve-flow.sqlite3"
    shutil.copy(template, path)
    yield f"sqlite:///{path}"


@pytest.fixture
def is_postgres(database_url) -> bool:
    return database_url.startswith("postgresql")


@pytest.fixture
def settings(database_url, tmp_path):
    return load_settings(
        env={},
        overrides={
            "database": {"url": database_url},
            # The test client speaks plain HTTP: a Secure cookie would not come back (test_sessions
            # checks the flag). Every test logs in from one address: the limit's own test turns it on.
            "app": {
                "secret_key": "test-secret",
                "instance_path": str(tmp_path / "instance"),
                "secure_cookies": False,
                "rate_limit_enabled": False,
            },
        },
    )


@pytest.fixture
def runtime(settings):
    rt = Runtime(settings)
    rt.engine.clock = lambda: NOW
    yield rt
    rt.dispose()


class _SharedTemplateCache(BytecodeCache):
    """Compiled templates shared by the apps of one test session (the shared one and those
    of make_app), each with a Jinja environment that would compile each template it renders
    again. Jinja checks each entry against its template's source, so an edited template is
    compiled afresh."""

    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self._compiled:
            bucket.bytecode_from_string(self._compiled[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._compiled[bucket.key] = bucket.bytecode_to_string()


_TEMPLATE_CACHE = _SharedTemplateCache()


@pytest.fixture
def make_app():
    """Build an app of the test's own, for a test that needs one configured apart from the
    shared app (anything create_app sets up beyond what use_runtime takes from the runtime)."""

    def make(runtime: Runtime):
        app = create_app(runtime=runtime)
        app.config.update(TESTING=True)
        app.jinja_env.bytecode_cache = _TEMPLATE_CACHE
        return app

    return make


@pytest.fixture(scope="session")
def _shared_app() -> dict:
    """The session's one app and its configuration as built, filled by the first test that
    asks for the app: building one takes 0.2-0.3 s (Werkzeug compiles every URL rule)."""
    return {}


@pytest.fixture
def app(runtime, make_app, _shared_app):
    """The session's app pointed at this test's runtime, with the configuration it was built
    with (whatever an earlier test changed in app.config is gone). Sessions and logins do not
    carry over: each test gets a client of its own, and g lives for one request."""
    if not _shared_app:
        app = make_app(runtime)
        _shared_app.update(app=app, config=dict(app.config))
        return app
    app = _shared_app["app"]
    app.config.clear()
    app.config.update(_shared_app["config"])
    use_runtime(app, runtime)
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def district(runtime) -> District:
    """A small district: organizations, one user per role, a contest announced and
    accepting (two audit events) with its commission, criteria and document kinds,
    and an applicant's complete draft."""
    built = District()
    with runtime.transaction() as s:
        orgs = [
            Organization(kind="school", full_name="МБОУ «Нижнеангарская СОШ № 1»", short_name="Нижнеангарская СОШ № 1"),
            Organization(
                kind="kindergarten", full_name="МБДОУ детский сад «Северяночка»", short_name="д/с «Северяночка»"
            ),
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
            "signatory": ("Начальникова Ирина Петровна", ["signatory"]),
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
        application = Application(
            contest_id=contest.id,
            applicant_id=built.users["applicant"],
            consent_given_at=NOW - timedelta(hours=1),
            consent_text_version="2026-1",
        )
        application.documents = [
            ApplicationDocument(
                kind_code=code, original_name=f"{code}.pdf", content_type="application/pdf", size=1000, sha256="0" * 64
            )
            for code in ("application", "passport")
        ]
        s.add(application)
        s.flush()
        built.application_id = application.id
    return built


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing():
    """Argon2id with production costs takes ~50 ms a hash; tests create many users.
    The algorithm stays the same, only its cost parameters shrink."""
    from argon2 import PasswordHasher

    from reserve_flow.people.services import users

    original = users._hasher
    users._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    users._hasher = original
