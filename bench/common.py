"""What the benchmarks share: a fresh migrated database (SQLite in a temporary folder,
or PostgreSQL when RESERVE_FLOW_BENCH_DATABASE_URL is set), a runtime on it, a small
district to act in, and timing helpers. Figures are printed, never asserted."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

# Run this checkout's package, whichever copy pip installed (the scripts live in bench/).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from reserve_flow.config import load_settings  # noqa: E402
from reserve_flow.contest.models.contests import (
    CommissionSeat,
    Contest,
    ContestCriterion,
    ContestDocumentKind,
)
from reserve_flow.core import migrate  # noqa: E402
from reserve_flow.core.db import make_engine, normalize_url  # noqa: E402
from reserve_flow.organizations.models.organizations import Organization
from reserve_flow.people.models import User
from reserve_flow.people.services.users import create_user  # noqa: E402
from reserve_flow.runtime import Runtime  # noqa: E402

BENCH_URL_VARIABLE = "RESERVE_FLOW_BENCH_DATABASE_URL"
PASSWORD = "correct horse battery"
# The tests' fixed moment: Wednesday 2026-11-25, 10:00 Irkutsk, inside the contest's acceptance window.
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
KINDS = ("school", "kindergarten", "additional")
_ORG_PREFIX = {
    "school": "МБОУ «Средняя общеобразовательная школа",
    "kindergarten": "МБДОУ «Детский сад",
    "additional": "МБУ ДО «Дом детского творчества",
}


def arguments(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--scale", type=float, default=1.0, help="multiply the amounts of work and data (default 1: under a minute)"
    )
    return parser.parse_args()


def scaled(amount: int, scale: float) -> int:
    return max(1, round(amount * scale))


@contextmanager
def database(postgresql: str | None = None) -> Iterator[str]:
    """The URL of an empty, migrated database. PostgreSQL: the database named by
    `postgresql` or else RESERVE_FLOW_BENCH_DATABASE_URL has its public schema dropped
    and re-created, so never point it at real data. SQLite (`postgresql` "" or neither
    set): a file in a temporary folder, removed after."""
    url = (os.environ.get(BENCH_URL_VARIABLE, "") if postgresql is None else postgresql).strip()
    if url:
        url = normalize_url(url)
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        migrate.upgrade(engine)
        engine.dispose()
        yield url
        return
    with tempfile.TemporaryDirectory(prefix="reserve-flow-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        yield url


@contextmanager
def bench_runtime(url: str, instance: Path | None = None) -> Iterator[Runtime]:
    """A runtime whose clock stands at NOW, like the tests'."""
    folder = instance or Path(tempfile.mkdtemp(prefix="reserve-flow-bench-instance-"))
    settings = load_settings(
        env={},
        overrides={
            "database": {"url": url},
            "app": {"secret_key": "bench-secret", "instance_path": str(folder)},
        },
    )
    runtime = Runtime(settings)
    runtime.engine.clock = lambda: NOW
    try:
        yield runtime
    finally:
        runtime.dispose()


def describe(url: str) -> str:
    kind = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    return f"{kind} ({url.split('@')[-1] if '@' in url else url})"


@dataclass
class District:
    """Ids of the rows `build_district` made."""

    users: dict[str, int] = field(default_factory=dict)
    organizations: list[int] = field(default_factory=list)
    contest_id: int = 0


def build_district(runtime: Runtime, organizations: int = 3) -> District:
    """Organizations, one user per role (as in tests/conftest.py), and a contest announced and
    accepting applications, with its commission, two criteria and two mandatory documents."""
    built = District()
    with runtime.transaction() as s:
        orgs = [
            Organization(
                kind=KINDS[i % 3],
                full_name=f"{_ORG_PREFIX[KINDS[i % 3]]} № {i + 1}»",
                short_name=f"ОО № {i + 1}",
                head_name=f"Руководителев Иван № {i + 1}",
            )
            for i in range(organizations)
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
        }
        for key, (name, roles) in people.items():
            built.users[key] = create_user(
                s, email=f"{key}@example.ru", full_name=name, password=PASSWORD, roles=roles
            ).id
        contest = Contest(
            title="Конкурс на включение в резерв руководителей ОО, 2026",
            announcement="Приглашаем педагогов с опытом управленческой работы.",
            organization_kinds="school,kindergarten,additional",
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
        ]
        s.add(contest)
        s.flush()
        built.contest_id = contest.id
        secretary = s.get(User, built.users["secretary"])
        runtime.engine.fire(contest, "announce", secretary)
        runtime.engine.fire(contest, "open_acceptance", secretary)
    return built


def person(n: int) -> str:
    """A plausible, distinct Russian full name for the n-th generated person."""
    surnames = ("Иванова", "Петрова", "Смирнова", "Кузнецова", "Попова", "Соколова", "Лебедева", "Козлова")
    names = ("Анна", "Мария", "Елена", "Ольга", "Татьяна", "Наталья", "Ирина", "Светлана")
    patronymics = ("Андреевна", "Петровна", "Сергеевна", "Ивановна", "Викторовна")
    return f"{surnames[n % 8]}-{n} {names[(n // 8) % 8]} {patronymics[(n // 64) % 5]}"


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def milliseconds(seconds: list[float]) -> str:
    """median (min–max) in ms."""
    ms = [s * 1000 for s in seconds]
    return f"{statistics.median(ms):7.1f} ms median ({min(ms):.1f}–{max(ms):.1f})"


def later(days: int) -> date:
    return NOW.date() + timedelta(days=days)
